"""A disk cache for fitted calibrations, keyed by the content they depend on.

Fitting the roofline factors takes seconds; the result depends only on the GPU, model and
MLPerf catalogs and on the code of the fit. The key is the SHA-256 of those catalogs (as CSV
text) and of the source of the fitting modules, so any change to either gives a new entry and
a fresh fit. Entries are JSON files in the cache folder:

* ``$PLANNER_CACHE_DIR`` when set (an empty value turns the cache off);
* else ``$XDG_CACHE_HOME/planner``, else ``~/.cache/planner``.

A cache that cannot be read or written is skipped silently: the fit is then done in memory.
Writes go to a temporary file renamed into place, so concurrent processes never see half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from planner.errors import InputError
from planner.inputs import load_json_file

CACHE_ENV = "PLANNER_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder, or None when ``$PLANNER_CACHE_DIR`` is set empty (cache off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "planner"


def content_key(frames: Iterable[pd.DataFrame], modules: Iterable[Any]) -> str:
    """SHA-256 hex digest of the frames' CSV text and the modules' source files."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.to_csv().encode("utf-8"))
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


MAX_ENTRY_BYTES = 50_000_000
"""Largest cache entry read [bytes]; a calibration is ~100 kB. Larger, deeper (than
:data:`planner.inputs.MAX_DEPTH`), non-regular or non-finite entries are misses (refitted)."""


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        value = load_json_file(path, MAX_ENTRY_BYTES, "cache entry", max_depth=64, finite=False)
    except InputError:
        return None
    return value if isinstance(value, dict) else None


def atomic_write(path: Path, dump: Callable[[IO[bytes]], None]) -> None:
    """``dump(handle)`` into a temporary file in ``path``'s folder, renamed over ``path``: a reader
    never sees half an entry. A cache that cannot be written is skipped (OSError ignored)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            dump(handle)
        os.replace(tmp, path)
    except OSError:
        return


def _write(path: Path, value: dict[str, Any]) -> None:
    atomic_write(path, lambda handle: handle.write(json.dumps(value).encode("utf-8")))


def cached(kind: str, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()``'s JSON-able result, read from ``<cache>/<kind>-<key>.json`` when present."""
    folder = cache_dir()
    if folder is None:
        return compute()
    path = folder / f"{kind}-{key[:32]}.json"
    hit = _read(path)
    if hit is not None and hit.get("key") == key:
        return hit["value"]
    value = compute()
    _write(path, {"key": key, "value": value})
    return value
