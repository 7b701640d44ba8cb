"""Capex export of a run directory: ``export_capex(run_dir, fmt) -> [written files]``.

Works from the run directory alone (``summary.json``, ``scenario.resolved.yaml``,
``tables/capex_items.csv``, ``tables/opex.csv``, written by ``planner solve``; see
:mod:`planner.results.capex`). The line items and opex are taken as they are; the exporter adds the spend
schedule, the assumptions and the summary, and writes five sheets:

``line_items``      one row per capex line item (``tables/capex_items.csv``)
``spend_schedule``  capex by calendar year: construction spread evenly over each item's lead
                    time, then replacement at end of life within the planning horizon
``opex``            annual operating cost per site and category (``tables/opex.csv``)
``assumptions``     every input value behind the numbers, with its catalog source
``summary``         the reconciliation totals and the tokenomics of ``summary.json``

Formats: ``xlsx`` (one workbook, one sheet each), ``json`` (one object, a key per sheet, each a
list of records), ``csv`` and ``parquet`` (one file per sheet: ``<stem>_<sheet>.<ext>`` beside
``--out``). An existing directory as ``--out`` gets ``capex.<ext>`` inside. Every file is written
under a temporary name and renamed when complete; an existing export file of the same name is
replaced. A missing or broken input file, or tables that do not
add up to ``summary.json``, raise :class:`~planner.errors.InputError` (exit code 2) naming the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.results.atomic import new_files, write_failed
from planner.results.capex_columns import LINE_COLUMNS, LINE_REQUIRED, OPEX_COLUMNS, OPEX_REQUIRED, is_text
from planner.results.cells import inert_frame
from planner.results.rundir_read import read_scenario, read_summary, read_table, refuse_unknown_ids
from planner.results.workbook import write_workbook

FORMATS = ("xlsx", "csv", "json", "parquet")
SHEETS = ("line_items", "spend_schedule", "opex", "assumptions", "summary")
WORKBOOK_SHEETS = ("totals", "phasing", *SHEETS)
"""Sheets of ``capex.xlsx``: the live totals and phasing first (:mod:`planner.results.workbook`)."""
DEFAULT_HORIZON_YEARS = 15
SPEND_COLUMNS = (
    "scenario",
    "year",
    "site_id",
    "category",
    "item_id",
    "item",
    "spend_type",
    "capex_usd",
    "dollar_year",
)
ASSUMPTION_COLUMNS = ("parameter", "category", "item_id", "site_id", "value", "unit", "source")
SUMMARY_COLUMNS = ("metric", "value", "unit", "text")
UNIT_SUFFIXES = (  # metric name ending -> unit of the summary sheet (first match wins)
    ("annualized_cost_usd", "USD/yr"),
    ("usd_per_mtok", "USD/Mtok"),
    ("_usd_per_yr", "USD/yr"),
    ("_usd", "USD"),
    ("gco2e_per_mtok", "gCO2e/Mtok"),
    ("gco2e_per_mtok_location_based", "gCO2e/Mtok"),
    ("gco2e_per_mtok_market_based", "gCO2e/Mtok"),
    ("methane_gwp", "years"),
    ("_t_per_yr", "tCO2e/yr"),
    ("joules_per_token", "J/token"),
    ("water_ml_per_yr", "ML/yr"),
    ("l_per_mtok", "L/Mtok"),
    ("tokens_per_s", "tokens/s"),
    ("_mw", "MW"),
    ("share", "fraction"),
    ("mip_gap", "fraction"),
    ("_years", "years"),
    ("_year", "year"),
    ("_s", "s"),
)
RECONCILE_REL = 1e-6
"""Largest relative gap tolerated between the tables and ``summary.json`` before the run is refused."""


@dataclass(frozen=True)
class CapexRun:
    """What the capex export reads from a run directory."""

    path: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    line_items: pd.DataFrame
    opex: pd.DataFrame


def _read_table(run_dir: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``tables/<name>.csv`` read by :func:`planner.results.rundir_read.read_table` (sizes, numbers,
    ranges, keys), its ``columns`` in order, empty text as ``""``."""
    path = run_dir / "tables" / f"{name}.csv"
    if not path.exists() and not path.is_symlink():
        raise InputError(
            f"{path}: file not found; run directories written before the capex export lack it: "
            "solve the scenario again"
        )
    out = read_table(run_dir, name)[list(columns)].copy()
    for col in columns:
        if is_text(col):
            out[col] = out[col].fillna("")
    return out


