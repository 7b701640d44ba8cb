"""Representative-day slices are cached by content: read back identical, recomputed on any change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from planner.chain.tokens.fit_cache import CACHE_ENV
from planner.model.slice_cache import cached_slices, slices_key
from planner.model.timeslices import TimeSlices, build_time_slices

SITES = ["abilene_tx", "loudoun_va", "new_albany_oh"]


def fail() -> TimeSlices:
    raise AssertionError("computed although cached")


def identical(a: TimeSlices, b: TimeSlices) -> bool:
    """Every field equal, arrays with the same dtype and shape, demand shapes by region in order."""
    for f in dataclasses.fields(TimeSlices):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or x.shape != y.shape or not np.array_equal(x, y):
                return False
        elif f.name == "demand_shape":
            if list(x) != list(y) or not all(np.array_equal(x[r], y[r]) for r in x):
                return False
        elif x != y:
            return False
    return True


@pytest.fixture
def rows(catalogs):
    return catalogs.sites.loc[SITES], catalogs.regions.loc[["us-south", "us-east"]]


def test_second_build_reads_the_same_slices(rows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    sites, regions = rows
    first = build_time_slices("representative_days", 3, sites, regions, 1.3)
    assert len(list(tmp_path.glob("slices-*.npz"))) == 1
    key = slices_key(3, sites, regions, 1.3, ("demand:max",), {})
    again = cached_slices(key, fail)  # a hit: compute is never called
    assert again is not first and identical(again, first)
    assert again.weight_h.sum() == pytest.approx(8760.0) and again.n == 3 * 24
    monkeypatch.setenv(CACHE_ENV, "")  # cache off: computed afresh, the same slices
    assert identical(build_time_slices("representative_days", 3, sites, regions, 1.3), first)


def test_key_follows_every_input(rows) -> None:
    sites, regions = rows
    base = slices_key(3, sites, regions, 1.3, ("demand:max",), {})
    assert base == slices_key(3, sites.copy(), regions.copy(), 1.3, ("demand:max",), {})
    cooler = sites.copy()
    cooler.loc["abilene_tx", "pv_cf"] += 0.01
    user = {"abilene_tx": {"pv_cf": np.zeros(8760)}}
    changed = [
        slices_key(4, sites, regions, 1.3, ("demand:max",), {}),
        slices_key(3, cooler, regions, 1.3, ("demand:max",), {}),
        slices_key(3, sites.iloc[:2], regions, 1.3, ("demand:max",), {}),
        slices_key(3, sites, regions.iloc[:1], 1.3, ("demand:max",), {}),
        slices_key(3, sites, regions, 1.4, ("demand:max",), {}),
        slices_key(3, sites, regions, 1.3, (), {}),
        slices_key(3, sites, regions, 1.3, ("demand:max",), user),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_a_corrupt_or_foreign_entry_is_recomputed(
    rows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    sites, regions = rows
    key = slices_key(2, sites, regions, 1.3, (), {})
    path = tmp_path / f"slices-{key[:32]}.npz"
    path.write_bytes(b"not an npz")
    fresh = build_time_slices("representative_days", 2, sites, regions, 1.3, extremes=())
    assert identical(cached_slices(key, fail), fresh)  # rewritten over the corrupt file
    other = slices_key(3, sites, regions, 1.3, (), {})
    path.rename(tmp_path / f"slices-{other[:32]}.npz")  # same file name as another key's entry
    calls: list[int] = []
    cached_slices(other, lambda: calls.append(1) or fresh)
    assert calls == [1]
