"""Authorisations in an hour's publication, and a verifier's check of the bounds.

The oracle publishes, in the hour's order set (`authorisations`, beside `orders`), every
authorisation standing at the hour's close exactly as signed (limits as decimal strings
of 10⁻¹⁸ GB/h, None where not set), its EIP-712 signature, and the participant's
committed positions in the portfolio's products it computed the bounds from
(`positions`, 10⁻¹⁸ GB/h). Anyone then re-derives the bounds without trusting it:

1. `check_records`: each record's id must be the EIP-712 digest of its fields and its
   signature the participant's, and the hour within its window; a record that fails is
   not applied by the verifier (and makes the hour fail).
2. The positions are the sums of the participants' committed trades of the previous
   hours (the verifier adds them up from the hours' published results, each checked
   against the chain's entries root).
3. `strip_bounds` turns the published order set back into the signed orders (each
   governed order over its signed portfolio, the authorisations' own rows removed);
   `apply_authorisations` with the checked authorisations and the positions gives the
   order set the oracle should have cleared; `bound_differences` names every bound the
   published set has that this one does not, or has otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.authorisations import WAD, Authorisation
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.signing import AuthorisationMessage, Domain, digest, recover

LIMIT_FIELDS = ("min_rate", "max_rate", "min_position", "max_position")
RECORD_FIELDS = frozenset(
    {"auth_hash", "participant", "nonce", "from_hour", "until_hour", "replaces", "portfolio",
     "signature", "positions", *LIMIT_FIELDS}
)  # fmt: skip


def record(
    auth: Authorisation,
    *,
    nonce: int,
    from_hour: int,
    until_hour: int,
    replaces: str | None,
    signature: str,
    held: Mapping[str, int],
) -> dict[str, Any]:
    """The published form of one authorisation standing at a close; `held`: the
    participant's committed positions {product: 10⁻¹⁸ GB/h} the bounds came from."""
    return {
        "auth_hash": auth.auth_hash,
        "participant": auth.participant,
        "nonce": nonce,
        "from_hour": from_hour,
        "until_hour": until_hour,
        "replaces": replaces,
        "portfolio": dict(auth.portfolio),
        **{name: _text(getattr(auth, name)) for name in LIMIT_FIELDS},
        "signature": signature,
        "positions": {k: str(held.get(k, 0)) for k in sorted(auth.portfolio)},
    }


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _wei(raw: Any, where: str) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidInput(f"{where}: expected a decimal string of 10⁻¹⁸ GB/h or null")
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{where}: {raw!r} is not an integer") from None


def _int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(f"{where}: expected an integer")
    return raw


