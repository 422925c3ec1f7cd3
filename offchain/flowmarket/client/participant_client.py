"""The participant's side of the HTTP API: sign with the wallet, call, sign in.

Used by the CLI (`flowmarket order|positions|settlement|expected|authorisation`) and the
load benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount

from flowmarket.catalogue.hours import bidding_close
from flowmarket.client.batch_receipts import check_batch_answer
from flowmarket.client.bodies import (
    authorisation_body,
    batch_body,
    cancel_body,
    expected_positions_body,
    order_body,
)
from flowmarket.errors import (
    ApiUnavailable,
    AuthenticationFailed,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    RateLimited,
)
from flowmarket.signing import (
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    NamedPortfolio,
    NonConvexTerms,
    OrderBatchMessage,
    OrderMessage,
    sign_login,
)
from flowmarket.signing.fixed_point import signable


def check_response(response: httpx.Response) -> None:
    """Raise the MarketError an API error answer stands for (401, 404, 409, 429, 4xx, 5xx)."""
    _raise_for(response)


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
        message, field = str(body.get("message", body)), body.get("field")
    except ValueError:
        message, field = response.text[:300], None
    status = response.status_code
    if status == 401:
        raise AuthenticationFailed(message)
    if status == 404:
        raise NotFound(message)
    if status == 409:
        raise Conflict(str(field or "request"), message.removeprefix(f"{field}: "))
    if status == 429:
        raise RateLimited(message)
    if 400 <= status < 500:
        if not field:
            raise InvalidInput(message)
        # The API's message already starts with the field it names; say it once.
        raise FieldError(str(field), message.removeprefix(f"{field}: "))
    raise ApiUnavailable(f"API answered {status}: {message}")


class ApiReader:
    """The API's public side, no wallet needed: settlement leaves, requirement proofs.
    Satisfies `actions.proofs.ProofSource`."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self._domain: Domain | None = None
        self._operator: str | None = None
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; a 4xx/5xx becomes the matching MarketError (see `check_response`)."""
        return self._call(method, path, **kwargs)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"cannot reach {self.http.base_url}: {exc}") from None
        _raise_for(response)
        return response

    def public(self, path: str) -> Any:
        """GET /v1/<path> (no sign-in), decoded JSON."""
        return self._call("GET", f"/v1/{path}").json()

    def settlement_weeks(self) -> list[dict[str, Any]]:
        """The weeks the oracle settles: root, leaf count, totals (GET /v1/settlement/weeks)."""
        weeks: list[dict[str, Any]] = self.public("settlement/weeks")
        return weeks

    def settlement_leaf(self, week: int, participant: str) -> dict[str, Any]:
        """`participant`'s leaf of week `week` with its Merkle proof (check it on chain)."""
        leaf: dict[str, Any] = self.public(f"settlement/weeks/{week}/leaves/{participant}")
        return leaf

    def requirement(self, hour: int, participant: str) -> dict[str, Any]:
        """`participant`'s collateral requirement after `hour` and the items proving it."""
        proof: dict[str, Any] = self.public(f"collateral/requirements/{hour}/{participant}")
        return proof


