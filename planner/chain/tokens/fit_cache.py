"""A disk cache for fitted calibrations, keyed by the content they depend on.

Fitting the roofline factors takes seconds; the result depends only on the GPU, model and
MLPerf catalogs and on the code of the fit. The key is the SHA-256 of those catalogs (as CSV
text) and of the source of the fitting modules, so any change to either gives a new entry and
a fresh fit. Entries are JSON files in the cache folder:

* ``$PLANNER_CACHE_DIR`` when set (an empty value turns the cache off);
* else ``$XDG_CACHE_HOME/planner``, else ``~/.cache/planner``.

A cache that cannot be read or written is skipped silently: the fit is then done in memory.
Writes go to a temporary file renamed into place, so concurrent processes never see half a file.

Before the cache folder, the fits shipped with the package are looked up
(:data:`SHIPPED`, ``planner/chain/tokens/shipped_fits.json``): an entry whose key equals the
content key of the catalogs and code in use is used as is, so a fresh install with the shipped
data tree fits nothing. Any other data tree (``$PLANNER_HOME``) or changed fitting code gives
another key: the fit then runs once and is cached as above. ``python -m planner.chain.fit_ship``
regenerates the shipped file (:func:`recording` collects every fit a run makes).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from planner.errors import InputError
from planner.inputs import load_json_file

CACHE_ENV = "PLANNER_CACHE_DIR"
SHIPPED = Path(__file__).with_name("shipped_fits.json")
"""Fits of the shipped catalogs made by ``python -m planner.chain.fit_ship``: ``{kind: {key, value}}``."""

_LISTENERS: list[Callable[[str, bool], None]] = []
"""Called as ``(kind, False)`` before and ``(kind, True)`` after each fit that is neither shipped
nor cached: progress notices."""
_RECORD: list[dict[str, Any]] = []
"""While :func:`recording`: the one dict collecting ``{kind: {key, value}}`` of every fit run."""


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


def shipped_fits() -> dict[str, Any]:
    """The shipped fits ``{kind: {"key": ..., "value": ...}}`` ({} when the file is absent or broken)."""
    return _read(SHIPPED) or {}


@contextmanager
def fit_listener(callback: Callable[[str, bool], None]) -> Iterator[None]:
    """Within the block, ``callback(kind, False)`` runs before and ``callback(kind, True)`` after
    every fit that is neither shipped nor cached (a first run with these catalogs: the CLI prints a
    one-line notice and shows the fit as a stage with a live timer)."""
    _LISTENERS.append(callback)
    try:
        yield
    finally:
        _LISTENERS.remove(callback)


@contextmanager
def recording() -> Iterator[dict[str, Any]]:
    """Within the block every :func:`cached` value is fitted afresh (shipped fits and the cache
    folder are neither read nor written) and collected into the yielded ``{kind: {key, value}}``."""
    record: dict[str, Any] = {}
    _RECORD.append(record)
    try:
        yield record
    finally:
        _RECORD.remove(record)


def cached(kind: str, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()``'s JSON-able result: the shipped fit when its key is ``key``, else read from
    ``<cache>/<kind>-<key>.json`` when present, else computed (listeners told) and stored there."""
    if _RECORD:
        value = compute()
        _RECORD[-1][kind] = {"key": key, "value": value}
        return value
    shipped = shipped_fits().get(kind)
    if isinstance(shipped, dict) and shipped.get("key") == key:
        return shipped["value"]
    folder = cache_dir()
    path = None if folder is None else folder / f"{kind}-{key[:32]}.json"
    hit = None if path is None else _read(path)
    if hit is not None and hit.get("key") == key:
        return hit["value"]
    for listener in list(_LISTENERS):
        listener(kind, False)
    try:
        value = compute()
    finally:
        for listener in list(_LISTENERS):
            listener(kind, True)
    if path is not None:
        _write(path, {"key": key, "value": value})
    return value