def parse_record(
    raw: Any, where: str
) -> tuple[Authorisation, AuthorisationMessage, str, dict[str, int]]:
    """(authorisation, the message as signed, signature, positions) of a published record;
    `InvalidInput` naming the field when it is malformed."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: expected an object")
    unknown = sorted(set(raw) - RECORD_FIELDS)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
    missing = sorted(RECORD_FIELDS - set(raw))
    if missing:
        raise InvalidInput(f"{where}: missing field {missing[0]!r}")
    portfolio = raw["portfolio"]
    if not isinstance(portfolio, dict) or not portfolio:
        raise InvalidInput(f"{where}.portfolio: expected a non-empty object")
    for name, weight in portfolio.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise InvalidInput(f"{where}.portfolio.{name}: expected a number")
    limits = {name: _wei(raw[name], f"{where}.{name}") for name in LIMIT_FIELDS}
    positions = raw["positions"]
    if not isinstance(positions, dict):
        raise InvalidInput(f"{where}.positions: expected an object")
    held = {str(k): _wei(v, f"{where}.positions.{k}") or 0 for k, v in positions.items()}
    for name in ("auth_hash", "participant", "signature"):
        if not isinstance(raw[name], str):
            raise InvalidInput(f"{where}.{name}: expected a string")
    if raw["replaces"] is not None and not isinstance(raw["replaces"], str):
        raise InvalidInput(f"{where}.replaces: expected a string or null")
    auth = Authorisation(
        auth_hash=raw["auth_hash"],
        participant=raw["participant"],
        portfolio={str(k): float(v) for k, v in portfolio.items()},
        **limits,
    )
    message = AuthorisationMessage(
        participant=raw["participant"],
        nonce=_int(raw["nonce"], f"{where}.nonce"),
        from_hour=_int(raw["from_hour"], f"{where}.from_hour"),
        until_hour=_int(raw["until_hour"], f"{where}.until_hour"),
        portfolio=dict(auth.portfolio),
        replaces=raw["replaces"],
        **{name: None if v is None else v / WAD for name, v in limits.items()},
    )
    return auth, message, raw["signature"], held


def check_records(
    records: Sequence[Any], *, domain: Domain, hour: int
) -> tuple[list[Authorisation], dict[str, dict[str, int]], list[str]]:
    """(the authorisations that check, in the published order; the published positions
    {participant: {product: 10⁻¹⁸ GB/h}}; a sentence for each record that does not)."""
    good: list[Authorisation] = []
    positions: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    for index, raw in enumerate(records):
        where = f"authorisations[{index}]"
        try:
            auth, message, signature, held = parse_record(raw, where)
        except InvalidInput as exc:
            problems.append(f"published authorisation: {exc}")
            continue
        name = f"authorisation {auth.auth_hash} of {auth.participant}"
        positions.setdefault(auth.participant, {}).update(held)
        try:
            exact = message.fixed_limits()
            signed_hash = digest(domain, message)
        except FieldError as exc:
            problems.append(f"{name}: not a signable authorisation ({exc})")
            continue
        if any(exact[k] != getattr(auth, k) for k in LIMIT_FIELDS):
            problems.append(f"{name}: its limits are not exact 18-decimal numbers as signed")
            continue
        if signed_hash.lower() != auth.auth_hash.lower():
            problems.append(f"{name}: its id is not the digest of its fields ({signed_hash})")
            continue
        try:
            signer = recover(domain, message, bytes.fromhex(signature.removeprefix("0x")))
        except (ValueError, FieldError) as exc:
            problems.append(f"{name}: unreadable signature ({exc})")
            continue
        if to_checksum_address(signer) != to_checksum_address(auth.participant):
            problems.append(f"{name}: signed by {signer}, not by the participant (forged)")
            continue
        if not message.from_hour <= hour <= message.until_hour:
            problems.append(
                f"{name}: governs hours {message.from_hour}–{message.until_hour}, not {hour}"
            )
            continue
        good.append(auth)
    return good, positions, problems


def strip_bounds(order_set: Mapping[str, Any], auth_ids: set[str]) -> dict[str, Any]:
    """The engine document of the signed orders alone: each order over a named portfolio
    of its own (an authorisation's rewriting) back over its signed portfolio, every order
    that is not a signed one (`auth_ids`, or no signature where the set carries them)
    removed, and the portfolios the rewriting named dropped."""
    named: dict[str, Any] = dict(order_set.get("portfolios", {}))
    own: set[str] = set()
    orders: list[dict[str, Any]] = []
    for order in order_set.get("orders", []):
        oid = order.get("id")
        if oid in auth_ids:
            continue
        portfolios = order.get("portfolios")
        if isinstance(portfolios, dict) and list(portfolios) == [oid] and oid in named:
            entry = {k: v for k, v in order.items() if k not in ("portfolios", "signed_portfolio")}
            entry["portfolio"] = order.get("signed_portfolio", named[oid].get("products"))
            own.add(oid)
            orders.append(entry)
            continue
        orders.append(dict(order))
    doc = {k: v for k, v in order_set.items() if k not in ("orders", "portfolios")}
    doc["orders"] = orders
    left = {k: v for k, v in named.items() if k not in own}
    if left:
        doc["portfolios"] = left
    return doc


def _bounds(doc: Mapping[str, Any]) -> dict[str, str]:
    """What an authorisation can change in an order set, as comparable text: each named
    portfolio's limits, and each order over named portfolios other than one of its own
    (an authorisation's row, or a signed order over several portfolios, which both sets
    carry alike): its weights and curve."""
    out: dict[str, str] = {}
    for pid, portfolio in dict(doc.get("portfolios", {})).items():
        limits = portfolio.get("limits") if isinstance(portfolio, dict) else None
        if limits:
            shown = ", ".join(f"{k} {float(v):.12g}" for k, v in sorted(limits.items()))
            out[f"portfolio {pid}"] = shown
    for order in doc.get("orders", []):
        portfolios = order.get("portfolios")
        if isinstance(portfolios, dict) and list(portfolios) != [order.get("id")]:
            weights = ", ".join(f"{k} × {float(w):.12g}" for k, w in sorted(portfolios.items()))
            curve = ", ".join(f"({q:.12g}, {p:.12g})" for q, p in order.get("curve", []))
            out[f"order {order.get('id')}"] = f"over {weights}: curve [{curve}]"
    return out


def bound_differences(published: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """A sentence for each authorisation bound in which the published order set differs
    from the one re-derived from the signed authorisations."""
    theirs, mine = _bounds(published), _bounds(expected)
    problems = []
    for key in sorted(set(theirs) | set(mine)):
        if theirs.get(key) != mine.get(key):
            problems.append(
                f"authorisation bound of {key}: published {theirs.get(key, 'none')}, "
                f"from the signed authorisations {mine.get(key, 'none')}"
            )
    return problems
