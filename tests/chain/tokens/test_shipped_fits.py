"""The fits shipped with the package (planner/chain/tokens/shipped_fits.json): current for the
shipped catalogs and code, equal to a fresh fit, and ignored when the catalogs differ."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from planner.chain import fit_ship
from planner.chain.tokens import calibration, fit_cache

REGENERATE = "python -m planner.chain.fit_ship"


def _close(a: Any, b: Any, path: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ (floats to 1e-9 relative, NaN equal to NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        x, y = float(a), float(b)
        same = (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
        return [] if same else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_shipped_fits_are_current_for_the_shipped_catalogs(catalogs) -> None:
    shipped = fit_cache.shipped_fits()
    assert set(shipped) == set(fit_ship.expected_keys(catalogs))
    stale = fit_ship.stale_kinds(catalogs)
    assert not stale, f"shipped fits stale for {stale}: run `{REGENERATE}` and commit the file"


def test_a_changed_catalog_is_detected_and_refitted(catalogs, tmp_path, monkeypatch) -> None:
    changed = dataclasses.replace(catalogs, benchmarks=catalogs.benchmarks.iloc[1:])
    assert fit_ship.stale_kinds(changed) == list(fit_ship.expected_keys(changed))  # every kind
    monkeypatch.setenv(fit_cache.CACHE_ENV, str(tmp_path))
    fits: list[str] = []
    with fit_cache.fit_listener(lambda kind, done: done or fits.append(kind)):
        key = calibration.calibration_key(catalogs)
        shipped = fit_cache.cached("calibration", key, lambda: {"refitted": True})
        assert shipped == fit_cache.shipped_fits()["calibration"]["value"] and not fits
        new_key = calibration.calibration_key(changed)
        assert fit_cache.cached("calibration", new_key, lambda: {"refitted": True}) == {"refitted": True}
    assert fits == ["calibration"]  # the stale entry was not used: the fit ran (listeners told)
    assert list(tmp_path.glob("calibration-*.json"))  # and is cached for the next run


def test_a_damaged_shipped_file_falls_back_to_fitting(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "shipped_fits.json"
    broken.write_text("{ not json")
    monkeypatch.setattr(fit_cache, "SHIPPED", broken)
    monkeypatch.setenv(fit_cache.CACHE_ENV, "")
    assert fit_cache.shipped_fits() == {}
    assert fit_cache.cached("calibration", "k" * 64, lambda: {"x": 1}) == {"x": 1}


@pytest.mark.slow
def test_shipped_fits_equal_a_fresh_fit(catalogs) -> None:
    """Minutes of CPU: every shipped fit made again (calibration, and the held-out residuals with
    each GPU, model and GPU family out). Runs in CI (``make test`` selects every test)."""
    fresh = fit_ship.fresh_fits(catalogs)
    shipped = fit_cache.shipped_fits()
    assert set(fresh) == set(shipped)
    for kind in fresh:
        assert fresh[kind]["key"] == shipped[kind]["key"], f"{kind} stale: run `{REGENERATE}`"
        differences = _close(fresh[kind]["value"], shipped[kind]["value"], kind)
        assert not differences, differences[:5]
