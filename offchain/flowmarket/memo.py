"""A bounded memo for what a long-running process computes again and again from the same
input: the oracle decodes, hashes and converts most of a book anew each hour, yet most of
the book stands from hour to hour.

The key is the input itself as stored or given (an order's row as read, a batch's entries
text, a number with its type), so an entry can never answer for different input; the
memo forgets its oldest entries beyond a bound, so a long life does not grow without
limit."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """A dict that forgets its oldest entries (by insertion) beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self._limit:
            del self._items[next(iter(self._items))]
