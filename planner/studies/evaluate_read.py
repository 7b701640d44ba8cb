"""A plan's investments read back from its run directory, for ``planner evaluate``.

What is read (docs/outputs.md, "Run directory"), each checked by :func:`planner.results.rundir_read.read_run`
(file, columns, numbers) and then here (values):

- ``tables/sites.csv``: open sites, their cooling, IT MW [MW] and grid connection [MW];
- ``tables/fleet.csv``: GPU blocks per (site, GPU) (``blocks``, first row of each pair);
- ``tables/energy_capacity.csv``: MW per generator, modules of modular plant, battery MW and MWh;
- ``summary.json``: ``sites_in_service`` (backup genset MW per site);
- ``scenario.resolved.yaml``: the scenario the plan was solved for (the default future).

Every broken value raises :class:`planner.errors.InputError` (exit code 2) naming the file and
the site, column or value. :func:`find_plans` finds the run directories under a folder (a
sweep's ``DIR/points/*``, a Pareto or alternatives output): ``summary.json`` one or two levels down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.results.rundir_read import read_run

TOL = 1e-6
"""Integrality tolerance of GPU blocks and plant modules read from CSV [-]."""


@dataclass(frozen=True)
class Plan:
    """The investments of a solved plan (MW, MWh, GPU blocks, plant modules) and where they came from."""

    path: Path
    name: str
    scenario: dict[str, Any]
    cooling: dict[str, str]  # open site -> cooling id
    it_mw: dict[str, float]  # open site -> IT capacity [MW]
    grid_mw: dict[str, float]  # open site -> grid connection [MW]
    blocks: dict[tuple[str, str], int]  # (site, GPU) -> purchasable blocks [-]
    gpus: dict[tuple[str, str], float]  # (site, GPU) -> GPUs installed [GPU]
    generation_mw: dict[tuple[str, str], float]  # (site, tech) -> capacity [MW]
    modules: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, tech) -> modules [-]
    battery_mw: dict[str, float] = field(default_factory=dict)  # site -> battery power [MW]
    battery_mwh: dict[str, float] = field(default_factory=dict)  # site -> battery energy [MWh]
    backup_mw: dict[str, float] = field(default_factory=dict)  # site -> backup gensets [MW]
    planned_cost_usd: float | None = None  # summary.json annualized_cost_usd: in its own scenario [USD/yr]

    @property
    def sites(self) -> list[str]:
        """Open sites of the plan."""
        return list(self.cooling)


def read_plan(run_dir: Path | str, name: str | None = None) -> Plan:
    """Read and check the investments of the run directory ``run_dir`` (see the module docstring)."""
    run = read_run(run_dir, tables=("sites", "fleet", "energy_capacity"))
    path = run.path
    sites = run.tables["sites"]
    opened = sites[sites["open"]]
    if opened.empty:
        raise InputError(f"{path / 'tables' / 'sites.csv'}: no open site; not a solved plan")
    cooling, it_mw, grid_mw = {}, {}, {}
    for r in opened.itertuples():
        where = f"{path / 'tables' / 'sites.csv'}, site {r.site_id}"
        if not r.cooling_id:
            raise InputError(f"{where}: an open site without a cooling_id")
        cooling[r.site_id] = r.cooling_id
        it_mw[r.site_id] = _amount(r.it_mw, f"{where}, column 'it_mw'")
        grid_mw[r.site_id] = _amount(r.grid_connection_mw, f"{where}, column 'grid_connection_mw'")
    blocks, gpus = _fleet(run.tables["fleet"], path / "tables" / "fleet.csv", cooling)
    energy = _energy(run.tables["energy_capacity"], path / "tables" / "energy_capacity.csv", cooling)
    backup = _backup(run.summary, path / "summary.json", cooling)
    label = name or str(run.name)
    planned = run.number("annualized_cost_usd") if "annualized_cost_usd" in run.summary else None
    return Plan(
        path,
        label,
        run.scenario,
        cooling,
        it_mw,
        grid_mw,
        blocks,
        gpus,
        backup_mw=backup,
        planned_cost_usd=planned,
        **energy,
    )


def _amount(value: Any, where: str) -> float:
    """A finite non-negative number, or InputError naming ``where``."""
    x = float(value) if value is not None else math.nan
    if not math.isfinite(x) or x < 0:
        raise InputError(f"{where}: {value!r} is not a finite non-negative number")
    return x


def _count(value: Any, where: str) -> int:
    """A non-negative whole number (within :data:`TOL`), or InputError naming ``where``."""
    x = _amount(value, where)
    if abs(x - round(x)) > TOL:
        raise InputError(f"{where}: {value!r} is not a whole number")
    return int(round(x))


def _open_site(site: str, cooling: dict[str, str], where: str) -> None:
    if site not in cooling:
        raise InputError(f"{where}: site {site} is not an open site of tables/sites.csv")


def _fleet(
    fleet: pd.DataFrame, path: Path, cooling: dict[str, str]
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], float]]:
    """GPU blocks and GPUs per (site, GPU): the first row of each pair carries them."""
    blocks, gpus = {}, {}
    for r in fleet.drop_duplicates(["site_id", "gpu_id"]).itertuples():
        where = f"{path}, site {r.site_id}, GPU {r.gpu_id}"
        _open_site(r.site_id, cooling, where)
        blocks[r.site_id, r.gpu_id] = _count(r.blocks, f"{where}, column 'blocks'")
        gpus[r.site_id, r.gpu_id] = _amount(r.gpus_installed, f"{where}, column 'gpus_installed'")
    if not blocks:
        raise InputError(f"{path}: no GPUs installed; not a solved plan")
    return blocks, gpus


def _energy(energy: pd.DataFrame, path: Path, cooling: dict[str, str]) -> dict[str, dict]:
    """Generator MW and modules, battery MW and MWh per site (grid rows: see ``sites.csv``)."""
    out: dict[str, dict] = {"generation_mw": {}, "modules": {}, "battery_mw": {}, "battery_mwh": {}}
    for r in energy.itertuples():
        where = f"{path}, site {r.site_id}, tech {r.tech_id}"
        _open_site(r.site_id, cooling, where)
        mw = _amount(r.capacity_mw, f"{where}, column 'capacity_mw'")
        if r.kind == "grid":
            continue
        if r.kind == "battery":
            out["battery_mw"][r.site_id] = mw
            out["battery_mwh"][r.site_id] = _amount(r.energy_mwh, f"{where}, column 'energy_mwh'")
            continue
        out["generation_mw"][r.site_id, r.tech_id] = mw
        if r.modules is not None and not math.isnan(r.modules):
            out["modules"][r.site_id, r.tech_id] = _count(r.modules, f"{where}, column 'modules'")
    return out


def _backup(summary: dict[str, Any], path: Path, cooling: dict[str, str]) -> dict[str, float]:
    """Backup genset MW per open site from ``sites_in_service`` (absent: none)."""
    rows = summary.get("sites_in_service") or {}
    if not isinstance(rows, dict):
        raise InputError(f"{path}: 'sites_in_service' must be an object of sites")
    out = {}
    for site, row in rows.items():
        if site in cooling and isinstance(row, dict) and row.get("backup_mw") is not None:
            out[site] = _amount(row["backup_mw"], f"{path}, sites_in_service.{site}.backup_mw")
    return out


def find_plans(root: Path | str) -> dict[str, Path]:
    """Run directories at ``root`` (itself one) or one or two levels below (e.g. a sweep's
    ``points/*``), by name (their path relative to ``root``), sorted; InputError if none."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: not found (expected a run directory or a folder of run directories)")
    if (root / "summary.json").exists():
        return {root.name: root}
    found = sorted(
        {
            p.parent
            for pattern in ("*/summary.json", "*/*/summary.json")
            for p in root.glob(pattern)
            if not any(part.startswith(".") for part in p.relative_to(root).parts)  # staging folders
        }
    )
    if not found:
        raise InputError(
            f"{root}: no summary.json in it or one or two levels down; "
            "expected a run directory (planner solve) or a sweep, Pareto or alternatives output"
        )
    return {p.relative_to(root).as_posix(): p for p in found}
