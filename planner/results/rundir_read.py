"""Reading a run directory back: the one door for every file of it, checked as hostile input.

``read_run(run_dir) -> RunData`` and the per-file readers :func:`read_summary`,
:func:`read_scenario`, :func:`read_table` and :func:`read_sweep_manifest` are used by everything
that works from a finished run (``map``, ``export``, ``evaluate``, ``sweep --resume``, and the
commands that show or report a run). A run directory may have been edited by hand, damaged
or written by someone else, so every file is read under the rules of :mod:`planner.inputs`:

* regular files only, at most :data:`MAX_JSON_BYTES` / :data:`MAX_YAML_BYTES` /
  :data:`MAX_TABLE_BYTES` bytes and :data:`MAX_TABLE_ROWS` rows (per table, see
  :data:`TABLE_MAX_ROWS`), read before anything is parsed;
* JSON nesting depth checked on the text before parsing; NaN, Infinity and overflowing
  numbers (``1e400``) refused;
* ``summary.json`` typed by :class:`SummaryFields` (finite numbers, text, counts);
* ``scenario.resolved.yaml`` re-validated against the scenario schema (types, ranges);
* each table: documented columns present, numbers finite and within
  :func:`column_range` (latitudes, years, lead times, lives, shares, counts), text without
  control characters, unique keys (:data:`TABLE_KEYS`).

Every problem raises :class:`planner.errors.InputError` (exit code 2) naming the file, the
field or the CSV line and column and what is allowed; the file's content is never quoted.
Extra columns and summary keys are kept, so a newer run directory stays readable.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.inputs import load_json_file, load_plain_yaml, read_input_bytes, read_input_text
from planner.results.capex_columns import LINE_COLUMNS, LINE_REQUIRED, OPEX_COLUMNS, OPEX_REQUIRED, is_text
from planner.results.rundir_schema import (
    MAX_JSON_BYTES,
    MAX_TABLE_BYTES,
    MAX_YAML_BYTES,
    TABLE_KEYS,
    TABLE_MAX_ROWS,
    column_range,
    manifest_problem,
    scenario_problem,
    summary_problem,
)

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
    "capex_items": {c: TEXT if is_text(c) else NUM for c in LINE_COLUMNS},
    "opex": {c: TEXT if is_text(c) else NUM for c in OPEX_COLUMNS},
}
"""Documented columns of each ``tables/<name>.csv`` and their kind (text, number, bool)."""

OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "sites": {
        **dict.fromkeys(("online_year", "in_service_year", "grid_in_service_year"), NUM),
        **dict.fromkeys(("bridge_mw", "bridge_kept_mw", "backup_mw", "largest_contingency_mw"), NUM),
        **dict.fromkeys(("in_service_bound", "bridge_for", "power_redundancy", "largest_contingency"), TEXT),
    },
}
"""Columns added in later versions: checked and typed when present (older run directories lack them)."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "sites": ("site_id", "lat", "lon", "it_mw", "gpus", "tokens_per_s", "facility_peak_mw"),
    "fleet": ("site_id", "gpu_id", "model_id", "gpus_allocated_peak"),
    "energy_capacity": ("site_id", "tech_id", "capacity_mw"),
    "flows": ("site_id", "region_id", "model_id", "tokens_per_s", "rtt_ms"),
    "dispatch": ("site_id", "slice"),
    "pipeline": ("site_id",),
    "costs": ("site_id", "category", "annualized_cost_usd"),
    "throughput": ("gpu_id", "model_id"),
    "capex_items": LINE_REQUIRED,
    "opex": OPEX_REQUIRED,
}
"""Columns that must hold a value in every row (others may be empty: a closed site has no PUE)."""

SUMMARY_KEYS: tuple[str, ...] = ("status", "objective")
"""Keys every ``summary.json`` must have; callers add the ones they use."""

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_CONTROL = r"[\x00-\x08\x0a-\x1f\x7f]"  # every control character but TAB


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
            raise InputError(f"{self.path / 'summary.json'}: '{key}' must be a number (finite)")
        return float(value)


