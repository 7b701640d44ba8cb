"""What the plan report reads from a run directory, read and checked once.

Everything comes from the run directory alone, through the checked readers of
:mod:`planner.results.rundir_read` (summary, resolved scenario, tables) and
:mod:`planner.results.export` (capex line items and opex, which must add up to ``summary.json``,
and the spend schedule made from them). A missing or broken file raises
:class:`planner.errors.InputError` (exit code 2) naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.results.export import read_capex_run, spend_schedule
from planner.results.rundir_read import RunData, read_run

TABLES = ("sites", "fleet", "energy_capacity", "dispatch", "costs", "throughput", "models", "site_loss")
"""Run-directory tables the report reads (``tables/<name>.csv``)."""
NUMBERS = (
    "served_tokens_per_s",
    "cost_usd_per_mtok",
    "annualized_cost_usd",
    "capex_usd",
    "facility_joules_per_token",
    "gco2e_per_mtok",
    "water_l_per_mtok",
    "it_mw",
    "facility_mw",
)
"""``summary.json`` keys the report (and ``planner show``) print that must be numbers."""
SUMMARY_KEYS = ("status", "objective", *NUMBERS, "mip_gap", "gpus", "energy_mix_share")
"""``summary.json`` keys the report (and ``planner show``) print."""


@dataclass(frozen=True)
class ReportData:
    """A run directory as the report uses it: the checked run, the capex line items, opex and
    the spend schedule by year (constant USD, construction over lead times, replacements within
    the export's default horizon)."""

    run: RunData
    line_items: pd.DataFrame
    opex: pd.DataFrame
    schedule: pd.DataFrame

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.run.tables

    @property
    def open_sites(self) -> pd.DataFrame:
        """Rows of ``sites.csv`` of the open sites, in file order."""
        sites = self.tables["sites"]
        return sites[sites["open"]]


READY_NUMBERS = ("in_service_year", "backup_mw", "largest_contingency_mw")
"""Fields of each ``sites_in_service`` row that must be numbers."""
PLAN_TABLES = ("sites", "models", "site_loss")
"""Tables the printed plan uses (``planner show``)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_plan_summary(run: RunData) -> None:
    """The ``summary.json`` fields the plan printout and the report format must be numbers (``mip_gap``
    also null) and ``gpus`` / ``energy_mix_share`` mappings of numbers; else InputError naming the key."""
    for key in NUMBERS:
        run.number(key)
    path = run.path / "summary.json"
    if run.summary["mip_gap"] is not None and not _is_number(run.summary["mip_gap"]):
        raise InputError(f"{path}: 'mip_gap' must be a number or null, got {run.summary['mip_gap']!r}")
    for key in ("gpus", "energy_mix_share"):
        value = run.summary[key]
        if not isinstance(value, dict) or not all(_is_number(v) for v in value.values()):
            raise InputError(f"{path}: '{key}' must map ids to numbers, got {value!r}")
    for key, numbers in (("gpus_by_basis", ()), ("sites_in_service", READY_NUMBERS)):
        value = run.summary.get(key) or {}
        rows = value.values() if isinstance(value, dict) else [None]
        if not all(isinstance(r, dict) and all(_is_number(r.get(n)) for n in numbers) for r in rows):
            raise InputError(
                f"{path}: '{key}' must map each id to a mapping"
                + (f" with numbers {', '.join(numbers)}" if numbers else "")
            )


def read_plan(run_dir: Path | str) -> RunData:
    """What ``planner show`` prints: the checked summary and the sites, models and site-loss tables."""
    run = read_run(run_dir, tables=PLAN_TABLES, summary_keys=SUMMARY_KEYS)
    check_plan_summary(run)
    return run


def read_report_data(run_dir: Path | str) -> ReportData:
    """Read and check everything the report shows; InputError (exit 2) naming a missing or broken file."""
    run = read_run(run_dir, tables=TABLES, summary_keys=SUMMARY_KEYS)
    check_plan_summary(run)
    capex = read_capex_run(run_dir)
    return ReportData(run, capex.line_items, capex.opex, spend_schedule(capex.line_items))
