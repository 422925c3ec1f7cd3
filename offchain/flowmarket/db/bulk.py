"""Many rows written in bulk, the way each database takes them fastest.

SQLAlchemy's Core executemany builds a parameter dictionary and runs the bind processors
for every row; an hour at 10^5 orders stores 10^5 order rows and updates some 1.75·10^5
positions. Measured on that hour (bench/README.md, "The collector off during the hour,
and bulk writes"):

- SQLite: the driver's own executemany with the rows as tuples, for inserts and updates
  (Core's per-row work was as much as SQLite's own).
- PostgreSQL (and any other database): SQLAlchemy Core with the same rows. Its inserts
  send a thousand rows a statement ("insertmanyvalues"), faster than psycopg's
  executemany; and the server's own work dominates its updates: psycopg's executemany
  (2.8 s for 1.75·10^5 positions) and one `UPDATE … FROM unnest(arrays)` (3.3 s) were
  no faster than Core.

Row values are what the drivers adapt by themselves (str, int, float, bool, None), except
in a JSON column, which takes the Python value as the ORM does and is written as the text
SQLAlchemy's JSON type writes (None is SQL NULL: the models' `none_as_null`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, and_, bindparam, insert, update

Row = tuple[Any, ...]


def _as_text(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> list[Row]:
    """`rows` with their JSON columns' values as the JSON type's text (None stays NULL)."""
    at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    if not at:
        return list(rows)
    dumps: Callable[[Any], str] = (
        getattr(connection.dialect, "_json_serializer", None) or json.dumps
    )
    out: list[Row] = []
    for row in rows:
        values = list(row)
        for i in at:
            if values[i] is not None:
                values[i] = dumps(values[i])
        out.append(tuple(values))
    return out


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """INSERT every row (values in the order of `columns`)."""
    if not rows:
        return
    if _is_sqlite(connection):
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        markers = ", ".join("?" * len(columns))
        statement = f"INSERT INTO {_table_name(connection, table)} ({names}) VALUES ({markers})"
        connection.exec_driver_sql(statement, _as_text(connection, table, columns, rows))
        return
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def update_rows(
    connection: Connection,
    table: Table,
    *,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Row],
) -> None:
    """UPDATE `columns` of the row whose `keys` equal the row's: each row is the new values
    in the order of `columns`, then the key values in the order of `keys`. Every row must
    match one stored row."""
    if not rows:
        return
    if _is_sqlite(connection):
        quote = connection.dialect.identifier_preparer.quote
        name = _table_name(connection, table)
        assignments = ", ".join(f"{quote(c)} = ?" for c in columns)
        condition = " AND ".join(f"{quote(k)} = ?" for k in keys)
        text = f"UPDATE {name} SET {assignments} WHERE {condition}"
        connection.exec_driver_sql(text, _as_text(connection, table, [*columns, *keys], rows))
        return
    where = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
    statement = update(table).where(where).values({c: bindparam(f"v_{c}") for c in columns})
    names = [f"v_{c}" for c in columns] + [f"k_{k}" for k in keys]
    connection.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])


def _is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite" and connection.dialect.paramstyle == "qmark"


def _table_name(connection: Connection, table: Table) -> str:
    name: str = connection.dialect.identifier_preparer.format_table(table)
    return name
