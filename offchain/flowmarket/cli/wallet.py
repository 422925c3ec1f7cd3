"""`flowmarket wallet new|import|address`: encrypted keystores for participants.

Also the wallet options the participant commands share (`--wallet`, `--password-file`).
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from flowmarket.cli.main import add_command
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.client.wallets import keystore_address, load_account, new_keystore, save_keystore
from flowmarket.config import Settings
from flowmarket.errors import InvalidInput


def wallet_dir(settings: Settings) -> Path:
    return settings.state_dir / "wallets"


def add_wallet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wallet", default="default", help="keystore name (default: default)")
    parser.add_argument(
        "--password-file", type=Path, help="file holding the keystore password (else prompt)"
    )
    parser.add_argument("--api", help="API base URL (default: settings.effective_api_url)")


def read_password(args: argparse.Namespace, *, confirm: bool = False) -> str:
    if args.password_file is not None:
        try:
            return str(args.password_file.read_text(encoding="utf-8")).rstrip("\n")
        except OSError as exc:
            raise InvalidInput(f"--password-file: {exc}") from None
    password = getpass.getpass("keystore password: ")
    if confirm and getpass.getpass("repeat password: ") != password:
        raise InvalidInput("password: the two entries differ")
    return password


def open_client(args: argparse.Namespace, settings: Settings) -> ParticipantClient:
    """Unlock the wallet and connect to the API."""
    account = load_account(wallet_dir(settings), args.wallet, read_password(args))
    return ParticipantClient(args.api or settings.effective_api_url, account)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "wallet")
    commands = parser.add_subparsers(dest="wallet_command", metavar="ACTION", required=True)
    new = commands.add_parser("new", help="create a random key in a new keystore")
    imported = commands.add_parser("import", help="encrypt an existing private key")
    imported.add_argument(
        "--key-file", type=Path, help="file with the hex private key (else prompt)"
    )
    address = commands.add_parser("address", help="print a keystore's address")
    for sub in (new, imported, address):
        sub.add_argument("--wallet", default="default", help="keystore name (default: default)")
    for sub in (new, imported):
        sub.add_argument("--password-file", type=Path, help="file holding the new password")
    new.set_defaults(handler=run_new)
    imported.set_defaults(handler=run_import)
    address.set_defaults(handler=run_address)


def run_new(args: argparse.Namespace, settings: Settings) -> int:
    address = new_keystore(wallet_dir(settings), args.wallet, read_password(args, confirm=True))
    print(f"created wallet {args.wallet}: {address}")
    return 0


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    if args.key_file is not None:
        key = args.key_file.read_text(encoding="utf-8").strip()
    else:
        key = getpass.getpass("private key (hex): ").strip()
    password = read_password(args, confirm=True)
    address = save_keystore(wallet_dir(settings), args.wallet, key, password)
    print(f"imported wallet {args.wallet}: {address}")
    return 0


def run_address(args: argparse.Namespace, settings: Settings) -> int:
    print(keystore_address(wallet_dir(settings), args.wallet))
    return 0
