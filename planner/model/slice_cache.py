"""A disk cache of representative-day time slices, keyed by the content they depend on.

Building the slices of an hourly scenario (8760-hour profiles of every site, then tsam) takes
2-4 s on the default scenario; they depend only on the site and region rows, the number of
days, the demand peak, the extremes, any user profiles, and the code and library versions
that make them. The key is the SHA-256 of all of these, so any change gives a new entry; a
second run of a scenario reads its slices back (a few ms) instead.

Same folder and rules as the calibration cache (:mod:`planner.chain.tokens.fit_cache`):
``$PLANNER_CACHE_DIR`` (empty turns the cache off), else ``$XDG_CACHE_HOME/planner`` or
``~/.cache/planner``; an entry that cannot be read or written is skipped silently; writes go
to a temporary file renamed into place. Entries are ``.npz`` files (no pickles).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from planner.chain.tokens.fit_cache import atomic_write, cache_dir, content_key
from planner.errors import InputError
from planner.inputs import parse_json
from planner.model import timeslices
from planner.model.timeslices import TimeSlices
from planner.paths import input_file_problem
from planner.profiles import columns, representative, sites, solar, synthetic

KIND = "slices"
SOURCES = (timeslices, representative, sites, solar, synthetic, columns)
"""Modules whose source is part of the key (the code that makes the slices)."""
LIBRARIES = ("tsam", "pvlib", "numpy", "pandas")
"""Libraries whose version is part of the key."""
ARRAYS = tuple(f.name for f in dataclasses.fields(TimeSlices) if f.type in ("np.ndarray", np.ndarray))
"""The array fields of :class:`TimeSlices` stored as they are."""


def slices_key(
    days: int,
    site_rows: pd.DataFrame,
    region_rows: pd.DataFrame,
    peak_to_average: float,
    extremes: tuple[str, ...],
    user: Mapping[str, Mapping[str, pd.Series]],
) -> str:
    """SHA-256 hex digest of everything :func:`timeslices.representative_slices` reads."""
    digest = hashlib.sha256(content_key([site_rows, region_rows], SOURCES).encode())
    digest.update(json.dumps([int(days), float(peak_to_average), list(extremes)]).encode())
    for sid in sorted(user):
        for column in sorted(user[sid]):
            digest.update(f"{sid}/{column}".encode())
            digest.update(np.ascontiguousarray(user[sid][column], dtype=float).tobytes())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}".encode())
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


MAX_SLICES_BYTES = 1_000_000_000
"""Largest slice-cache entry read [bytes]: 8,760 hours x 2,000 sites x ~10 float64 profiles is ~1.4 GB
uncompressed; real entries are a few MB."""


def cached_slices(key: str, compute: Callable[[], TimeSlices]) -> TimeSlices:
    """``compute()``'s slices, read from ``<cache>/slices-<key>.npz`` when present."""
    folder = cache_dir()
    if folder is None:
        return compute()
    path = folder / f"{KIND}-{key[:32]}.npz"
    hit = _read(path, key)
    if hit is not None:
        return hit
    value = compute()
    _write(path, key, value)
    return value


def _read(path: Path, key: str) -> TimeSlices | None:
    """The cached slices, or None (a miss) for a missing, non-regular, oversized or damaged entry."""
    if input_file_problem(path, MAX_SLICES_BYTES) is not None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = parse_json(str(data["meta"]), str(path), finite=False)
            if meta.get("key") != key:
                return None
            demand = data["demand_shape"]
            return TimeSlices(
                **{name: data[name] for name in ARRAYS},
                demand_shape={r: demand[i] for i, r in enumerate(meta["regions"])},
                hourly=bool(meta["hourly"]),
                notes=dict(meta["notes"]),
            )
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, InputError):
        return None


def _write(path: Path, key: str, value: TimeSlices) -> None:
    regions = list(value.demand_shape)
    meta = {"key": key, "regions": regions, "hourly": value.hourly, "notes": value.notes}
    arrays = {name: getattr(value, name) for name in ARRAYS}
    demand = np.vstack([value.demand_shape[r] for r in regions]) if regions else np.zeros((0, value.n))
    arrays |= {"meta": np.array(json.dumps(meta)), "demand_shape": demand}
    atomic_write(path, lambda handle: np.savez(handle, **arrays))
