"""Helpers shared between test modules: paths, the tiny scenario, dict edits and small file helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
"""The repository root (holds scenarios/, data/, models/)."""
PROFILE_DATA = TESTS_DIR / "data" / "profiles"
"""Small user profile files (NSRDB, renewables.ninja, PVGIS, plain) of a few catalog sites."""
SMALL_SCENARIO = ROOT / "scenarios" / "small_5_sites.yaml"

TINY: dict[str, Any] = {
    "name": "tiny",
    "description": "three sites, two streams, two GPUs, two coolings: small enough to enumerate",
    "demand": {
        "served": [
            {"region": "us-south", "model": "llama-3.1-70b", "tokens_per_s": 2.0e5},
            {"region": "us-east", "model": "llama-3.1-8b", "tokens_per_s": 3.0e5},
        ],
        "latency_ms": {"llama-3.1-70b": 60, "llama-3.1-8b": 60},
        "peak_to_average": 1.3,
        "start_year": 2026,  # pinned: GPUs are bought only while sold (gpus.csv end_of_sale_year)
    },
    "sites": {"include": ["abilene_tx", "loudoun_va", "new_albany_oh"]},
    "technologies": {"energy": ["grid", "pv", "ngcc"], "gpus": ["H100", "GB200"], "cooling": ["air", "dlc"]},
    "policy": {"min_sites": 1},
    "time": {"mode": "annual"},
    "prices": {
        "grid_tariff": "retail_average",
        "gas_infrastructure": "excluded",
    },  # the hand calculations of most tests; tariffs: test_tariff.py, gas: test_gas.py
    "solver": {"mip_gap": 0.0, "time_limit_s": 300, "threads": 1},
}
"""Three sites, two streams, two GPUs, two coolings (use the ``tiny`` fixture for a fresh copy)."""


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of ``base`` with dotted-path ``changes`` applied."""
    out = copy.deepcopy(base)
    for path, value in changes.items():
        node = out
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return out


def edit_csv_cell(path: Path, key: dict[str, str], column: str, value: str) -> int:
    """Set ``column`` of the CSV row whose columns equal ``key`` (e.g. ``{"gpu_id": "H200"}``) to
    ``value``, every cell kept as text; return the row's 1-based CSV line number (header = line 1)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    match = pd.Series(True, index=df.index)
    for name, wanted in key.items():
        match &= df[name] == wanted
    i = int(df.index[match][0])
    df.loc[i, column] = value
    df.to_csv(path, index=False)
    return i + 2


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    """Write one fixture file under ``tmp_path``."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def write_run(result, out: Path) -> Path:
    """Write the run directory of a :func:`planner.solve` result to ``out`` (as ``planner solve`` does)."""
    from planner.results.rundir import staging, write_contents

    with staging(out) as tmp:
        write_contents(result.scenario, result.summary, result.tables, tmp)
    return out


def read_summary(run: Path) -> dict:
    """``summary.json`` of a run directory."""
    return json.loads((run / "summary.json").read_text())


def no_map_files(run: Path) -> bool:
    """True if the run directory holds no map file, finished or partial."""
    return not list(run.glob("map.*")) and not list(run.glob(".map.*"))


def highs_optimum(
    lp: highspy.HighsLp, relaxed: bool, bounds: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[float, np.ndarray]:
    """Monolithic HiGHS on ``lp`` (its LP relaxation when ``relaxed``; with ``bounds`` = (lower,
    upper) column bounds replacing the model's) to a 1e-7 gap: objective and column values."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.passModel(lp)
    n = lp.num_col_
    if relaxed:
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), [highspy.HighsVarType.kContinuous] * n)
    if bounds is not None:
        h.changeColsBounds(n, np.arange(n, dtype=np.int32), *bounds)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)
