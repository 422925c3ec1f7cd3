"""The cyclic garbage collector's schedule in the market's long-running processes.

CPython collects its oldest generation once ten collections of the middle one have
run and the objects promoted since the last full collection number a quarter of those
that survived it; a full collection walks every tracked object and stops the process
while it does. The API's workers and the oracle keep hundreds of thousands of
long-lived objects (decoded orders, order risks, remembered fills), and every order
they take promotes a few dozen more. At 2,000 signed orders a second each API worker
ran a full collection every 3 to 5 seconds, 120 to 440 ms each and growing with its
memos, and every request in flight waited for it: most of the API's p99 (measured in
bench/README.md, "The collector's pauses").

`settle_for_serving` is called once a process has started: what start-up allocated
(modules, the app, the catalogue) is frozen out of every later collection, since it
lives as long as the process, and the oldest generation is collected after
`FULL_COLLECTION_EVERY` collections of the middle one instead of ten. The young
generations are collected as before, so short-lived cycles (a request's) still go at
once; only cyclic garbage that had lived long enough to reach the oldest generation
waits longer. Objects freed by reference counting, which is nearly all of them, are
freed at once as always.

The oracle's hour (`deferred_collection`) allocates millions of tracked objects between
the close and the publication (an order set of 10^5 orders is decoded, screened,
cleared and hashed into trees), enough for three full collections of a memo-laden heap
at CPython's default schedule (2–2.5 s of a 20 s hour at 10^5 orders) and one after
`settle_for_serving` (0.9–1.1 s). So the oracle runs an hour with the collector off
and, once the hour is published, collects the young and middle generations: everything
the hour allocated and kept, off the path from close to publication. Reference counting
frees what the hour drops at once; only its cyclic garbage (its database sessions' few
cycles) waits for the end of the hour. The oldest generation keeps its settled schedule:
a full collection, when one comes, comes between hours, the only time the collector is
on. (A full collection after every hour would walk the whole heap each time: 84 ms for
a process that has only imported the market's modules, 168 times in a demo's week.)
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Middle-generation collections between two full ones (CPython's default is 10). At
# CPython's default young thresholds (700, 10) this is a full collection after some
# seven million net allocations of tracked objects: minutes of full load, not seconds.
FULL_COLLECTION_EVERY = 1_000


def settle_for_serving() -> None:
    """Freeze what start-up allocated and space out full collections (process-wide:
    call it from a server process's own start-up, never from a library or a test's
    process)."""
    gc.collect()  # start-up's own garbage is not frozen with the rest
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


@dataclass
class Collection:
    """What `deferred_collection` did at the end of its block."""

    seconds: float = 0.0
    collected: int = 0


# The generations `deferred_collection` collects after its block: the young and middle
# ones, which hold every object the block allocated and kept (the collector was off).
DEFERRED_GENERATIONS = 1


@contextmanager
def deferred_collection() -> Iterator[Collection]:
    """Run the block with the cyclic collector off, then collect the young and middle
    generations once (`DEFERRED_GENERATIONS`): everything the block allocated.

    Yields a `Collection` that holds the final collection's seconds and the number of
    unreachable objects it found once the block is over. A caller that had the collector
    off keeps it off and nothing is collected (a test's, or a nested block's)."""
    done = Collection()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield done
    finally:
        if enabled:
            gc.enable()
            started = time.perf_counter()
            done.collected = gc.collect(DEFERRED_GENERATIONS)
            done.seconds = time.perf_counter() - started