def read_capex_run(run_dir: Path | str) -> CapexRun:
    """Read and check what the export needs; the tables must add up to ``summary.json``."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(
            f"run directory {run_dir}: not found (expected the folder written by `planner solve --out`)"
        )
    summary_path = run_dir / "summary.json"
    summary = read_summary(
        summary_path, ("scenario", "objective", "objective_value", "capex_usd", "annualized_cost_usd")
    )
    for key in ("capex_usd", "annualized_cost_usd"):
        if isinstance(summary[key], bool) or not isinstance(summary[key], (int, float)):
            raise InputError(f"{summary_path}: '{key}' must be a finite number")
    scenario = read_scenario(run_dir / "scenario.resolved.yaml")
    items = _read_table(run_dir, "capex_items", LINE_COLUMNS)
    opex = _read_table(run_dir, "opex", OPEX_COLUMNS)
    for frame, required in ((items, LINE_REQUIRED), (opex, OPEX_REQUIRED)):  # read_table refused gaps
        for col in (c for c in required if c.endswith("_year")):
            frame[col] = frame[col].round().astype(int)
    checks = (
        ("capex_items", "capex_usd", float(items["capex_usd"].sum()), "capex_usd"),
        (
            "capex_items and opex",
            "annualized_cost_usd_per_yr + variable opex_usd_per_yr",
            float(
                items["annualized_cost_usd_per_yr"].sum()
                + opex.loc[opex["cost_type"] == "variable", "opex_usd_per_yr"].sum()
            ),
            "annualized_cost_usd",
        ),
    )
    for table, what, total, key in checks:
        if abs(total - summary[key]) > RECONCILE_REL * max(1.0, abs(summary[key])):
            raise InputError(
                f"{run_dir / 'tables'}: sum of {table} {what} = {total:,.2f} does not match "
                f"{summary_path} {key} = {summary[key]:,.2f}; "
                "the run directory is inconsistent (edited or mixed files)"
            )
    sites = set(read_table(run_dir, "sites")["site_id"])
    for table, frame in (("capex_items", items), ("opex", opex)):
        refuse_unknown_ids(frame["site_id"], sites, run_dir / "tables" / f"{table}.csv", "not in sites.csv")
    return CapexRun(run_dir, summary, scenario, items, opex)


def spend_schedule(items: pd.DataFrame, horizon_years: int = DEFAULT_HORIZON_YEARS) -> pd.DataFrame:
    """Capex by calendar year [USD of ``dollar_year``, no escalation].

    Construction spend of each line is spread evenly over ``[base_year + start_offset_years,
    + lead_time_years)`` (a lead time of 0 is one payment at the start) and is always scheduled in
    full; each depreciable line is then bought again at the end of each life (``in service +
    k x life_years``) while that falls before ``base_year + horizon_years`` (GPU refresh, and
    cooling, batteries, electrical... when the horizon reaches their end of life).
    """
    rows: list[dict[str, Any]] = []
    for r in items.itertuples(index=False):
        start = r.base_year + r.start_offset_years
        end = start + r.lead_time_years
        key = {
            "scenario": r.scenario,
            "site_id": r.site_id,
            "category": r.category,
            "item_id": r.item_id,
            "item": r.item,
            "dollar_year": r.dollar_year,
        }
        if r.lead_time_years <= 0:
            rows.append(
                key
                | {"year": math.floor(start + 1e-9), "spend_type": "construction", "capex_usd": r.capex_usd}
            )
        else:
            for year in range(math.floor(start + 1e-9), math.ceil(end - 1e-9)):
                share = (min(end, year + 1) - max(start, year)) / r.lead_time_years
                if share > 0:
                    rows.append(
                        key | {"year": year, "spend_type": "construction", "capex_usd": r.capex_usd * share}
                    )
        if pd.notna(r.life_years) and r.life_years > 0:
            horizon_end, k = r.base_year + horizon_years, 1
            while end + k * r.life_years < horizon_end - 1e-9:
                rows.append(
                    key
                    | {
                        "year": math.floor(end + k * r.life_years + 1e-9),
                        "spend_type": "replacement",
                        "capex_usd": r.capex_usd,
                    }
                )
                k += 1
    df = pd.DataFrame(rows, columns=list(SPEND_COLUMNS))
    group = ["scenario", "year", "site_id", "category", "item_id", "item", "spend_type", "dollar_year"]
    df = df.groupby(group, sort=False, as_index=False)["capex_usd"].sum()
    return df.sort_values(["year", "spend_type"], kind="stable").reset_index(drop=True)[list(SPEND_COLUMNS)]


def _site_specific(source: str) -> bool:
    return source.startswith(("sites.csv", "scenario sites.overrides"))


def assumptions_table(run: CapexRun, horizon_years: int) -> pd.DataFrame:
    """Every input value used by the line items and opex, with its source, plus the scenario's finance
    and price settings."""
    rows: list[dict[str, Any]] = []

    def add(
        parameter: str, category: str, item_id: str, site: str, value: Any, unit: str, source: str
    ) -> None:
        key = assumption_key(parameter, site, value, unit, source)
        if key is not None:
            rows.append(dict(zip(("parameter", "site_id", "value", "unit", "source"), key)))
            rows[-1] |= {"category": category, "item_id": item_id}

    for r in run.line_items.itertuples(index=False):
        add(
            "unit cost",
            r.category,
            r.item_id,
            r.site_id,
            r.unit_cost_usd,
            f"USD/{r.unit}",
            r.unit_cost_source,
        )
        add("life", r.category, r.item_id, r.site_id, r.life_years, "years", r.life_source)
        add("wacc", r.category, r.item_id, r.site_id, r.wacc, "fraction/yr (real)", r.wacc_source)
        add("lead time", r.category, r.item_id, r.site_id, r.lead_time_years, "years", r.lead_time_source)
        if r.fixed_om_usd_per_yr:
            add(
                "fixed O&M",
                r.category,
                r.item_id,
                r.site_id,
                r.fixed_om_usd_per_unit_yr,
                f"USD/{r.unit}-yr",
                r.fixed_om_source,
            )
    for r in run.opex[run.opex["cost_type"] == "variable"].itertuples(index=False):
        add(
            "unit price",
            r.category,
            r.item_id,
            r.site_id,
            r.unit_cost_usd,
            r.unit_cost_unit,
            r.unit_cost_source,
        )
    scn = run.scenario
    for section in ("finance", "prices"):
        for key, value in (scn.get(section) or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                add(
                    f"{section}.{key}",
                    "scenario",
                    "scenario",
                    "",
                    value,
                    "",
                    f"scenario.resolved.yaml {section}.{key}",
                )
    if isinstance(scn.get("carbon_price_usd_per_t"), (int, float)):
        add(
            "carbon_price_usd_per_t",
            "scenario",
            "scenario",
            "",
            scn["carbon_price_usd_per_t"],
            "USD/tCO2e",
            "scenario.resolved.yaml carbon_price_usd_per_t",
        )
    items = run.line_items
    if len(items):
        add(
            "dollar year",
            "finance",
            "dollar_year",
            "",
            float(items["dollar_year"].mode().iloc[0]),
            "year",
            "finance.csv dollar_year (catalog money is in USD of this year; "
            "energy.csv dollar_year per technology)",
        )
        add(
            "base year",
            "export",
            "base_year",
            "",
            float(items["base_year"].iloc[0]),
            "year",
            "year construction starts: the year in the scenario name, else the year of the solve, "
            "or planner export --base-year",
        )
    add(
        "horizon",
        "export",
        "horizon_years",
        "",
        float(horizon_years),
        "years",
        "planner export --horizon-years: "
        "replacements at end of life are scheduled within base_year + horizon",
    )
    df = pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))
    key = ["parameter", "site_id", "value", "unit", "source"]
    joined = df.groupby(key, sort=False, dropna=False).agg(
        {c: lambda x: ", ".join(dict.fromkeys(map(str, x))) for c in ("category", "item_id")}
    )
    return joined.reset_index()[list(ASSUMPTION_COLUMNS)]


def assumption_key(
    parameter: str, site: str, value: Any, unit: str, source: str
) -> tuple[str, str, float, str, str] | None:
    """The identity of one input on the ``assumptions`` sheet (None for a missing value): inputs with
    the same parameter, value, unit and source are one row (one cell to change in ``capex.xlsx``),
    whatever the lines using them; ``site`` only for site-specific sources."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    # unit costs are capex / quantity: drop the rounding noise so equal inputs are one row
    number = float(f"{float(value):.12g}")
    return (parameter, site if _site_specific(source) else "", number, unit, source)


