"""Time to power and redundancy of a solved plan, per site: the ``tables/sites.csv`` columns
``online_year, in_service_year, in_service_bound, grid_in_service_year, bridge_mw, bridge_for,
bridge_kept_mw, backup_mw, power_redundancy, largest_contingency_mw, largest_contingency`` and the
``summary.json`` entry ``sites_in_service``.

In-service year of an open site = the latest in-service year of what it needs::

    in_service[s] = max(Y_site[s] (building), Y_g[g] for every GPU type installed,
                        Y_e[e] for every plant built, Y_grid[s] if a grid tie is built,
                        with Y_bridge in place of Y_grid / Y_e for an asset covered by bridge power)

``in_service_bound`` names the asset that sets it: ``construction``, ``<gpu> delivery`` (e.g.
``B200 delivery``), ``grid queue``, ``bridge power`` or ``<tech> delivery`` (e.g. ``ngcc delivery``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.model.bridge import asset_year, bridged
from planner.model.inputs import ModelInputs
from planner.model.redundancy import largest_contingency_mw
from planner.model.timing import site_online_year

TINY_MW = 1e-3
"""Capacities below this [MW] are solver noise and do not set an in-service year."""
READINESS_COLUMNS = (
    "online_year",
    "in_service_year",
    "in_service_bound",
    "grid_in_service_year",
    "bridge_mw",
    "bridge_for",
    "bridge_kept_mw",
    "backup_mw",
    "power_redundancy",
    "largest_contingency_mw",
    "largest_contingency",
)


def _v(x: Any) -> float:
    out = pyo.value(x, exception=False)
    return 0.0 if out is None else float(out)


def _in_service(m: pyo.ConcreteModel, inp: ModelInputs, s: str, bridge: dict[str, float]) -> tuple[int, str]:
    """In-service year of open site ``s`` and what bounds it (see the module docstring);
    ``bridge``: bridge MW per bridged asset."""
    tm = inp.timing
    assert tm is not None
    years = [(tm.site_year[s], tm.site_bound[s])]
    years += [(tm.gpu_year[g], f"{g} delivery") for g in inp.gpus if _v(m.fleet.n_gpu[s, g]) > 0.5]
    built = [e for e in inp.generators if _v(m.energy.cap[s, e]) > TINY_MW]
    if "grid" in inp.techs and _v(m.energy.grid_cap[s]) > TINY_MW:
        built.append("grid")
    for a in built:
        if bridge.get(a, 0.0) > TINY_MW:
            years.append((tm.bridge_year, "bridge power"))
        else:
            name = "grid queue" if a == "grid" else tm.site_tech_bound.get((s, a), f"{a} delivery")
            years.append((asset_year(tm, s, a), name))
    if inp.storage and _v(m.energy.st_power[s]) > TINY_MW:
        years.append((tm.tech_year["battery"], "battery delivery"))
    year = max(y for y, _ in years)
    return year, next(name for y, name in years if y == year)


def readiness_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """One row per candidate site (index ``site_id``) with :data:`READINESS_COLUMNS`; empty
    values for closed sites."""
    level = inp.redundancy.level if inp.redundancy else "none"
    rows = []
    for s in inp.sites:
        row: dict[str, Any] = {"site_id": s}
        if _v(m.site.open[s]) > 0.5 and inp.timing is not None:
            bridge = {a: mw for a, mw in bridged(m, s).items() if mw > TINY_MW}
            year, bound = _in_service(m, inp, s, bridge)
            big, name = largest_contingency_mw(m, inp, s)
            row.update(
                online_year=site_online_year(m, s),
                in_service_year=year,
                in_service_bound=bound,
                grid_in_service_year=inp.timing.grid_year[s] if _v(m.energy.grid_cap[s]) > TINY_MW else None,
                bridge_mw=sum(bridge.values()),
                bridge_for=";".join(bridge) or None,
                bridge_kept_mw=sum(bridged(m, s, "keep").values()),
                backup_mw=_v(m.redundancy.backup[s]),
                power_redundancy=level,
                largest_contingency_mw=big,
                largest_contingency=name,
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["site_id", *READINESS_COLUMNS]).set_index("site_id")


def readiness_summary(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``summary.json`` ``sites_in_service``: the readiness columns of each open site."""
    open_rows = table.dropna(subset=["in_service_year"])
    out = {}
    for s, r in open_rows.iterrows():
        out[str(s)] = {
            c: (None if pd.isna(r[c]) else (int(r[c]) if c.endswith("_year") else r[c]))
            for c in READINESS_COLUMNS
        }
    return out


def bridge_text(row: dict[str, Any]) -> str:
    """``52 grid`` / ``76 geothermal (76 kept)``: a ``sites_in_service`` row's bridge MW and the late
    assets it covers (printed by ``planner solve`` and in the plan report)."""
    mw = float(row.get("bridge_mw") or 0.0)
    if mw <= 0:
        return "0"
    kept = float(row.get("bridge_kept_mw") or 0.0)
    text = f"{mw:,.0f} {row.get('bridge_for') or ''}".strip()
    return text + (f" ({kept:,.0f} kept)" if kept > 0 else "")
