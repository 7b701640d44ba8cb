"""Break-even of losing sites: how much cheaper a site's power must be for the plan to open it.

For a candidate site L that the base plan leaves closed:

1. **Forced plan.** Solve the base scenario with one more row, ``open[L] = 1`` (everything else
   unchanged; the optimiser re-plans the other sites around L). Its cost ``C_L`` minus the base
   plan's ``C_0`` is the gap ``dC`` [USD/yr] (>= 0 up to the solvers' MIP gaps).
2. **Per MWh.** ``E_L`` = the facility energy L draws in the forced plan = facility_avg_mw x 8760
   [MWh/yr]; ``dC / E_L`` [USD/MWh] is the gap per MWh it draws.
3. **Power price.** L buys grid energy at its electricity price and gas for its on-site plants at
   its gas price: spend ``S_L`` = grid_energy cost + sum_e gen[L,e] x heat_rate[e] x gas_price[L]
   [USD/yr]. Scaling both prices of L by (1 - x) lowers the forced plan's cost by ``x S_L`` with
   its design and dispatch held fixed, so L enters when ``x S_L >= dC``::

       x* = dC / S_L        "L enters if its power price falls x*"

4. **Check.** Solve the base scenario (L not forced) with L's grid and gas prices x
   (1 - :data:`CHECK_MARGIN` x*) and report whether L opens.

First-order caveat: at a lower price the forced plan can also re-plan (buy more grid, burn more
gas), so its cost falls by at least ``x S_L``: the cheapest plan with L open is concave in the
price (a minimum of functions linear in it) with slope ``-S_L`` at the base price. Plans without
L do not depend on L's prices. So ``x*`` is an upper bound on the fall needed (L may enter at a
smaller one). Gas burned by bridge power and backup gensets is not in ``S_L``, which only
strengthens the bound. A gap below the solvers' MIP gap (``within_gap``) is solver noise: the
site is as good as in already. Only for the cost objective without ``demand.growth`` (whose
objective is a present value).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pyomo.environ as pyo

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InfeasibleError, InputError, NoSolutionError
from planner.scenario.schema import Scenario
from planner.studies.sensitivity import Chain, Request, aspect_of
from planner.studies.sweep import PointResult, attempt, solve_point

CHECK_MARGIN = 1.05
"""The check solve lowers the price 5% further than the first-order estimate ``x*`` (room for
the solvers' MIP gaps)."""
HOURS_PER_YEAR = 8760
ELEC = "electricity_price_usd_per_mwh"
GAS = "gas_price_usd_per_mmbtu"


def sensitivity_point(index: int, data: dict[str, Any], force: str | None) -> PointResult:
    """Worker task: solve the resolved scenario ``data`` (a dict), with site ``force`` open."""
    if force is None:
        return solve_point(index, data)
    return attempt(index, lambda log: solve_forced(data, force, log, load_catalogs()))


def solve_forced(data: dict[str, Any], site: str, log_path: Path | None, catalogs: Catalogs) -> Any:
    """:func:`planner.solve` with the row ``open[site] = 1`` added; a SolveResult.

    Raises InputError (site not a candidate), InfeasibleError (no plan with it open),
    NoSolutionError (none found in the time limit)."""
    from planner.api import SolveResult, extract_tables, resolve_scenario, summarize
    from planner.model.build import build_model
    from planner.model.highs import solve as highs_solve
    from planner.model.inputs import build_inputs

    scn = resolve_scenario(data, catalogs)
    inp = build_inputs(scn, catalogs)
    if site not in inp.sites:
        raise InputError(f"break-even: {site} is not a candidate site of the scenario")
    m = build_model(inp)
    m.sensitivity_forced_open = pyo.Constraint(expr=m.site.open[site] == 1)
    pol = scn.policy
    outcome = highs_solve(m, scn.solver, log_path, None, warm_start=(pol.min_sites, pol.max_sites))
    if (
        outcome.status in ("infeasible", "unbounded")
        or not outcome.has_solution
        and outcome.status == "optimal"
    ):
        raise InfeasibleError(f"no plan with {site} open meets the scenario's demand and limits")
    if not outcome.has_solution:
        raise NoSolutionError(f"no plan with {site} open found before the solver stopped ({outcome.status})")
    tables = extract_tables(m, inp)
    return SolveResult(scn, outcome.status, summarize(scn, inp, m, outcome, tables), tables, inp, m, outcome)


def break_even_applies(scn: Scenario) -> str | None:
    """None when break-even can be computed for ``scn``, else why not."""
    if scn.objective != "cost":
        return "break-even needs the cost objective"
    if scn.demand.growth:
        return "break-even needs a scenario without demand.growth (its objective is a present value)"
    return None


def losing_sites(
    base: PointResult, others: list[PointResult], scn: Scenario, catalogs: Catalogs, count: int | None
) -> list[str]:
    """The candidate sites the base plan leaves closed, most relevant first: those that open at
    some other point of the sensitivity (most often first), then by grid electricity price
    (cheapest first); the first ``count`` (all when None)."""
    from planner.scenario.load import apply_site_overrides, selected_sites

    chosen = set((base.summary or {}).get("sites") or [])
    seen = Counter(s for p in others if p.summary for s in p.summary.get("sites") or [] if s not in chosen)
    price = apply_site_overrides(scn, catalogs)[ELEC].astype(float)
    order = sorted(
        (s for s in selected_sites(scn, catalogs) if s not in chosen), key=lambda s: (-seen[s], price[s], s)
    )
    return order if count is None else order[:count]


def purchased_spend(point: PointResult, site: str, scn: Scenario, catalogs: Catalogs) -> dict[str, float]:
    """What ``site`` pays for bought power in a plan [USD/yr]: grid energy, and gas burned on site
    (sum_e generation [MWh/yr] x heat rate [MMBtu/MWh] x the site's gas price [USD/MMBtu])."""
    from planner.scenario.load import apply_site_overrides

    tables = point.tables or {}
    costs = tables["costs"]
    grid = float(
        costs.loc[
            (costs["site_id"] == site) & (costs["category"] == "grid_energy"), "annualized_cost_usd"
        ].sum()
    )
    gas_price = float(apply_site_overrides(scn, catalogs).at[site, GAS])
    energy = tables["energy_capacity"]
    gen = energy[energy["site_id"] == site].groupby("tech_id")["generation_mwh_per_yr"].sum()
    kind = catalogs.energy["kind"].astype(str)
    heat = catalogs.energy["heat_rate_mmbtu_per_mwh"].astype(float)
    fuel = sum(
        float(mwh) * float(heat[t]) * gas_price
        for t, mwh in gen.items()
        if t in kind.index and kind[t] == "gas" and math.isfinite(gas_price)
    )
    return {"grid_spend_usd_per_yr": grid, "gas_spend_usd_per_yr": fuel}


def break_even_row(
    site: str, base: PointResult, forced: PointResult, scn: Scenario, catalogs: Catalogs
) -> dict[str, Any]:
    """One ``break_even.csv`` row (method in the module docstring)."""
    row: dict[str, Any] = {"site_id": site, "forced_status": forced.status}
    if forced.summary is None or base.summary is None:
        row["note"] = f"forced open: {forced.status}: {forced.message}".strip()
        return row
    c0, c1 = (float(p.summary["objective_value"]) * 1e6 for p in (base, forced))  # type: ignore[index]
    sites = (forced.tables or {})["sites"].set_index("site_id")
    energy = float(sites.at[site, "facility_avg_mw"]) * HOURS_PER_YEAR
    spend = purchased_spend(forced, site, scn, catalogs)
    bought = spend["grid_spend_usd_per_yr"] + spend["gas_spend_usd_per_yr"]
    tol = max(float(p.summary.get("mip_gap") or 0.0) for p in (base, forced)) * abs(c0)  # type: ignore[union-attr]
    gap = c1 - c0
    row |= {
        "forced_sites": aspect_of(forced, "sites"),
        "forced_cost_usd_per_mtok": forced.summary.get("cost_usd_per_mtok"),
        "cost_gap_usd_per_yr": gap,
        "cost_gap_share": gap / c0 if c0 else None,
        "within_gap": gap <= tol,
        "energy_mwh_per_yr": energy,
        "gap_usd_per_mwh": gap / energy if energy > 0 else None,
        **spend,
        "price_change": -max(gap, 0.0) / bought if bought > 0 else None,
    }
    if energy <= 0:
        row["note"] = "serves nothing when forced open (the cheapest plan with it open leaves it empty)"
    elif bought <= 0:
        row["note"] = "buys no grid power or gas when forced open: its power price cannot bring it in"
    elif gap > bought:
        row["note"] = "would need its power price below zero: price alone cannot bring it in"
    return row


def price_overrides(site: str, change: float, scn: Scenario, catalogs: Catalogs) -> dict[str, Any]:
    """``sites.overrides`` that scale ``site``'s grid and gas prices by (1 + ``change``) (the
    catalog values or the scenario's overrides, before the scenario's price scales, which
    then apply on top as for every site)."""
    from planner.scenario.sites import sites_with_overrides

    row = sites_with_overrides(scn, catalogs.sites).loc[site]
    out = {}
    for col in (ELEC, GAS):
        value = float(row[col])
        if math.isfinite(value):
            out[f"sites.overrides.{site}.{col}"] = value * (1 + change)
    return out


def break_even_chain(site: str, base: PointResult, scn: Scenario, catalogs: Catalogs) -> Chain:
    """Force ``site`` open, compute its break-even price change, then check it by a solve at
    :data:`CHECK_MARGIN` times that change; returns the row."""
    forced = yield Request(force=site, about=f"{site} forced open")
    row = break_even_row(site, base, forced, scn, catalogs)
    change = row.get("price_change")
    if change is None or "note" in row or row.get("within_gap"):
        return row
    check = max(change * CHECK_MARGIN, -0.999)
    point = yield Request(
        price_overrides(site, check, scn, catalogs), about=f"{site} at {check:+.1%} power price"
    )
    row |= {
        "check_price_change": check,
        "check_status": point.status,
        "check_opens": site in ((point.summary or {}).get("sites") or []),
        "check_sites": aspect_of(point, "sites"),
    }
    return row
