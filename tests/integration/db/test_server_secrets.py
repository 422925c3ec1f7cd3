"""The access-token key is random per deployment, made once and kept with its database."""

from __future__ import annotations

from pathlib import Path

from eth_utils.crypto import keccak
from sqlalchemy import Engine

from flowmarket.backend.serve import open_database, session_secret
from flowmarket.config import HARDHAT_DEV_KEYS


def test_the_session_secret_is_random_per_deployment_and_stable_across_restarts(
    engine: Engine, tmp_path: Path
) -> None:
    secret = session_secret(engine)
    assert len(secret) == 32
    assert session_secret(engine) == secret  # a restart (or another worker) reads it back
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert session_secret(other) != secret
    other.dispose()
    derived = {  # what main derived it from: the operator key, public by default
        keccak(b"flowmarket-api-token:" + bytes.fromhex(key.removeprefix("0x")))
        for key in HARDHAT_DEV_KEYS
    }
    assert secret not in derived
