"""JSON text for what the market stores: orjson's speed, the standard library's values.

The oracle journals each hour's order set and result as JSON (71 MB at 10^5 orders).
The standard library's encoder took 0.86–1.40 s for that order set, orjson 0.14–0.19 s
(bench/README.md, "JSON text, and both cores for the hashing"). orjson accepts less
than the standard library, so a value it refuses is written by the standard library
instead, and the rule is that

    json.loads(dumps(value)) == json.loads(json.dumps(value))

for every value the standard library writes, with one exception: a float that is not
finite is written as null (JSON has no NaN; PostgreSQL refuses the standard library's
`NaN` outright), and a stored document with one is a fault that its reader then meets
as a missing number. What orjson refuses and the standard library writes: an integer
beyond 64 bits (a wei amount), a key that is not a string, a string that is not valid
UTF-8; a dataclass, a datetime and a subclass of a JSON type are passed to the
standard library too (orjson would write the first two where the standard library
raises TypeError).

Reading stays with the standard library: orjson read the same order set only 20–40 %
faster, reads an integer beyond 64 bits as a float (wei lost), and ruling that out
cost as much as it saved.

The texts differ (orjson writes no spaces, and UTF-8 where the standard library writes
escapes), so nothing may compare or hash them: only their values are the same.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """JSON text of `value` (see the module for the rule); the standard library's
    TypeError or ValueError for what neither writes."""
    option = _PASSTHROUGH | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(value, option=option).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, sort_keys=sort_keys)