class ParticipantClient(ApiReader):
    """A wallet talking to one API. Methods return the decoded JSON bodies."""

    def __init__(self, base_url: str, account: LocalAccount, *, timeout: float = 30.0) -> None:
        super().__init__(base_url, timeout=timeout)
        self.account = account
        self._domain: Domain | None = None
        self._token: str | None = None

    def domain(self) -> Domain:
        if self._domain is None:
            body = self._call("GET", "/v1/domain").json()
            self._domain = Domain(int(body["chain_id"]), str(body["verifying_contract"]))
        return self._domain

    def open_hour(self) -> int:
        """The first delivery hour whose bidding window is still open."""
        return int(self._call("GET", "/v1/domain").json()["open_hour"])

    def next_nonce(self) -> int:
        return int(self._call("GET", f"/v1/nonces/{self.account.address}").json()["next_nonce"])

    def signed_order(self, order: OrderMessage) -> dict[str, Any]:
        """The JSON body of POST /v1/orders for `order`, signed by the wallet."""
        return order_body(self.domain(), order, self.account.key.hex())

    def order(
        self,
        *,
        portfolio: dict[str, float],
        curve: list[tuple[float, float]],
        from_hour: int,
        until_hour: int,
        nonce: int,
        replaces: str | None = None,
        terms: NonConvexTerms | None = None,
        portfolios: Sequence[NamedPortfolio] | None = None,
    ) -> OrderMessage:
        """The wallet's order, every number rounded once to the 18 decimals it is signed
        with (`signing.fixed_point.signable`), the one rounding rule every client uses;
        `terms` makes it a non-convex order (docs/nonconvex.md), `portfolios` a curve over
        several named portfolios (docs/portfolios.md; `portfolio` is then empty)."""
        if terms is not None:
            terms = NonConvexTerms(
                terms.kind,
                quantity=signable(terms.quantity),
                price=signable(terms.price),
                min_quantity=signable(terms.min_quantity),
                fixed_cost=signable(terms.fixed_cost),
            )
        return OrderMessage(
            participant=self.account.address,
            nonce=nonce,
            from_hour=from_hour,
            until_hour=until_hour,
            portfolio={product: signable(weight) for product, weight in portfolio.items()},
            curve=tuple((signable(q), signable(p)) for q, p in curve),
            replaces=replaces,
            terms=terms,
            portfolios=None
            if portfolios is None
            else tuple(
                NamedPortfolio(
                    p.name,
                    signable(p.weight),
                    {k: signable(w) for k, w in p.products.items()},
                )
                for p in portfolios
            ),
        )

    def submit(
        self,
        *,
        portfolio: dict[str, float],
        curve: list[tuple[float, float]],
        from_hour: int,
        until_hour: int,
        nonce: int | None = None,
        replaces: str | None = None,
        terms: NonConvexTerms | None = None,
        portfolios: Sequence[NamedPortfolio] | None = None,
    ) -> dict[str, Any]:
        order = self.order(
            portfolio=portfolio,
            curve=curve,
            from_hour=from_hour,
            until_hour=until_hour,
            nonce=self.next_nonce() if nonce is None else nonce,
            replaces=replaces,
            terms=terms,
            portfolios=portfolios,
        )
        return self.submit_order(order)

    def submit_order(self, order: OrderMessage) -> dict[str, Any]:
        """Sign `order` and send it alone (POST /v1/orders); the API's answer."""
        body: dict[str, Any] = self._call(
            "POST", "/v1/orders", json=self.signed_order(order)
        ).json()
        return body

    def submit_batch(
        self, orders: Sequence[OrderMessage], cancels: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Sign `orders` and `cancels` (order ids) as ONE `OrderBatch` and send it
        (POST /v1/orders/batch); the answer's receipt and every entry's proof are checked
        against the operator named by the API before it is returned."""
        batch = OrderBatchMessage(
            self.account.address, tuple(orders), tuple(c.lower() for c in cancels)
        )
        domain = self.domain()
        body = batch_body(domain, batch, self.account.key.hex())
        answer: dict[str, Any] = self._call("POST", "/v1/orders/batch", json=body).json()
        check_batch_answer(answer, domain=domain, batch=batch, operator=self.operator())
        return answer

    def operator(self) -> str:
        """The address whose signature the API's receipts carry."""
        if self._operator is None:
            self._operator = str(self._call("GET", "/v1/domain").json()["operator"])
        return self._operator

    def cancel(self, order_hash: str) -> dict[str, Any]:
        message = CancelMessage(self.account.address, order_hash.lower())
        payload = cancel_body(self.domain(), message, self.account.key.hex())
        body: dict[str, Any] = self._call(
            "POST", f"/v1/orders/{order_hash}/cancel", json=payload
        ).json()
        return body

    def login(self) -> str:
        """Sign in (EIP-4361 challenge + personal_sign) and keep the bearer token."""
        from flowmarket.signing import parse_login_message

        challenge = self._call(
            "POST", "/v1/auth/challenge", json={"address": self.account.address}
        ).json()
        message = parse_login_message(challenge["message"])
        if message.address != self.account.address:
            raise AuthenticationFailed("message: the challenge names another address")
        signature = sign_login(message, self.account.key.hex())
        token = self._call(
            "POST", "/v1/auth/login", json={"message": challenge["message"], "signature": signature}
        ).json()
        self._token = str(token["access_token"])
        return self._token

    def private(self, path: str, *, csv: bool = False, **params: str) -> Any:
        """GET /v1/me/<path> (signing in first); JSON, or the CSV text with csv=True."""
        token = self._token or self.login()
        if csv:
            params["format"] = "csv"
        response = self._call(
            "GET", f"/v1/me/{path}", params=params, headers={"authorization": f"Bearer {token}"}
        )
        return response.text if csv else response.json()

    def report_expected(
        self,
        positions: dict[str, float],
        *,
        nonce: int | None = None,
        deadline: int | None = None,
    ) -> dict[str, Any]:
        """Sign and send an `ExpectedPositions` report ({product: GB/h}; 0 withdraws one).

        nonce defaults to the next report nonce (signing in to read it); deadline (Unix
        seconds) to the close of the bidding window after the open one, by the server's
        clock."""
        if nonce is None:
            nonce = int(self.private("expected-positions")["next_nonce"])
        if deadline is None:
            deadline = int(bidding_close(self.open_hour() + 1))
        message = ExpectedPositionsMessage(
            participant=self.account.address,
            nonce=nonce,
            deadline=deadline,
            positions={product: signable(q) for product, q in positions.items()},
        )
        payload = expected_positions_body(self.domain(), message, self.account.key.hex())
        body: dict[str, Any] = self._call("POST", "/v1/expected-positions", json=payload).json()
        return body

    def authorise(
        self,
        *,
        portfolio: dict[str, float],
        limits: dict[str, float | None],
        from_hour: int,
        until_hour: int,
        nonce: int | None = None,
        replaces: str | None = None,
    ) -> dict[str, Any]:
        """Sign and send an `Authorisation` (limits: min_rate, max_rate, min_position,
        max_position in GB/h, None = not set). nonce defaults to one above the highest of
        the participant's authorisations (signing in to read them)."""
        if nonce is None:
            listed = self.private("authorisations")["authorisations"]
            nonce = max((int(a["nonce"]) + 1 for a in listed), default=0)
        message = AuthorisationMessage(
            participant=self.account.address,
            nonce=nonce,
            from_hour=from_hour,
            until_hour=until_hour,
            portfolio={product: signable(w) for product, w in portfolio.items()},
            replaces=None if replaces is None else replaces.lower(),
            **{k: None if v is None else signable(v) for k, v in limits.items()},
        )
        payload = authorisation_body(self.domain(), message, self.account.key.hex())
        body: dict[str, Any] = self._call("POST", "/v1/authorisations", json=payload).json()
        return body

    def cancel_authorisation(self, auth_hash: str) -> dict[str, Any]:
        """Sign `Cancel(participant, orderHash = auth_hash)` and send it."""
        message = CancelMessage(self.account.address, auth_hash.lower())
        payload = cancel_body(self.domain(), message, self.account.key.hex())
        body: dict[str, Any] = self._call(
            "POST", f"/v1/authorisations/{auth_hash.lower()}/cancel", json=payload
        ).json()
        return body
