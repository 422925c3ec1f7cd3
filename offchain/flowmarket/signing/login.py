"""Sign-in with Ethereum (EIP-4361 style) messages for the private API.

The server issues a challenge (a message with a one-time nonce and an expiry); the
wallet signs it with `personal_sign` (EIP-191); the server checks the signer, the
nonce and the times, and returns a short-lived access token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address

from flowmarket.errors import FieldError, InvalidInput

STATEMENT = "Sign in to flowmarket to read your orders, positions and settlement."

_PATTERN = re.compile(
    r"^(?P<domain>[^\n]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"(?P<statement>[^\n]*)\n\n"
    r"URI: (?P<uri>[^\n]+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>[0-9]+)\n"
    r"Nonce: (?P<nonce>[0-9a-zA-Z]{8,64})\n"
    r"Issued At: (?P<issued_at>[0-9]+)\n"
    r"Expiration Time: (?P<expires_at>[0-9]+)$"
)


@dataclass(frozen=True)
class LoginMessage:
    """A sign-in message. Times are Unix seconds (EIP-4361 uses RFC 3339; we keep ints)."""

    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: int
    expires_at: int

    def text(self) -> str:
        return (
            f"{self.domain} wants you to sign in with your Ethereum account:\n"
            f"{to_checksum_address(self.address)}\n\n{STATEMENT}\n\n"
            f"URI: {self.uri}\nVersion: 1\nChain ID: {self.chain_id}\n"
            f"Nonce: {self.nonce}\nIssued At: {self.issued_at}\n"
            f"Expiration Time: {self.expires_at}"
        )


def parse_login_message(text: str) -> LoginMessage:
    """Parse the text a wallet signed; raises FieldError("message", ...) if malformed."""
    match = _PATTERN.match(text)
    if match is None:
        raise FieldError("message", "not a flowmarket sign-in message (EIP-4361 format)")
    return LoginMessage(
        domain=match["domain"],
        address=to_checksum_address(match["address"]),
        uri=match["uri"],
        chain_id=int(match["chain_id"]),
        nonce=match["nonce"],
        issued_at=int(match["issued_at"]),
        expires_at=int(match["expires_at"]),
    )


def sign_login(message: LoginMessage, private_key: str) -> str:
    """personal_sign (EIP-191 version 0x45) of the message text, 0x-hex."""
    signed = Account.sign_message(encode_defunct(text=message.text()), private_key)
    return "0x" + bytes(signed.signature).hex()


def recover_login_signer(text: str, signature: bytes) -> str:
    """The checksummed address that personal-signed `text`; ValueError when no key can
    have produced `signature` (eth_keys's `BadSignature` is not a ValueError)."""
    try:
        return str(Account.recover_message(encode_defunct(text=text), signature=signature))
    except BadSignature as exc:
        raise InvalidInput(f"no public key recovers from this signature ({exc})") from None
