"""Every deployable contract fits Ethereum's contract code size limit (EIP-170: 24,576
bytes of runtime code), checked on the compiler's output: a contract above it cannot be
deployed on any public chain. The signature check of fill leaves lives in a library
(`OrderSignatures`, inlined); ClearingLedger is 20,777 bytes with it, the trade lines and
the holdings views (`Holdings`)."""

from __future__ import annotations

from flowmarket.chain.build import ArtifactSet

EIP170_LIMIT = 24_576


def test_every_contract_fits_the_code_size_limit(compiled: ArtifactSet) -> None:
    sizes = {
        name: len(bytes.fromhex(a.deployed_bytecode.removeprefix("0x")))
        for name, a in compiled.items()
        if a.bytecode
    }
    assert {"ClearingLedger", "WeeklySettlement", "MarketGovernor"} <= set(sizes)
    too_big = {name: size for name, size in sizes.items() if size > EIP170_LIMIT}
    assert too_big == {}
