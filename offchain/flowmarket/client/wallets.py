"""Encrypted keystores (Web3 Secret Storage, via eth-account) for participants' keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from flowmarket.errors import AuthenticationFailed, InvalidInput

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def keystore_path(wallet_dir: Path, name: str) -> Path:
    if not NAME_RE.match(name):
        raise InvalidInput(f"wallet name {name!r}: use 1-64 letters, digits, '_', '.', '-'")
    return wallet_dir / f"{name}.json"


def save_keystore(wallet_dir: Path, name: str, private_key: str, password: str) -> str:
    """Encrypt `private_key` under `password` into <wallet_dir>/<name>.json; return address."""
    if not KEY_RE.match(private_key.strip()):
        raise InvalidInput("private key: expected 32 bytes as 64 hex digits")
    if len(password) < 8:
        raise InvalidInput("password: use at least 8 characters")
    path = keystore_path(wallet_dir, name)
    if path.exists():
        raise InvalidInput(f"wallet {name!r} already exists at {path}")
    account: LocalAccount = Account.from_key(private_key.strip())
    keystore = Account.encrypt(account.key, password)
    wallet_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(keystore), encoding="utf-8")
    return str(account.address)


def new_keystore(wallet_dir: Path, name: str, password: str) -> str:
    """Create a fresh random key in an encrypted keystore; return its address."""
    account: LocalAccount = Account.create()
    return save_keystore(wallet_dir, name, account.key.hex(), password)


def load_account(wallet_dir: Path, name: str, password: str) -> LocalAccount:
    path = keystore_path(wallet_dir, name)
    if not path.exists():
        raise InvalidInput(f"wallet {name!r}: no keystore at {path}; run `flowmarket wallet new`")
    try:
        key = Account.decrypt(json.loads(path.read_text(encoding="utf-8")), password)
    except ValueError as exc:
        raise AuthenticationFailed(f"wallet {name!r}: cannot decrypt ({exc})") from None
    account: LocalAccount = Account.from_key(key)
    return account


def keystore_address(wallet_dir: Path, name: str) -> str:
    path = keystore_path(wallet_dir, name)
    if not path.exists():
        raise InvalidInput(f"wallet {name!r}: no keystore at {path}")
    raw = json.loads(path.read_text(encoding="utf-8")).get("address")
    if not isinstance(raw, str) or len(raw.removeprefix("0x")) != 40:
        raise InvalidInput(f"wallet {name!r}: keystore {path} has no address")
    return to_checksum_address("0x" + raw.removeprefix("0x"))
