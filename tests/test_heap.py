"""registry.heap.settled_heap: the objects of before the job are frozen during it, and only during it."""

import gc

from registry.heap import settled_heap


def test_the_heap_is_frozen_during_the_job_and_given_back_after():
    assert gc.get_freeze_count() == 0
    with settled_heap():
        assert gc.get_freeze_count() > 0
        made = [[] for _ in range(10)]
        assert all(gc.is_tracked(item) for item in made)
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_by_someone_else_stays_frozen():
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        with settled_heap():
            pass
        # Not equal to the count before: a frozen object freed meanwhile (by
        # reference count) leaves the permanent generation. Unfrozen means 0.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_an_error_in_the_job_still_unfreezes():
    try:
        with settled_heap():
            raise RuntimeError
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
