"""The collector's schedule in the market's server processes (`flowmarket.collector`).

`settle_for_serving` changes the whole process, so each test restores the collector
as it found it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from flowmarket.collector import settle_for_serving


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if frozen:  # the test process had frozen objects of its own: freeze them again
            gc.freeze()


def test_full_collections_come_after_a_thousand_middle_ones_not_ten(collector: None) -> None:
    young, middle, _ = gc.get_threshold()
    settle_for_serving()
    assert gc.get_threshold() == (young, middle, 1_000)


def test_what_start_up_allocated_is_frozen_out_of_later_collections(collector: None) -> None:
    started = [[k] for k in range(10_000)]  # tracked containers, alive for the whole process
    before = gc.get_freeze_count()
    settle_for_serving()
    assert gc.get_freeze_count() >= before + len(started)
    # A full collection no longer walks them: the tracked objects it sees are fewer.
    assert not any(o is started[0] for o in gc.get_objects())


def test_start_up_garbage_is_collected_before_the_freeze(collector: None) -> None:
    class Cycle:
        itself: object = None

    garbage = Cycle()
    garbage.itself = garbage  # freed only by a collection, never by reference counting
    alive = weakref.ref(garbage)
    del garbage
    settle_for_serving()
    assert alive() is None  # collected, not frozen for the life of the process
