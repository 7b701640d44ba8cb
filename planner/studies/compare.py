"""Annual vs hourly: the same scenario solved in both time modes, and the annual plan
re-dispatched hour by hour.

Annual mode sees average capacity factors, prices and PUE; it cannot see nights, calm
days or hot afternoons. Fixing the annual plan's sites and cooling in the hourly model,
keeping its GPU blocks, IT capacity, plant, grid connection and backup gensets as lower
bounds (no battery), and re-solving gives that plan's hourly cost: never below its annual
cost, since the hourly operation has to follow every slice's weather and demand instead of
the year's averages.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.api import SolveResult, resolve_scenario, solve
from planner.catalogs.load import Catalogs, load_catalogs
from planner.model.build import build_model
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs

FIXED = (("site", "open"), ("site", "y"))
"""(block, variable) pairs of the plan kept exactly: sites and cooling."""
AT_LEAST = (
    ("fleet", "blocks"),
    ("site", "it_cap"),
    ("energy", "cap"),
    ("energy", "grid_cap"),
    ("redundancy", "backup"),
)
"""Capacities kept as lower bounds: hourly operation may need more GPUs (the busiest hour of
the typical days), IT and firm capacity (the hottest hour's PUE), plant or backup gensets than
the annual averages showed, never less. (Backup is sized on the peak PUE, which in hourly mode
is the hottest representative-day hour, below the annual mode's 8760-hour peak: without the
bound a replay could drop gensets the plan bought.)"""


def hourly_cost_of_plan(annual: SolveResult, days: int, catalogs: Catalogs) -> dict[str, Any]:
    """Re-dispatch the annual plan on ``days`` representative days; its annual cost [USD/yr] and status."""
    hourly_scn = annual.scenario.model_copy(
        update={"time": annual.scenario.time.model_copy(update={"mode": "representative_days", "days": days})}
    )
    inp = build_inputs(hourly_scn, catalogs)
    m = build_model(inp)
    for block, name in FIXED + AT_LEAST:
        src, dst = getattr(getattr(annual.model, block), name), getattr(getattr(m, block), name)
        for index in dst:
            value = pyo.value(src[index]) if index in src else 0.0
            if (block, name) in FIXED:
                dst[index].fix(value)
            else:
                dst[index].setlb(min(value, dst[index].ub if dst[index].ub is not None else value))
    if inp.storage:
        for s in inp.sites:
            m.energy.st_power[s].fix(0.0)
            m.energy.st_energy[s].fix(0.0)
    out = highs_solve(m, hourly_scn.solver)
    if not out.has_solution:
        return {"status": out.status, "annualized_cost_usd": None}
    return {
        "status": out.status,
        "annualized_cost_usd": pyo.value(m.cost.total) * 1e6,
        "emissions_t_per_yr": pyo.value(m.cost.emissions_total),
    }


def annual_vs_hourly(scenario: Any = None, days: int = 8, catalogs: Catalogs | None = None) -> pd.DataFrame:
    """Cost and carbon of a scenario in annual and hourly mode, and of the annual plan run hourly."""
    catalogs = catalogs or load_catalogs()
    base = resolve_scenario(scenario, catalogs)
    annual = solve(base, overrides={"time.mode": "annual"}, catalogs=catalogs)
    hourly = solve(base, overrides={"time.mode": "representative_days", "time.days": days}, catalogs=catalogs)
    replay = hourly_cost_of_plan(annual, days, catalogs)
    rows = [
        {
            "case": "annual mode (optimal annual plan)",
            "status": annual.status,
            "annualized_cost_usd": annual.summary["annualized_cost_usd"],
            "emissions_t_per_yr": annual.summary["emissions_t_per_yr"],
            "sites": ", ".join(annual.summary["sites"]),
            "solve_s": annual.summary["timings"]["total_s"],
        },
        {
            "case": f"annual plan dispatched on {days} representative days",
            **replay,
            "sites": ", ".join(annual.summary["sites"]),
            "solve_s": None,
        },
        {
            "case": f"hourly mode ({days} representative days, optimal hourly plan)",
            "status": hourly.status,
            "annualized_cost_usd": hourly.summary["annualized_cost_usd"],
            "emissions_t_per_yr": hourly.summary["emissions_t_per_yr"],
            "sites": ", ".join(hourly.summary["sites"]),
            "solve_s": hourly.summary["timings"]["total_s"],
        },
    ]
    return pd.DataFrame(rows)
