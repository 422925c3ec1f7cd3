"""Short-lived bearer tokens for the private API (HMAC-SHA256, stateless).

Token: `<address>.<expires_at>.<hex hmac of "address.expires_at">`. The secret is the
deployment's own random one (`backend.serve.session_secret`: made at the first start and
stored in the database), so every worker and every restart accept every token and no
one can derive it from a key.
"""

from __future__ import annotations

import hashlib
import hmac

from eth_utils.address import to_checksum_address

from flowmarket.errors import AuthenticationFailed


def issue_token(secret: bytes, address: str, expires_at: int) -> str:
    payload = f"{to_checksum_address(address)}.{expires_at}"
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def verify_token(secret: bytes, token: str, *, now: float) -> str:
    """The token's address; raises AuthenticationFailed when forged, malformed or expired."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise AuthenticationFailed("authorization: malformed access token")
    address, expires, mac = parts
    expected = hmac.new(secret, f"{address}.{expires}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise AuthenticationFailed("authorization: access token signature is invalid")
    if int(expires) <= now:
        raise AuthenticationFailed("authorization: access token expired; log in again")
    return address
