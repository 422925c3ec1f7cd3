"""A bounded memo for what a long-running process computes again and again from the same
input: the oracle decodes, hashes and converts most of a book anew each hour, yet most of
the book stands from hour to hour.

The key is the input itself as stored or given (an order's row as read, a batch's entries
text, a number with its type), so an entry can never answer for different input; the
memo forgets its oldest entries beyond a bound, so a long life does not grow without
limit. One memo is keyed by an object's identity instead (`oracle.screen`): the decoded
order that `orders_repo.standing_orders` remembers by its row, held by the entry so that
no other object can take its id.

The memos of a standing order's work (`standing_memo`) are sized alike, to the largest
book the process has read (`fit_standing`, with room for the orders that join it in an
hour), or to a fixed number of orders (`fix_standing`, the oracle's
`FLOWMARKET_ORACLE_MEMO_ORDERS`): the screen's memo keys on the objects the snapshot's
memo keeps, so it can never hold more of them. A memo smaller than the book forgets each
order before the next hour reads it again, and remembering is then pure cost (at 10^6
orders and 2^17 entries, a standing hour was no faster than the first: bench/README.md,
"The whole hour at 10^6 orders")."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from flowmarket.errors import InvalidInput

# Orders whose per-order work the oracle remembers from hour to hour at least: a book of
# 10^5 standing orders with room (at 2^16 the fills' memos thrashed at 10^5,
# bench/README.md). A larger book grows the memos (`fit_standing`).
STANDING_ORDERS = 1 << 17
# The room above a book that the memos keep: an hour's new orders join a standing book
# before its oldest leave, so the next book can be larger than this one.
BOOK_ROOM_FRACTION = 4  # a quarter

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

    def __len__(self) -> int:
        return len(self._items)

    def resize(self, limit: int) -> None:
        """Keep at most `limit` entries from now on (at least one), forgetting the oldest
        beyond it at once."""
        self._limit = max(1, limit)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)


# Every standing-order memo of the process, sized alike; and their fixed size in orders
# (`fix_standing`), 0 while they follow the books read.
_STANDING: list[BoundedMemo[Any, Any]] = []
_fixed_orders = 0


def standing_memo() -> BoundedMemo[Any, Any]:
    """A memo of one entry per standing order, sized with the others (`fit_standing`)."""
    memo: BoundedMemo[Any, Any] = BoundedMemo(standing_limit())
    _STANDING.append(memo)
    return memo


def standing_limit() -> int:
    """The entries each standing-order memo keeps now."""
    return _STANDING[0].limit if _STANDING else _fixed_orders or STANDING_ORDERS


def fit_standing(orders: int) -> None:
    """Grow every standing-order memo to hold a book of `orders` orders with a quarter's
    room, unless their size is fixed. Never shrinks them: a book that is smaller for an
    hour is read again at its usual size the next."""
    wanted = orders + orders // BOOK_ROOM_FRACTION
    if not _fixed_orders and wanted > standing_limit():
        for memo in _STANDING:
            memo.resize(wanted)


def fix_standing(orders: int) -> None:
    """Size every standing-order memo to `orders` orders from now on, whatever the books
    (a bound on the oracle's memory); 0: follow the books again, from `STANDING_ORDERS`."""
    global _fixed_orders
    if orders < 0:
        raise InvalidInput(f"a memo holds a non-negative number of orders, got {orders}")
    _fixed_orders = orders
    for memo in _STANDING:
        memo.resize(orders or STANDING_ORDERS)
