"""Bounded memos of what the oracle reads again every hour and never changes.

A signed order, a batch's accepted members and a member's struct hash are fixed once the
API has accepted them (their keys are digests of what they hold), yet the oracle read
and decoded every standing one again each hour: most of a book stands from hour to hour.
These memos keep them for the life of the process, forgetting the oldest beyond a bound,
so an hour decodes only what is new since the last one."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """A dict that forgets its oldest entries (by insertion) beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._items: dict[K, V] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self.limit:
            del self._items[next(iter(self._items))]

    def clear(self) -> None:
        self._items.clear()
