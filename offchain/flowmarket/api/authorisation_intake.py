"""Checks of a signed authorisation: portfolio, limits, validity window, domain, signature.

Pure (no storage), like `intake`: the route gives it the request, the market's domain,
the limits, the known product names and the clock. Storage checks the nonce, the
authorisation it replaces and that no other live one governs the same portfolio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowmarket.api.authorisation_schemas import SignedAuthorisationIn
from flowmarket.api.batch_intake import renamed
from flowmarket.api.intake import (
    check_domain,
    check_portfolio,
    check_signer,
    check_window,
    checksummed,
)
from flowmarket.api.limits import ApiLimits
from flowmarket.authorisations import direction
from flowmarket.errors import FieldError
from flowmarket.signing import AuthorisationMessage, Domain, digest
from flowmarket.signing.authorisation import LIMITS

PREFIX = "authorisation"


@dataclass(frozen=True)
class VerifiedAuthorisation:
    """A checked authorisation: its id, the message, its direction key, its limits in
    10⁻¹⁸ GB/h (None: not set) and the signature."""

    auth_hash: str
    message: AuthorisationMessage
    direction: str
    limits: dict[str, int | None]
    signature: str


def check_limits(limits: dict[str, float | None], *, max_gbh: float) -> None:
    """At least one limit; finite, |value| ≤ max_gbh; min_rate ≤ 0 ≤ max_rate (a limit
    never forces a trade); min_position ≤ max_position."""
    given = {name: value for name, value in limits.items() if value is not None}
    if not given:
        raise FieldError(PREFIX, f"sets no limit: give one of {', '.join(LIMITS)}")
    for name, value in given.items():
        if not math.isfinite(value):
            raise FieldError(f"{PREFIX}.{name}", "must be a finite number")
        if abs(value) > max_gbh:
            raise FieldError(
                f"{PREFIX}.{name}", f"|{value!r}| GB/h exceeds the limit of {max_gbh:g} GB/h"
            )
    if given.get("min_rate", 0.0) > 0.0:
        raise FieldError(f"{PREFIX}.min_rate", "must be ≤ 0 (a limit never forces a trade)")
    if given.get("max_rate", 0.0) < 0.0:
        raise FieldError(f"{PREFIX}.max_rate", "must be ≥ 0 (a limit never forces a trade)")
    low, high = given.get("min_position"), given.get("max_position")
    if low is not None and high is not None and low > high:
        raise FieldError(f"{PREFIX}.min_position", f"{low} exceeds max_position {high}")


def verify_authorisation(
    request: SignedAuthorisationIn,
    *,
    domain: Domain,
    known: set[str],
    limits: ApiLimits,
    now: float,
) -> VerifiedAuthorisation:
    """Check a submission; return it with its id, or raise FieldError naming the field."""
    body = request.authorisation
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    portfolio = {name: float(weight) for name, weight in body.portfolio.items()}
    values = {name: getattr(body, name) for name in LIMITS}
    floats = {name: None if v is None else float(v) for name, v in values.items()}
    try:
        check_portfolio(portfolio, known=known, limits=limits)
        check_window(body.from_hour, body.until_hour, now=now, limits=limits)
    except FieldError as exc:
        raise renamed(exc, PREFIX) from None
    check_limits(floats, max_gbh=limits.max_expected_gbh)
    message = AuthorisationMessage(
        participant=checksummed(body.participant),
        nonce=body.nonce,
        from_hour=body.from_hour,
        until_hour=body.until_hour,
        portfolio=portfolio,
        replaces=body.replaces,
        **floats,
    )
    auth_hash = digest(domain, message)  # checks every number's fixed-point form
    check_signer(domain, message, request.signature)
    return VerifiedAuthorisation(
        auth_hash=auth_hash,
        message=message,
        direction=direction(portfolio),
        limits=message.fixed_limits(),
        signature=request.signature.lower(),
    )
