"""The collector's schedule in the market's server processes (`flowmarket.collector`).

`settle_for_serving` changes the whole process, so each test restores the collector
as it found it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from flowmarket.collector import deferred_collection, settle_for_serving


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


class _Cycle:
    itself: object = None


def _cycle() -> weakref.ref[_Cycle]:
    garbage = _Cycle()
    garbage.itself = garbage  # freed only by a collection, never by reference counting
    return weakref.ref(garbage)


def test_a_deferred_block_runs_without_the_collector_and_collects_its_cycles_after() -> None:
    assert gc.isenabled()
    with deferred_collection() as done:
        assert not gc.isenabled()
        alive = _cycle()
        gc.collect(0)  # explicit collections still work; only automatic ones are off
        assert alive() is None
        alive = _cycle()
        assert alive() is not None
    assert gc.isenabled()
    assert alive() is None
    assert done.collected >= 1
    assert done.seconds > 0.0


def test_a_deferred_block_leaves_the_oldest_generation_to_its_own_schedule() -> None:
    """What lived through a full collection before the block is not walked after it: a
    full collection of the whole heap after every hour would cost its whole heap."""
    garbage = _Cycle()
    garbage.itself = garbage
    alive = weakref.ref(garbage)
    gc.collect()  # alive and referenced: promoted to the oldest generation
    del garbage
    with deferred_collection():
        pass
    assert alive() is not None
    gc.collect()
    assert alive() is None


def test_a_deferred_block_inside_one_with_the_collector_off_collects_nothing() -> None:
    gc.disable()
    try:
        with deferred_collection() as done:
            alive = _cycle()
        assert not gc.isenabled()  # left as the caller had it
        assert alive() is not None
        assert (done.collected, done.seconds) == (0, 0.0)
    finally:
        gc.enable()
        gc.collect()


def test_the_collector_is_on_again_when_the_block_raises() -> None:
    with pytest.raises(ValueError), deferred_collection():
        raise ValueError("a failed hour")
    assert gc.isenabled()
