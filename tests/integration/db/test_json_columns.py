"""JSON columns through `make_engine` on SQLite and PostgreSQL: written by
`jsontext.dumps` (orjson's compact text, the standard library's for a wei amount beyond
64 bits) and read back as the values stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Engine, Integer, MetaData, Table, cast, select
from sqlalchemy.types import Text

DOCUMENTS: list[Any] = [
    {"orders": [{"id": "0xab", "curve": [[-2.5, 31.096726459], [0.0, 5e-324]], "batch": None}]},
    {"participants": {"0x7E5F": {"wei": 10**30, "cash": -(2**70)}}, "café": [1.5, True]},
]
TEXTS = [
    '{"orders":[{"id":"0xab","curve":[[-2.5,31.096726459],[0.0,5e-324]],"batch":null}]}',
    '{"participants": {"0x7E5F": {"wei": 1000000000000000000000000000000, '
    '"cash": -1180591620717411303424}}, "caf\\u00e9": [1.5, true]}',
]


def test_json_columns_store_the_encoders_text_and_read_back_the_values(engine: Engine) -> None:
    table = Table(
        "json_probe", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON)
    )
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": i, "doc": d} for i, d in enumerate(DOCUMENTS)])
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.doc, cast(table.c.doc, Text)).order_by(table.c.id)
        ).all()
    assert [row[0] for row in rows] == DOCUMENTS
    assert [row[1] for row in rows] == TEXTS
