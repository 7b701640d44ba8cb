"""Phasing block (``demand.growth``): each year's share of demand is served by the sites already in
service that year. A site comes into service in one year (``m.timing.on``) and from then serves
its full flows; the plan is the last year's, so the objective stays that year's annualised cost.

Equations (k stream with demand D_k, y growth year with share f_y < 1, levels j of ``m.timing``)::

    early[s,k,y] <= flow[s,k]                                 [Mtoken/s]
    early[s,k,y] <= D_k * sum_{j <= y} on[s,j]                only sites in service by y
    sum_s early[s,k,y] >= f_y * D_k                           year y's demand met

``early`` is exactly min(flow, D_k * [site in service by y]) at the bound, so the rows are the
exact statement "sites in service by y carry at least f_y of each stream".
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.units import Mtok_s


def add_phasing(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.phasing`` (needs ``m.demand`` and ``m.timing``); empty without ``demand.growth``."""
    b = pyo.Block()
    m.phasing = b
    tm = inp.timing
    years = [y for y, f in sorted(tm.growth.items()) if f < 1.0] if tm is not None else []
    if not years:
        return b
    dem, timing = m.demand, m.timing
    b.Y = pyo.Set(initialize=years, ordered=True)
    b.share = pyo.Param(b.Y, initialize={y: tm.growth[y] for y in years})
    b.early = pyo.Var(dem.SK, b.Y, domain=pyo.NonNegativeReals, units=Mtok_s)
    b.within_flow = pyo.Constraint(
        dem.SK, b.Y, rule=lambda b, s, r, mod, y: b.early[s, r, mod, y] <= dem.flow[s, r, mod]
    )
    b.in_service = pyo.Constraint(
        dem.SK,
        b.Y,
        rule=lambda b, s, r, mod, y: (
            b.early[s, r, mod, y] <= dem.demand[r, mod] * sum(timing.on[s, j] for j in timing.K if j <= y)
        ),
    )
    by_stream: dict[tuple[str, str], list[str]] = {k: [] for k in inp.streams}
    for s, r, mod in dem.SK:
        by_stream[r, mod].append(s)
    b.met = pyo.Constraint(
        dem.K,
        b.Y,
        rule=lambda b, r, mod, y: (
            sum(b.early[s, r, mod, y] for s in by_stream[r, mod]) >= b.share[y] * dem.demand[r, mod]
        ),
    )
    return b


def served_share_by_year(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[int, float]:
    """Share of total demand the solved plan serves in each online year: the full flows of the
    sites in service by then [-] (empty without an online year)."""
    if not hasattr(m.timing, "on"):
        return {}
    total = inp.total_demand
    out = {}
    for y in m.timing.K:
        served = sum(
            pyo.value(m.demand.flow[s, r, mod])
            for s, r, mod in m.demand.SK
            if sum(pyo.value(m.timing.on[s, j]) for j in m.timing.K if j <= y) > 0.5
        )
        out[int(y)] = served / total if total else 0.0
    return out


def present_value_musd(m: pyo.ConcreteModel, inp: ModelInputs, years: int) -> float:
    """Cost of the plan discounted to the start year [MUSD]: each open site pays its annualised
    cost from its in-service year Y_s for ``years`` years::

        PV = sum_s cost[s] * sum_{t = Y_s}^{Y_s + years - 1} (1 + wacc)^-(t - start)

    (wacc: ``finance.wacc``, else the catalog default used for buildings and GPUs)."""
    tm = inp.timing
    if tm is None:
        return float("nan")
    rate = tm.wacc
    pv = 0.0
    for s in inp.sites:
        if pyo.value(m.site.open[s]) < 0.5:
            continue
        online = (
            [int(k) for k in m.timing.K if pyo.value(m.timing.on[s, k]) > 0.5]
            if hasattr(m.timing, "on")
            else []
        )
        first = online[0] if online else tm.site_year[s]
        factor = sum((1 + rate) ** -(t - tm.start_year) for t in range(first, first + years))
        pv += float(pyo.value(m.cost.site_total[s])) * factor
    return pv
