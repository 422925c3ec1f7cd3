"""Reading a user's JSON file with errors that name the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowmarket.errors import InvalidInput


def read_json_file(path: Path, what: str) -> Any:
    """Parsed JSON of `path`; `InvalidInput` naming `what`, the path and the reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{what} {path}: no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{what} {path}: cannot read ({exc.__class__.__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{what} {path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
