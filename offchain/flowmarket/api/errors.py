"""Map flowmarket's exceptions and validation errors to 4xx JSON answers (400 for a body
that is not JSON, 422 for one that does not validate).

Body: {"error": kind, "field": dotted path or null, "message": text, "errors": [...]}.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from flowmarket.errors import (
    AuthenticationFailed,
    Conflict,
    FieldError,
    InvalidInput,
    MarketError,
    NotFound,
    RateLimited,
)


def _body(kind: str, field: str | None, message: str, errors: list[dict[str, Any]]) -> Any:
    return {"error": kind, "field": field, "message": message, "errors": errors}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) if parts else str(loc[0]) if loc else "body"


def _validation(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for it only
        raise exc
    errors = []
    for e in exc.errors():
        loc = tuple(e.get("loc", ()))
        if e.get("type") == "json_invalid":
            where = loc[-1] if loc else "?"
            errors.append({"field": "body", "message": f"not valid JSON (at character {where})"})
        else:
            errors.append({"field": _location(loc), "message": str(e.get("msg", ""))})
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return JSONResponse(_body("malformed_json", "body", message, errors), 400)
    return JSONResponse(_body("invalid_request", first["field"], message, errors), 422)


def _market(request: Request, exc: Exception) -> JSONResponse:
    field = exc.field if isinstance(exc, FieldError) else None
    status, kind = 422, "invalid_input"
    if isinstance(exc, Conflict):
        status, kind = 409, "conflict"
    elif isinstance(exc, NotFound):
        status, kind = 404, "not_found"
    elif isinstance(exc, AuthenticationFailed):
        status, kind = 401, "unauthorized"
        field = str(exc).split(":", 1)[0]
    elif isinstance(exc, RateLimited):
        status, kind = 429, "rate_limited"
    elif not isinstance(exc, InvalidInput):  # the node or another dependency: nothing stored
        body = _body("unavailable", field, str(exc), [])
        return JSONResponse(body, 503, {"retry-after": "1"})
    return JSONResponse(_body(kind, field, str(exc), []), status)


def _storage(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable or locked: nothing was stored; the client may retry."""
    message = "storage is temporarily unavailable; nothing was stored, retry later"
    return JSONResponse(_body("unavailable", None, message, []), 503, {"retry-after": "1"})


def _http(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for it only
        raise exc
    return JSONResponse(
        _body("http_error", None, str(exc.detail), []), exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(FieldError, _market)
    app.add_exception_handler(InvalidInput, _market)
    app.add_exception_handler(NotFound, _market)
    app.add_exception_handler(AuthenticationFailed, _market)
    app.add_exception_handler(RateLimited, _market)
    app.add_exception_handler(MarketError, _market)
    app.add_exception_handler(OperationalError, _storage)
    app.add_exception_handler(StarletteHTTPException, _http)
