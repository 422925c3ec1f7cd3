"""The OpenAPI document, completed with the answers every route can give besides its own.

FastAPI documents a route's response model and the statuses the route declares. The
app also answers, for every route:

- 400 when a request body is not valid JSON (`errors._validation`);
- 413 when a body exceeds the size limit (`limits.BodySizeLimit`, before any route);
- 422 when a parameter or the body does not validate;
- 503 when storage (or, for the web endpoints, the chain) is unavailable;

and a list endpoint with a `format` parameter answers `format=csv` as `text/csv`
(`downloads.table_response`). This module adds those to the generated document, so a
client (or schemathesis) sees every status and content type the server sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
WITH_BODY = {
    "400": "Malformed request: the body is not valid JSON",
    "413": "Request body too large",
}
ALWAYS = {"503": "Storage or chain temporarily unavailable; nothing was stored, retry later"}
CSV = {"text/csv": {"schema": {"type": "string", "description": "one row per item"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _complete(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    extra = dict(ALWAYS)
    if "requestBody" in operation:
        extra |= WITH_BODY
    if "requestBody" in operation or operation.get("parameters"):
        extra["422"] = "Validation error: the field named in the answer is invalid"
    for status, description in extra.items():
        responses.setdefault(status, _error(description))
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    ok = responses.get("200")
    if "format" in names and ok is not None:
        ok.setdefault("content", {}).update(CSV)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, at the first request,
    so routes mounted after `create_app`, like the web endpoints, are included)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    _complete(operation)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
