"""Small hand-computed non-convex books shared by the engine and CLI tests."""

from __future__ import annotations

from typing import Any


def block_book(limit: float, **block: object) -> dict[str, Any]:
    """A seller in each of hours 18 and 19 (marginal cost 2 + 0.2 x, up to 20 GB) and
    "event": all or nothing, 10 GB in both hours for at most `limit` a GB of the pair;
    `block` overrides the event's fields."""
    sellers = [
        {
            "id": f"s{h}",
            "participant": "net",
            "portfolio": {f"eu@{h}": 1},
            "curve": [[-20, 6], [0, 2]],
        }
        for h in (18, 19)
    ]
    event = {
        "id": "event",
        "participant": "tv",
        "portfolio": {"eu@18": 1, "eu@19": 1},
        "kind": "all_or_nothing",
        "quantity": 10,
        "price": limit,
        **block,
    }
    return {"products": ["eu@18", "eu@19"], "orders": [*sellers, event]}
