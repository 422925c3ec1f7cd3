"""A bounded memo for what a long-running process computes again and again from the same
input: the oracle decodes, hashes and converts most of a book anew each hour, yet most of
the book stands from hour to hour.

The key is the input itself as stored or given (an order's row as read, a batch's entries
text, a number with its type), so an entry can never answer for different input; the
memo forgets its oldest entries beyond a bound, so a long life does not grow without
limit. One memo is keyed by an object's identity instead (`oracle.screen`): the decoded
order that `orders_repo.standing_orders` remembers by its row, held by the entry so that
no other object can take its id.

The memos of a standing order's work are sized alike (`STANDING_ORDERS`): the screen's
memo keys on the objects the snapshot's memo keeps, so it can never hold more of them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

# Orders whose per-order work the oracle remembers from hour to hour: a book of 10^5
# standing orders with room (at 2^16 the fills' memos thrashed at 10^5, bench/README.md).
STANDING_ORDERS = 1 << 17

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """A dict that forgets its oldest entries (by insertion) beyond `limit`.

    An OrderedDict, not a dict: a dict whose oldest entry is deleted again and again
    keeps the deleted slots at its front until it is resized, so finding the oldest
    (`next(iter(d))`) walks them all: 47 µs a put at 2^17 entries, 87 µs at 2^18, most
    of the oracle's hour at 10^5 orders (bench/README.md). `popitem(last=False)` is
    constant time."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._items: OrderedDict[K, V] = OrderedDict()

    @property
    def limit(self) -> int:
        """The most entries it keeps."""
        return self._limit

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self._limit:
            self._items.popitem(last=False)
