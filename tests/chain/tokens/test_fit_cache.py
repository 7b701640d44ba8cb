"""The calibration fit is cached by content: reused when identical, refitted when anything changes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from planner.chain.tokens import calibration, fit_cache
from planner.chain.tokens.calibration import Calibration, calibrate, calibration_key, fit_calibration
from planner.chain.tokens.fit_cache import CACHE_ENV, cache_dir, cached


def same(a: Calibration, b: Calibration) -> bool:
    """Equal field by field, NaN equal to NaN (JSON text of both)."""
    return json.dumps(dataclasses.asdict(a), sort_keys=True) == json.dumps(
        dataclasses.asdict(b), sort_keys=True
    )


def test_cached_calibration_equals_a_fresh_fit(
    catalogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(fit_cache, "SHIPPED", tmp_path / "none.json")  # not the shipped fit: the cache
    calibration._calibrate.cache_clear()
    first = calibrate(catalogs)  # fitted and written
    files = list(tmp_path.glob("calibration-*.json"))
    assert len(files) == 1
    calibration._calibrate.cache_clear()
    again = calibrate(catalogs)  # read back from disk
    assert again is not first and same(again, first) and same(again, fit_calibration(catalogs))
    calibration._calibrate.cache_clear()


def test_key_follows_the_catalog_content(catalogs) -> None:
    changed = dataclasses.replace(catalogs, benchmarks=catalogs.benchmarks.iloc[1:])
    assert calibration_key(changed) != calibration_key(catalogs)
    same = dataclasses.replace(catalogs, sites=catalogs.sites.iloc[1:])  # sites do not enter the fit
    assert calibration_key(same) == calibration_key(catalogs)


def test_a_corrupt_or_foreign_entry_is_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    key = "ab" * 32
    path = tmp_path / f"demo-{key[:32]}.json"
    path.write_text("{ not json")
    assert cached("demo", key, lambda: {"x": 1}) == {"x": 1}
    assert json.loads(path.read_text()) == {"key": key, "value": {"x": 1}}
    path.write_text(json.dumps({"key": "other", "value": {"x": 2}}))  # same prefix, other key
    assert cached("demo", key, lambda: {"x": 3}) == {"x": 3}


def test_unwritable_or_disabled_cache_still_computes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert cached("demo", "k" * 64, lambda: {"x": 1}) == {"x": 1}
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    calls: list[int] = []
    cached("demo", "k" * 64, lambda: calls.append(1) or {"x": 1})
    cached("demo", "k" * 64, lambda: calls.append(1) or {"x": 1})
    assert len(calls) == 2  # nothing stored when the cache is off


def test_calibration_round_trips_through_json(catalogs) -> None:
    fitted = fit_calibration(catalogs)
    assert same(Calibration(**json.loads(json.dumps(dataclasses.asdict(fitted)))), fitted)