def read_run(
    run_dir: Path | str, tables: Iterable[str] | None = None, summary_keys: Iterable[str] = ()
) -> RunData:
    """Read and check a run directory.

    Parameters
    ----------
    run_dir : The run directory (``planner solve --out``).
    tables : Table names to read (default: the tables of :data:`TABLE_COLUMNS` but the capex ones).
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
    default = [n for n in TABLE_COLUMNS if n not in ("capex_items", "opex")]
    names = default if tables is None else list(tables)
    return RunData(run_dir, summary, scenario, {n: read_table(run_dir, n) for n in names})


def _require_file(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        raise InputError(
            f"{path}: file not found; is this a complete run directory written by `planner solve`?"
        )


def read_summary(path: Path, keys: Iterable[str] = SUMMARY_KEYS) -> dict[str, Any]:
    """``summary.json`` as a dict: a bounded JSON object with ``keys``, typed by :class:`SummaryFields`."""
    _require_file(path)
    data = load_json_file(path, MAX_JSON_BYTES, "run summary")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of summary fields, got a {type(data).__name__}")
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputError(f"{path}: missing key(s) {', '.join(missing)}")
    problem = summary_problem(data)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    return data


def read_scenario(path: Path) -> dict[str, Any]:
    """``scenario.resolved.yaml`` as a plain dict, re-validated against the scenario schema."""
    _require_file(path)
    text = read_input_text(path, MAX_YAML_BYTES, "resolved scenario")
    data = load_plain_yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("demand"), dict):
        raise InputError(f"{path}: expected a resolved scenario (a mapping with 'name' and 'demand')")
    problem = scenario_problem(data)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    return data


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    """``tables/<name>.csv`` with its documented columns checked and typed (see the module docstring)."""
    if name not in TABLE_COLUMNS:
        raise InputError(f"unknown run-directory table '{name}'; known: {', '.join(TABLE_COLUMNS)}")
    path = Path(run_dir) / "tables" / f"{name}.csv"
    _require_file(path)
    raw_bytes = read_input_bytes(path, MAX_TABLE_BYTES, "run table")
    limit = TABLE_MAX_ROWS.get(name, TABLE_MAX_ROWS["*"])
    try:
        df = pd.read_csv(
            io.BytesIO(raw_bytes), dtype=str, keep_default_na=False, encoding="utf-8", nrows=limit + 1
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError):
        raise InputError(
            f"{path}: cannot read CSV (expected UTF-8 comma-separated text with a header)"
        ) from None
    if len(df) > limit:
        raise InputError(f"{path}: more than the {limit:,} rows allowed in a run's {name} table")
    spec = TABLE_COLUMNS[name]
    missing = [c for c in spec if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected: {', '.join(spec)}")
    extra = {c: k for c, k in OPTIONAL_COLUMNS.get(name, {}).items() if c in df.columns}
    for col, kind in (spec | extra).items():
        df[col] = _typed(df[col], kind, path, col)
    for col in REQUIRED.get(name, ()):
        _refuse(df[col].isna(), path, col, "empty; a value is required")
    _unique(df, TABLE_KEYS.get(name, ()), path)
    return df


def _typed(raw: pd.Series, kind: str, path: Path, col: str) -> pd.Series:
    """Convert one column; the first bad value is reported by CSV line (header = line 1), never shown."""
    text = raw.str.strip()
    if kind == TEXT:
        bad = text.str.contains(_CONTROL, regex=True)
        _refuse(bad, path, col, "text with a control character (CR, LF, ESC, ...) is not allowed")
        return text.where(text != "", None)
    if kind == BOOL:
        low = text.str.lower()
        _refuse(~low.isin(_TRUE | _FALSE), path, col, "must be true or false")
        return low.isin(_TRUE).astype(bool)
    empty = text.isin(["", "nan", "NaN"])
    value = pd.to_numeric(text.where(~empty, None), errors="coerce").astype(float)
    _refuse(value.isna() & ~empty, path, col, "not a number")
    lo, hi, integer = column_range(col)
    finite = value.to_numpy()
    _refuse(pd.Series(np.isinf(finite), index=value.index), path, col, "not a finite number")
    _refuse((value < lo) | (value > hi), path, col, f"must be between {lo:g} and {hi:g}")
    if integer:
        _refuse((value - value.round()).abs() > 1e-6, path, col, "must be a whole number (a year)")
    return value


def _refuse(bad: pd.Series, path: Path, col: str, what: str) -> None:
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(f"{path}, line {i + 2}, column '{col}': {what}")


def _unique(df: pd.DataFrame, key: tuple[str, ...], path: Path) -> None:
    """Each key (e.g. ``site_id``) at most once; the second occurrence is named by line."""
    if not key:
        return
    dup = df.duplicated(list(key))
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError(
            f"{path}, line {i + 2}: a second row for the same {' / '.join(key)}; each must be unique"
        )


def refuse_unknown_ids(ids: pd.Series, known: set[str], path: Path, where: str, hint: str = "") -> None:
    """InputError naming the CSV line of the first site id of ``ids`` not in ``known`` and how many
    rows have one (``where`` says what it is not in); the id itself is not quoted (file content)."""
    bad = ~ids.isin(known)
    if bad.any():
        line = int(bad.to_numpy().argmax()) + 2
        raise InputError(
            f"{path}, line {line}, column 'site_id': a site id {where} ({int(bad.sum()):,} such row(s)){hint}"
        )


def read_sweep_manifest(path: Path) -> dict[str, Any] | None:
    """A sweep's ``manifest.json``: None when it is truncated (a killed sweep, rebuilt by the caller);
    InputError when it is not a file or its fields have the wrong types (see
    :func:`planner.results.rundir_schema.manifest_problem`)."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not the sweep's manifest file; use a new --out")
    try:
        data = load_json_file(path, MAX_JSON_BYTES, "sweep manifest")
    except InputError as exc:
        if "not valid JSON (" in str(exc):  # truncated by a kill: rebuilt
            return None
        raise
    problem = manifest_problem(data)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    return data
