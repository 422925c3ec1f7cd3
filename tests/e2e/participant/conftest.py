"""One participant journey's market per module, on the session node (reverted after),
with FLOWMARKET_* pointing the `flowmarket` command at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from journey_market import KEYS, Journey, open_journey
from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.config import Settings


@pytest.fixture(scope="module")
def market(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Journey]:
    state = tmp_path_factory.mktemp("journey")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            open_journey(settings, compiled, rpc_url, w3, state) as journey,
        ):
            patch.setenv("FLOWMARKET_STATE_DIR", str(state))
            patch.setenv("FLOWMARKET_RPC_URL", rpc_url)
            patch.setenv("FLOWMARKET_API_URL", journey.settings.api_url)
            for who in ("alice", "bob", "carol", "dave"):
                key_file = state / f"{who}.key"
                key_file.write_text(KEYS[who], encoding="utf-8")
                journey.capsys = None
                from flowmarket.cli.main import main

                code = main(
                    ["wallet", "import", "--wallet", who, "--key-file", str(key_file),
                     "--password-file", str(journey.password_file)]
                )  # fmt: skip
                assert code == 0
            yield journey
    finally:
        reverted = w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        assert reverted.get("result") is True, f"evm_revert failed: {reverted}"


@pytest.fixture
def journey(market: Journey, capsys: pytest.CaptureFixture[str]) -> Journey:
    market.capsys = capsys
    return market
