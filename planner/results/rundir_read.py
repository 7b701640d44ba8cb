"""Reading a run directory back: ``read_run(run_dir) -> RunData``, checked file by file.

Used by everything that works from a finished run (maps, capex export). A missing file, a
``summary.json`` that is not a JSON object or lacks a key, a ``scenario.resolved.yaml`` that
is not a YAML mapping, a table that cannot be parsed, lacks a documented column or holds a
non-numeric value in a numeric column raises :class:`planner.errors.InputError` (exit code 2)
naming the file (and the column and CSV line where it applies).

The columns checked are the documented ones (README "Run directory"); extra columns are
kept, so a newer run directory stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planner.errors import InputError

TEXT, NUM, BOOL = "text", "number", "bool"

TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "sites": {
        "site_id": TEXT,
        "name": TEXT,
        "lat": NUM,
        "lon": NUM,
        "open": BOOL,
        "cooling_id": TEXT,
        "pue": NUM,
        "it_mw": NUM,
        "it_avg_mw": NUM,
        "facility_peak_mw": NUM,
        "facility_avg_mw": NUM,
        "gpus": NUM,
        "tokens_per_s": NUM,
        "grid_connection_mw": NUM,
        "water_ml_per_yr": NUM,
        "emissions_t_per_yr": NUM,
        "annualized_cost_usd": NUM,
        "cost_usd_per_mtok": NUM,
        "gco2e_per_mtok": NUM,
        "facility_joules_per_token": NUM,
    },
    "fleet": {
        "site_id": TEXT,
        "gpu_id": TEXT,
        "status": TEXT,
        "cooling_id": TEXT,
        "blocks": NUM,
        "gpus_installed": NUM,
        "model_id": TEXT,
        "gpus_allocated_peak": NUM,
        "tokens_per_s_per_gpu": NUM,
        "tokens_per_s_capacity": NUM,
    },
    "energy_capacity": {
        "site_id": TEXT,
        "tech_id": TEXT,
        "kind": TEXT,
        "capacity_mw": NUM,
        "modules": NUM,
        "energy_mwh": NUM,
        "generation_mwh_per_yr": NUM,
        "capacity_factor": NUM,
        "curtailed_mwh_per_yr": NUM,
    },
    "dispatch": {
        "site_id": TEXT,
        "slice": NUM,
        "day": NUM,
        "hour": NUM,
        "weight_h": NUM,
        "facility_mw": NUM,
        "it_mw": NUM,
        "grid_mw": NUM,
        "charge_mw": NUM,
        "discharge_mw": NUM,
        "soc_mwh": NUM,
        "curtailed_mw": NUM,
    },
    "flows": {
        "site_id": TEXT,
        "region_id": TEXT,
        "model_id": TEXT,
        "tokens_per_s": NUM,
        "rtt_ms": NUM,
        "latency_budget_ms": NUM,
        "site_lat": NUM,
        "site_lon": NUM,
    },
    "pipeline": {
        "site_id": TEXT,
        "pv_photons_per_s": NUM,
        "ch4_molecules_per_s": NUM,
        "electric_w": NUM,
        "facility_w": NUM,
        "it_w": NUM,
        "it_gpu_w": NUM,
        "it_host_cpu_memory_w": NUM,
        "it_host_other_w": NUM,
        "it_network_w": NUM,
        "it_spare_w": NUM,
        "spare_gpus": NUM,
        "flop_per_s": NUM,
        "tokens_per_s": NUM,
        "facility_joules_per_token": NUM,
    },
    "costs": {"site_id": TEXT, "category": TEXT, "annualized_cost_usd": NUM},
    "throughput": {"gpu_id": TEXT, "model_id": TEXT, "tokens_per_s_per_gpu": NUM, "source": TEXT},
    "models": {
        "model_id": TEXT,
        "tokens_per_s": NUM,
        "token_share": NUM,
        "gpus": NUM,
        "it_mw": NUM,
        "facility_mw": NUM,
        "facility_avg_mw": NUM,
        "energy_mwh_per_yr": NUM,
        "gpu_cost_usd": NUM,
        "site_cost_usd": NUM,
        "energy_cost_usd": NUM,
        "annualized_cost_usd": NUM,
        "emissions_t_per_yr": NUM,
        "cost_usd_per_mtok": NUM,
        "facility_joules_per_token": NUM,
        "gco2e_per_mtok": NUM,
    },
    "site_loss": {
        "lost_site_id": TEXT,
        "model_id": TEXT,
        "peak_tokens_per_s": NUM,
        "share_alone": NUM,
        "tokens_per_s_alone": NUM,
        "share_together": NUM,
        "coverage_required": NUM,
    },
}
"""Documented columns of each ``tables/<name>.csv`` and their kind (text, number, bool)."""

SUMMARY_KEYS: tuple[str, ...] = ("status", "objective")
"""Keys every ``summary.json`` must have; callers add the ones they use."""

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


@dataclass(frozen=True)
class RunData:
    """A run directory read back: the summary, the resolved scenario and the tables asked for."""

    path: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario name (from the resolved scenario, else the summary, else the folder)."""
        return str(self.scenario.get("name") or self.summary.get("scenario") or self.path.name)

    def number(self, key: str) -> float:
        """``summary[key]`` as a float; InputError naming summary.json if it is missing or not a number."""
        value = self.summary.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{self.path / 'summary.json'}: '{key}' must be a number, got {value!r}")
        return float(value)


