"""JSON or CSV answers for list endpoints (`?format=csv` downloads a file)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

Format = Literal["json", "csv"]


def table_response(rows: Sequence[BaseModel], *, fmt: Format, filename: str) -> Response:
    """`rows` as a JSON array, or as CSV with one column per field (nested as JSON)."""
    if fmt == "json":
        return JSONResponse([row.model_dump(mode="json") for row in rows])
    buffer = io.StringIO()
    dumped = [row.model_dump(mode="json") for row in rows]
    if dumped:
        writer = csv.DictWriter(buffer, fieldnames=list(dumped[0]), lineterminator="\n")
        writer.writeheader()
        for row in dumped:
            writer.writerow(row)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{filename}.csv"'},
    )