def assumption_rows(assumptions: pd.DataFrame) -> Callable[[str, str, Any, str, str], int | None]:
    """``lookup(parameter, site_id, value, unit, source)`` -> the Excel row of that input on the
    ``assumptions`` sheet (header on row 1), or None."""
    rows = {
        (r.parameter, r.site_id, float(r.value), r.unit, r.source): i + 2
        for i, r in enumerate(assumptions.itertuples(index=False))
    }

    def lookup(parameter: str, site: str, value: Any, unit: str, source: str) -> int | None:
        key = assumption_key(parameter, site, value, unit, source)
        return None if key is None else rows.get(key)

    return lookup


def _flatten(prefix: str, value: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, (bool, str)):
        out.append({"metric": prefix, "value": math.nan, "text": str(value)})
    elif isinstance(value, (int, float)):
        out.append({"metric": prefix, "value": float(value), "text": ""})
    elif isinstance(value, (list, tuple)):
        out.append({"metric": prefix, "value": math.nan, "text": ", ".join(map(str, value))})
    else:  # None
        out.append({"metric": prefix, "value": math.nan, "text": ""})


def summary_table(run: CapexRun, schedule: pd.DataFrame, horizon_years: int) -> pd.DataFrame:
    """Reconciliation totals of the export (``export.*``), then every field of ``summary.json``
    (nested keys joined by dots)."""
    items, opex = run.line_items, run.opex
    variable = float(opex.loc[opex["cost_type"] == "variable", "opex_usd_per_yr"].sum())
    totals = {
        "export.capex_usd": float(items["capex_usd"].sum()),
        "export.annualized_capex_usd_per_yr": float(items["annualized_capex_usd_per_yr"].sum()),
        "export.fixed_om_usd_per_yr": float(items["fixed_om_usd_per_yr"].sum()),
        "export.variable_opex_usd_per_yr": variable,
        "export.annualized_cost_usd_per_yr": float(items["annualized_cost_usd_per_yr"].sum()) + variable,
        "export.spend_schedule_capex_usd": float(schedule["capex_usd"].sum()),
        "export.replacement_capex_usd": float(
            schedule.loc[schedule["spend_type"] == "replacement", "capex_usd"].sum()
        ),
        "export.horizon_years": float(horizon_years),
        "export.base_year": float(items["base_year"].iloc[0]) if len(items) else math.nan,
    }
    rows: list[dict[str, Any]] = []
    _flatten("", totals, rows)
    _flatten("", run.summary, rows)
    objective = "MUSD/yr" if run.summary.get("objective") == "cost" else "tCO2e/yr"
    if objective == "MUSD/yr" and run.summary.get("demand_growth"):
        objective = "MUSD (present value at start_year)"  # phased: planner.model.phasing
    for row in rows:
        row["unit"] = _unit(row["metric"], objective)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _unit(metric: str, objective_unit: str) -> str:
    """Unit of a summary-sheet metric, from its name (units are part of the names)."""
    if metric in ("objective_value", "best_bound"):
        return objective_unit
    if metric.startswith(("gpus.", "gpus_by_basis.", "gpus_total_by_basis.")):
        return "GPUs"
    if metric.startswith("contracts_taken_mw."):
        return "MW"
    if metric == "conservative_quantile":
        return "fraction"
    if metric.startswith("capex_by_category_usd."):
        return "USD"
    if metric.startswith("energy_mix_share."):
        return "fraction"
    if metric.startswith("timings."):
        return "s"
    return next((unit for suffix, unit in UNIT_SUFFIXES if metric.endswith(suffix)), "")