def read_run(
    run_dir: Path | str, tables: Iterable[str] | None = None, summary_keys: Iterable[str] = ()
) -> RunData:
    """Read and check a run directory.

    Parameters
    ----------
    run_dir : The run directory (``planner solve --out``).
    tables : Table names to read (default: every documented table).
    summary_keys : Keys ``summary.json`` must have besides :data:`SUMMARY_KEYS`.

    Raises
    ------
    InputError : naming the file (and column, line) that is missing or broken.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(
            f"run directory {run_dir}: not found (expected the folder written by `planner solve --out`)"
        )
    summary = read_summary(run_dir / "summary.json", (*SUMMARY_KEYS, *summary_keys))
    scenario = read_scenario(run_dir / "scenario.resolved.yaml")
    names = list(TABLE_COLUMNS) if tables is None else list(tables)
    return RunData(run_dir, summary, scenario, {n: read_table(run_dir, n) for n in names})


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(
            f"{path}: file not found; is this a complete run directory written by `planner solve`?"
        )


def read_summary(path: Path, keys: Iterable[str] = SUMMARY_KEYS) -> dict[str, Any]:
    """``summary.json`` as a dict; it must be a JSON object with ``keys``."""
    _require_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of summary fields, got {type(data).__name__}")
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputError(f"{path}: missing key(s) {', '.join(missing)}")
    return data


def read_scenario(path: Path) -> dict[str, Any]:
    """``scenario.resolved.yaml`` as a plain dict (not re-validated: it was valid when solved)."""
    _require_file(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("demand"), dict):
        raise InputError(f"{path}: expected a resolved scenario (a mapping with 'name' and 'demand')")
    return data


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    """``tables/<name>.csv`` with its documented columns checked and typed."""
    if name not in TABLE_COLUMNS:
        raise InputError(f"unknown run-directory table '{name}'; known: {', '.join(TABLE_COLUMNS)}")
    path = Path(run_dir) / "tables" / f"{name}.csv"
    _require_file(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read CSV ({exc})") from None
    spec = TABLE_COLUMNS[name]
    missing = [c for c in spec if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected: {', '.join(spec)}")
    for col, kind in spec.items():
        df[col] = _typed(df[col], kind, path, col)
    return df


def _typed(raw: pd.Series, kind: str, path: Path, col: str) -> pd.Series:
    """Convert one column; the first bad value is reported with its CSV line (header = line 1)."""
    text = raw.str.strip()
    if kind == TEXT:
        return text.where(text != "", None)
    if kind == BOOL:
        low = text.str.lower()
        bad = ~low.isin(_TRUE | _FALSE)
        value = low.isin(_TRUE)
    else:
        value = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = value.isna() & (text != "") & ~text.str.lower().isin({"nan", "inf", "-inf"})
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(f"{path}, column '{col}', line {i + 2}: {raw.iloc[i]!r} is not a {kind}")
    return value.astype(float) if kind == NUM else value.astype(bool)
