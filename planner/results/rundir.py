"""Run directories: written whole or not at all.

A run directory is first written under a hidden temporary sibling
(``.<name>.partial-<pid>``) and renamed into place when complete, so a crash or an
infeasible scenario leaves nothing half-written. An existing directory is never
overwritten.

Layout::

    RUN_DIR/
      scenario.resolved.yaml   the scenario with extends merged, overrides and defaults applied
      solver.log               the HiGHS log
      summary.json             status, objective, gap, bound, tokenomics, timings
      tables/*.csv             sites, fleet, energy_capacity, dispatch, flows, pipeline, costs, throughput,
                               capex_items, opex, models, regions, site_loss
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError, disk_error
from planner.results.atomic import claim, partial_name, write_failed
from planner.results.cells import inert_frame
from planner.scenario.load import resolved_yaml
from planner.scenario.schema import Scenario

TABLES = (
    "sites",
    "fleet",
    "energy_capacity",
    "dispatch",
    "flows",
    "pipeline",
    "costs",
    "throughput",
    "capex_items",
    "opex",
    "models",
    "regions",
    "site_loss",
)
INTEGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("gpus", "online_year", "in_service_year", "grid_in_service_year"),
    "fleet": ("blocks", "gpus_installed"),
    "energy_capacity": ("modules",),
    "dispatch": ("slice", "day", "hour"),
    "throughput": ("replica_gpus", "prefill_replica_gpus"),
    "capex_items": ("dollar_year", "base_year", "construction_start_year", "in_service_year"),
    "opex": ("dollar_year",),
}
"""Counts, modules and years: written as integers (``127512``, not ``127512.0``; empty where a
row has none). They are integer decisions or calendar years, so rounding only removes solver noise.
(``gpus`` of ``models.csv``/``regions.csv`` and ``spare_gpus`` of ``pipeline.csv`` are allocations,
fractional by design, and stay floats.)"""
MONEY_TABLES = ("capex_items", "opex", "costs", "models", "regions")
"""Tables whose columns add up to ``summary.json``: only exact zeros are cleaned (``-0``)."""
NOISE_REL = 1e-7
"""Solver noise: in the other tables a value below this fraction of its column's largest magnitude
(e.g. -4.45e-06 MW beside 100 MW) is written as 0."""


def default_run_dir(scenario_name: str, root: Path = Path("runs")) -> Path:
    """``runs/<scenario>-<UTC timestamp>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / f"{scenario_name}-{stamp}"


def check_new(out: Path) -> None:
    """Refuse an output location that exists (also a dangling symlink) or cannot be created.

    Checked before solving, so a long solve never ends in an output it cannot write: the
    nearest existing ancestor of ``out`` must be a directory the user may write into.
    """
    if out.exists() or out.is_symlink():
        what = "is a dangling symlink" if not out.exists() else "already exists"
        raise InputError(
            f"--out {out}: {what}; run directories are never overwritten (choose a new name or remove it)"
        )
    parent = out.absolute().parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"--out {out}: {parent} is not a directory; choose an output location in a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: the folder {parent} is {unwritable(parent)}; choose another location")


def unwritable(folder: Path) -> str:
    """Why ``folder`` cannot be written to: on a read-only file system, or not writable (permission)."""
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return "on a read-only file system" if read_only else "not writable (permission denied)"


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``out``; claim the name ``out`` for it on success, delete it otherwise.

    The temporary folder is removed on every path: an error, Ctrl-C, SIGTERM or SIGHUP while
    writing, a full or read-only disk (an InputError naming it, exit 2), and a claim refused
    because another run created ``out`` meanwhile (:func:`planner.results.atomic.claim`: the
    existing folder is never replaced, even an empty one).
    """
    check_new(out)
    tmp = partial_name(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise write_failed(exc, out, "--out") from None
    try:
        yield tmp
        check_new(out)
        claim(tmp, out)
    except OSError as exc:  # a full or read-only disk while writing the contents
        known = disk_error(exc, out)
        if known is None:
            raise
        raise known from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def clean_numbers(frame: pd.DataFrame, noise: bool) -> pd.DataFrame:
    """A copy with ``-0.0`` written as 0 and (``noise``) values within ``NOISE_REL`` of a column's
    largest magnitude set to 0. Floats are otherwise kept at full precision (shortest repr that
    reads back exactly), so sums over a table match ``summary.json``."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        values = out[col].to_numpy(dtype=float, copy=True)
        finite = values[pd.notna(values)]
        if noise and finite.size:
            tol = NOISE_REL * float(abs(finite).max())
            values[abs(values) < tol] = 0.0
        out[col] = values + 0.0  # -0.0 + 0.0 == +0.0
    return out


def with_integers(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of table ``name`` with its :data:`INTEGER_COLUMNS` as nullable integers (rounded)."""
    out = frame.copy()
    for col in INTEGER_COLUMNS.get(name, ()):
        if col in out.columns and not pd.api.types.is_bool_dtype(out[col]):
            values = pd.to_numeric(out[col], errors="coerce")
            out[col] = values.round().astype("Int64")
    return out


def write_contents(
    scenario: Scenario, summary: dict[str, Any], tables: dict[str, pd.DataFrame], directory: Path
) -> None:
    """Write the resolved scenario, summary and tables of a solved plan into ``directory``."""
    (directory / "scenario.resolved.yaml").write_text(resolved_yaml(scenario), encoding="utf-8")
    (directory / "summary.json").write_text(json.dumps(_clean(summary), indent=2) + "\n", encoding="utf-8")
    folder = directory / "tables"
    folder.mkdir(exist_ok=True)
    for name in TABLES:
        frame = with_integers(name, clean_numbers(tables[name], name not in MONEY_TABLES))
        inert_frame(frame).to_csv(folder / f"{name}.csv", index=False)
    log = directory / "solver.log"
    if not log.exists():
        log.write_text("(no solver log was captured)\n", encoding="utf-8")
