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
      tables/*.csv             sites, fleet, energy_capacity, dispatch, flows, pipeline, costs, throughput
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

from planner.errors import InputError
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
)
EXACT_TABLES = ("capex_items", "opex")
"""Tables written at full float precision: their USD columns add up to ``summary.json`` to the dollar."""


def default_run_dir(scenario_name: str, root: Path = Path("runs")) -> Path:
    """``runs/<scenario>-<UTC timestamp>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / f"{scenario_name}-{stamp}"


def check_new(out: Path) -> None:
    """Refuse an output directory that already exists."""
    if out.exists():
        raise InputError(
            f"--out {out}: already exists; "
            "run directories are never overwritten (choose a new name or remove it)"
        )


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``out``; rename it to ``out`` on success, delete it on error."""
    check_new(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    check_new(out)
    tmp.rename(out)


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


def write_contents(
    scenario: Scenario, summary: dict[str, Any], tables: dict[str, pd.DataFrame], directory: Path
) -> None:
    """Write the resolved scenario, summary and tables of a solved plan into ``directory``."""
    (directory / "scenario.resolved.yaml").write_text(resolved_yaml(scenario), encoding="utf-8")
    (directory / "summary.json").write_text(json.dumps(_clean(summary), indent=2) + "\n", encoding="utf-8")
    folder = directory / "tables"
    folder.mkdir(exist_ok=True)
    for name in TABLES:
        tables[name].to_csv(
            folder / f"{name}.csv", index=False, float_format=None if name in EXACT_TABLES else "%.6g"
        )
    log = directory / "solver.log"
    if not log.exists():
        log.write_text("(no solver log was captured)\n", encoding="utf-8")
