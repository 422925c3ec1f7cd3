"""Schemathesis against the live app, in process: every documented operation of what
`flowmarket serve` serves (`build_app`: the API and the web endpoints, over a real
database and a deployed market on the session node), plus the faucet a local market's
API has (`flowmarket local up`), with all of schemathesis's checks.
Requests valid by the schema and requests that break it (schemathesis's positive and
negative generation, a fixed seed and a bounded number of examples per operation, so a
run takes about a minute). No request may cause a 5xx, and every answer must match the
document: its status, its content type, its headers and its body schema; invalid
requests must be refused.

One check is configured rather than taken as is: `positive_data_acceptance` expects a
request that is valid by the schema to be accepted. For signed writes, the typed-data
helpers and the web's transaction builders (deposit or withdraw, pay or collect a week,
claim or close revenue, propose, vote, queue, execute, delegate, and the panels' reads
beside them) that cannot hold: whether a signature recovers to its participant, whether
a curve's prices decrease, whether a number has at most 18 decimals or an hour is still
open (or the faucet's most tokens) are rules no JSON schema states, and the answer to
breaking them is a 422 naming the field (409 where the chain refuses). Those operations
may answer 422 to schema-valid data; every other one must accept it (2xx, or 404 for a
resource that does not exist).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import product

import schemathesis
from hypothesis import HealthCheck, given, settings
from oracle_harness import KEYS, OracleWorld, address
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from flowmarket.backend.serve import build_app
from flowmarket.demo.wallets import Wallet
from flowmarket.local.faucet import Faucet
from flowmarket.local.state import save_cast

EXAMPLES_PER_OPERATION = 25
SEED = 20_261_203
SIGNED_WRITES = (
    r"^/v1/(orders|expected-positions|authorisations|usage|auth/login|web/typed-data/"
    r"|web/collateral/"
    r"|web/settlement/|web/revenue/|web/governance/(propose|vote|queue|execute|delegate)-tx/"
    r"|auctions/[^/]+/(bids|packages)|faucet)"
)
CONFIG = {
    "seed": SEED,
    "operations": [
        {
            "include-path-regex": SIGNED_WRITES,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "404", "409", "422", "429"]
                }
            },
        }
    ],
}


def has_inputs(operation: schemathesis.APIOperation) -> bool:
    return any(
        len(parameters)
        for parameters in (operation.path_parameters, operation.query, operation.body)
    )


def test_the_live_app_conforms_to_its_openapi_document_under_every_check(
    world: OracleWorld,
) -> None:
    served = replace(world.settings, allow_dev_keys=True, api_rate_per_minute=10**6)
    supplier = Wallet("network", "supplier", address("supplier"), KEYS["supplier"])
    save_cast(served, {"network": supplier})  # the local market's minter, as `local up` does
    app = build_app(
        served, engine=world.engine, clock=lambda: world.epoch + 50.0, faucet=Faucet(served)
    )
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    statuses: Counter[int] = Counter()

    for operation, mode in product(operations, GenerationMode):
        if mode == GenerationMode.NEGATIVE and not has_inputs(operation):
            continue  # nothing a request could get wrong

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate()  # every check schemathesis has
            statuses[response.status_code] += 1

        fuzz()
    assert sum(statuses.values()) >= 20 * len(operations)
    assert not [status for status in statuses if status >= 500]
    assert {200, 401, 404, 422} <= set(statuses), statuses
