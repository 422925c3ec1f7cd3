"""Roles of a fresh deployment: grant what each contract needs, hand every admin right to
the timelock, renounce the deployer's, and check it all on chain.

`ROLE_GRANTS` lists every role a contract holds on another. After `wire_roles` the
timelock is the only DEFAULT_ADMIN of every contract with roles (`ADMINISTERED`) and
owns `MarketParameters` from construction; the governor is the timelock's only proposer
and canceller; the genesis suppliers hold `SUPPLIER_ROLE`. `check_wiring` fails unless
exactly that holds and the deployer holds no role, no admin right and no governance
token.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.errors import ChainError

DEFAULT_ADMIN_ROLE = bytes(32)
# (contract, role getter, grantee contract)
ROLE_GRANTS: tuple[tuple[str, str, str], ...] = (
    ("CollateralVault", "SETTLEMENT_ROLE", "WeeklySettlement"),
    ("OracleBond", "SLASHER_ROLE", "WeeklySettlement"),
)
ADMINISTERED = ("CollateralVault", "CapacityToken", "OracleBond", "MarketTimelock")


def wire_roles(
    client: ChainClient, artifacts: ArtifactSet, addresses: dict[str, str], suppliers: Sequence[str]
) -> None:
    """Grant, hand over and renounce, as the deployer (`client`)."""
    me = client.address
    timelock = addresses["MarketTimelock"]
    for name, role, grantee in ROLE_GRANTS:
        functions = client.contract(artifacts[name], addresses[name]).functions
        role_id = getattr(functions, role)().call()
        client.transact(functions.grantRole(role_id, addresses[grantee]))
    capacity = client.contract(artifacts["CapacityToken"], addresses["CapacityToken"]).functions
    supplier_role = capacity.SUPPLIER_ROLE().call()
    for supplier in suppliers:
        client.transact(capacity.grantRole(supplier_role, supplier))
    tl = client.contract(artifacts["MarketTimelock"], timelock).functions
    governor = addresses["MarketGovernor"]
    client.transact(tl.grantRole(tl.PROPOSER_ROLE().call(), governor))
    client.transact(tl.grantRole(tl.CANCELLER_ROLE().call(), governor))
    for name in ADMINISTERED:
        functions = client.contract(artifacts[name], addresses[name]).functions
        if name != "MarketTimelock":  # the timelock administers itself from construction
            client.transact(functions.grantRole(DEFAULT_ADMIN_ROLE, timelock))
        client.transact(functions.renounceRole(DEFAULT_ADMIN_ROLE, me))


def check_wiring(
    client: ChainClient, artifacts: ArtifactSet, addresses: dict[str, str], suppliers: Sequence[str]
) -> None:
    """`ChainError` naming every right that is not exactly as intended."""
    me, timelock = client.address, addresses["MarketTimelock"]
    params = client.contract(artifacts["MarketParameters"], addresses["MarketParameters"])
    checks: list[tuple[str, bool]] = [
        ("MarketParameters is owned by the timelock", params.functions.owner().call() == timelock)
    ]
    for name in ADMINISTERED:
        f = client.contract(artifacts[name], addresses[name]).functions
        checks.append(
            (f"{name}: the timelock is admin", f.hasRole(DEFAULT_ADMIN_ROLE, timelock).call())
        )
        checks.append(
            (f"{name}: the deployer is not admin", not f.hasRole(DEFAULT_ADMIN_ROLE, me).call())
        )
    for name, role, grantee in ROLE_GRANTS:
        f = client.contract(artifacts[name], addresses[name]).functions
        role_id = getattr(f, role)().call()
        checks.append(
            (f"{name}: {grantee} holds {role}", f.hasRole(role_id, addresses[grantee]).call())
        )
        checks.append((f"{name}: the deployer lacks {role}", not f.hasRole(role_id, me).call()))
    tl = client.contract(artifacts["MarketTimelock"], timelock).functions
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE"):
        role_id = getattr(tl, role)().call()
        checks.append(
            (
                f"timelock: the governor holds {role}",
                tl.hasRole(role_id, addresses["MarketGovernor"]).call(),
            )
        )
        checks.append((f"timelock: the deployer lacks {role}", not tl.hasRole(role_id, me).call()))
    capacity = client.contract(artifacts["CapacityToken"], addresses["CapacityToken"]).functions
    supplier_role = capacity.SUPPLIER_ROLE().call()
    checks.append(
        ("capacity: the deployer is no supplier", not capacity.hasRole(supplier_role, me).call())
    )
    checks += [
        (f"capacity: {s} supplies", capacity.hasRole(supplier_role, s).call()) for s in suppliers
    ]
    token = client.contract(artifacts["GovernanceToken"], addresses["GovernanceToken"]).functions
    checks.append(("the deployer holds no governance token", token.balanceOf(me).call() == 0))
    wrong = [label for label, ok in checks if not ok]
    if wrong:
        raise ChainError("deployment wiring check failed: " + "; ".join(wrong))
