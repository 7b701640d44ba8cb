"""planner.model.gc_scope: the collector leaves a solve's objects alone, and gets them back after."""

from __future__ import annotations

import gc
import weakref

from planner.model import gc_scope


class _Node:
    """An object in a reference cycle (as every Pyomo component is)."""

    def __init__(self) -> None:
        self.me = self


def test_built_objects_are_frozen_inside_the_scope_and_returned_after():
    with gc_scope.solve_scope():
        before = gc.get_freeze_count()
        nodes = gc_scope.built_frozen(lambda: [_Node() for _ in range(1000)])
        assert gc.get_freeze_count() >= before + 1000
        ref = weakref.ref(nodes[0])
        del nodes
        gc.collect()
        assert ref() is not None  # frozen: not collected while the scope lasts
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None  # back in the oldest generation: collected as usual


def test_a_scope_starts_with_a_full_collection_once_enough_objects_came_back(monkeypatch):
    """Unfrozen objects do not count towards CPython's own full collections: without this a
    process solving again and again would keep every dropped model."""
    monkeypatch.setattr(gc_scope, "COLLECT_AFTER", 500)
    monkeypatch.setattr(gc_scope, "_returned", 0)
    gc_enabled = gc.isenabled()
    gc.disable()  # only the scope may collect in this test
    try:
        with gc_scope.solve_scope():
            ref = weakref.ref(gc_scope.built_frozen(lambda: [_Node() for _ in range(1000)])[0])
        assert gc_scope._returned >= 900 and ref() is not None  # dropped, cyclic, not yet collected
        with gc_scope.solve_scope():
            assert ref() is None
        assert gc_scope._returned < 900
    finally:
        if gc_enabled:
            gc.enable()
