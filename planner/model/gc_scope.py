"""Keep Python's cyclic garbage collector off the objects of one solve.

An hourly model is ~1e6 Pyomo objects, all in reference cycles (components and their data
point at each other), built under ``PauseGC``. Left to the collector, every one of them is
scanned when it leaves generation 0 (one pass of ~1 s right after the build), again in
generation 1 and again in each full collection while the model is alive (~0.5-1 s each, most
of them landing in result extraction): 2.6-3.7 s of a ~30 s 8-day default run, measured with
``gc.callbacks``. ``gc.freeze`` moves every tracked object to the permanent generation, which
no collection scans; :func:`solve_scope` freezes at its start and once the model is built,
and unfreezes on exit, so the objects (the model of a solve that is then dropped) go back to
the oldest generation. Unfrozen objects do not count towards CPython's trigger for a full
collection, so a process that solves again and again (sweeps, benchmarks) would keep every
dropped model: once :data:`COLLECT_AFTER` objects have come back this way, the next scope
starts with a full collection (which frees the dropped models, as the collector would have).
Scopes in concurrent threads share the one permanent generation: the first to end unfreezes
the other's objects too (correct, only slower).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from pyomo.common.gc_manager import PauseGC

T = TypeVar("T")

COLLECT_AFTER = 500_000
"""Objects made and frozen inside scopes [count] after which the next scope begins with
``gc.collect()`` (the 8-day default model is ~0.6e6, a small 2-day one ~0.05e6)."""

_returned = 0
"""Objects made and frozen inside scopes since the last such collection [count]."""


@contextmanager
def solve_scope() -> Iterator[None]:
    """Freeze the objects that exist now for the duration of the block; unfreeze on exit.

    ``gc.freeze`` is process-wide: objects a caller froze before are unfrozen on exit too.
    Begins with a full collection once :data:`COLLECT_AFTER` objects have been returned."""
    global _returned
    if _returned > COLLECT_AFTER:
        gc.collect()
        _returned = 0
    gc.freeze()
    existing = gc.get_freeze_count()
    try:
        yield
    finally:
        _returned += max(gc.get_freeze_count() - existing, 0)
        gc.unfreeze()


def built_frozen(build: Callable[[], T]) -> T:
    """``build()`` with the collector paused, then every object it made frozen (call inside
    :func:`solve_scope`), so that none is scanned before the scope ends."""
    with PauseGC():
        out = build()
        gc.freeze()
    return out
