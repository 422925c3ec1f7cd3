"""The publish step writes `hours/<h>.orders.json` from the journaled texts
(`publish.order_set_text`) without decoding them: the file must be the bytes that
`json.dumps({**engine_doc, "hour": h, "collateral": record})` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowmarket.errors import JournalError
from flowmarket.oracle.publish import order_set_text

ORDER = {
    "id": "0x" + "ab" * 32,
    "participant": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
    "portfolio": {"premium-eu": 1.0, "café-ü": -0.5},
    "curve": [[0.0, 10.1], [1e-7, 5e-324], [3.0000000000000004, -2.5]],
    "nonce": 7,
}
DOCS: list[dict[str, Any]] = [
    {"products": ["premium-eu"], "orders": [ORDER]},
    {"products": [], "orders": []},
    {},
    {"products": ["a"], "orders": [], "batches": {"0x01": {"orders": [], "cancels": []}}},
    # A document that names `hour` (nested or not) takes the long way: the same bytes.
    {"products": ["a"], "orders": [{**ORDER, "hour": 3}]},
    {"hour": 1, "products": ["a"], "orders": []},
    {"collateral": {"old": 1}, "orders": []},
]
RECORDS: list[Any] = [{}, {"participants": {"0xab": {"state": "ok", "wei": 10**30}}}]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("record", RECORDS)
def test_the_file_is_the_dumped_dict(doc: dict[str, Any], record: Any) -> None:
    expected = json.dumps({**doc, "hour": 499_007, "collateral": record})
    assert order_set_text(499_007, (json.dumps(doc), json.dumps(record))) == expected


def test_a_journaled_order_set_that_is_not_an_object_is_a_journal_error() -> None:
    with pytest.raises(JournalError, match="hour 5"):
        order_set_text(5, ('["hour"]', "{}"))