def capex_sheets(
    run_dir: Path | str, horizon_years: int = DEFAULT_HORIZON_YEARS, base_year: int | None = None
) -> dict[str, pd.DataFrame]:
    """The five sheets of the capex export of ``run_dir`` (``base_year`` shifts every year column)."""
    if not isinstance(horizon_years, int) or not 1 <= horizon_years <= 100:
        raise InputError(f"--horizon-years {horizon_years}: expected a whole number of years from 1 to 100")
    run = read_capex_run(run_dir)
    if base_year is not None:
        if not 1900 <= base_year <= 2200:
            raise InputError(f"--base-year {base_year}: expected a calendar year (1900-2200)")
        items = run.line_items.copy()
        shift = base_year - items["base_year"]
        for col in ("base_year", "construction_start_year", "in_service_year"):
            items[col] = items[col] + shift
        run = CapexRun(run.path, run.summary, run.scenario, items, run.opex)
    schedule = spend_schedule(run.line_items, horizon_years)
    return {
        "line_items": run.line_items,
        "spend_schedule": schedule,
        "opex": run.opex,
        "assumptions": assumptions_table(run, horizon_years),
        "summary": summary_table(run, schedule, horizon_years),
    }


def output_paths(run_dir: Path, fmt: str, out: Path | None) -> dict[str, Path]:
    """Where each sheet goes: one file for xlsx/json (key ``*``), ``<stem>_<sheet>.<ext>`` for csv/parquet."""
    if fmt not in FORMATS:
        raise InputError(f"--capex '{fmt}': allowed formats are {', '.join(FORMATS)}")
    out = Path(out) if out is not None else run_dir / f"capex.{fmt}"
    if out.is_dir():
        out = out / f"capex.{fmt}"
    if out.suffix and out.suffix.lower() != f".{fmt}":
        raise InputError(
            f"--out {out}: the extension must be .{fmt} for --capex {fmt} (or none for csv/parquet)"
        )
    if fmt in ("xlsx", "json"):
        return {"*": out if out.suffix else out.with_suffix(f".{fmt}")}
    stem = out.with_suffix("") if out.suffix else out
    return {sheet: stem.with_name(f"{stem.name}_{sheet}.{fmt}") for sheet in SHEETS}


