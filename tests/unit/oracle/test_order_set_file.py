"""The publish step writes `hours/<h>.orders.json` from the journaled texts
(`publish.order_set_text`) without decoding them: the file must read as
`{**engine_doc, "hour": h, "collateral": record}`, whichever encoder wrote the journal
(`jsontext.dumps` now, the standard library's before)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowmarket import jsontext
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
@pytest.mark.parametrize("dumps", [jsontext.dumps, json.dumps])
def test_the_file_reads_as_the_dict(doc: dict[str, Any], record: Any, dumps: Any) -> None:
    text = order_set_text(499_007, (dumps(doc), dumps(record)))
    assert json.loads(text) == {**doc, "hour": 499_007, "collateral": record}
    if "hour" not in json.dumps(doc) and "collateral" not in doc:  # spliced, not re-encoded
        assert text.startswith(dumps(doc)[:-1])
        assert text.endswith(f'"hour": 499007, "collateral": {dumps(record)}}}')


def test_a_journaled_order_set_that_is_not_an_object_is_a_journal_error() -> None:
    with pytest.raises(JournalError, match="hour 5"):
        order_set_text(5, ('["hour"]', "{}"))