def refuse_existing(paths: Mapping[str, Path]) -> None:
    """An explicit ``--out`` never replaces a file (or a dangling symlink) already there."""
    taken = [p for p in paths.values() if p.exists() or p.is_symlink()]
    if taken:
        raise InputError(
            f"--out {taken[0]}: already exists; exports to --out never overwrite "
            "(choose a new name, remove it, or pass --overwrite)"
        )


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON records: NaN -> null, numpy scalars -> Python."""
    out = []
    for rec in df.to_dict(orient="records"):
        out.append(
            {
                k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
                for k, v in rec.items()
            }
        )
    return out


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path) -> None:
    """The live workbook of the export (:mod:`planner.results.workbook`)."""
    write_workbook(sheets, assumption_rows(sheets["assumptions"]), path)


def export_capex(
    run_dir: Path | str,
    fmt: str,
    out: Path | str | None = None,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    base_year: int | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write the capex export of ``run_dir`` in ``fmt`` (xlsx, csv, json, parquet); return the files written.

    Default ``out``: ``RUN_DIR/capex.<fmt>`` (csv/parquet: ``RUN_DIR/capex_<sheet>.<fmt>``), which
    is rewritten; an explicit ``out`` must not exist unless ``overwrite``.
    """
    run_dir = Path(run_dir)
    paths = output_paths(run_dir, fmt, Path(out) if out is not None else None)
    if out is not None and not overwrite:
        refuse_existing(paths)
    sheets = capex_sheets(run_dir, horizon_years, base_year)
    for path in paths.values():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failed(exc, path, "--out") from None
    # the default location in the run directory is rewritten; an explicit --out only with --overwrite
    with new_files(list(paths.values()), overwrite=overwrite or out is None) as tmps:
        for key, tmp in zip(paths, tmps, strict=True):
            if fmt == "xlsx":
                write_xlsx(sheets, tmp)
            elif fmt == "json":
                tmp.write_text(
                    json.dumps({name: _records(df) for name, df in sheets.items()}, indent=1, allow_nan=False)
                    + "\n",
                    encoding="utf-8",
                )
            elif fmt == "csv":
                inert_frame(sheets[key]).to_csv(tmp, index=False)
            else:
                sheets[key].to_parquet(tmp, index=False, engine="pyarrow")
    return list(paths.values())
