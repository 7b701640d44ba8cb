"""Phasing block (``demand.growth``): each year's share of demand is served by the sites already in
service that year. A site comes into service in one year (``m.timing.on``) and from then serves
its full flows; the plan is the last year's, so the objective stays that year's annualised cost.

Equations (k stream with demand D_k, y growth year with share f_y < 1, levels j of ``m.timing``)::

    early[s,k,y] <= flow[s,k]                                 [Mtoken/s]
    early[s,k,y] <= D_k * sum_{j <= y} on[s,j]                only sites in service by y
    sum_s early[s,k,y] >= f_y * D_k                           year y's demand met

``early`` is exactly min(flow, D_k * [site in service by y]) at the bound, so the rows are the
exact statement "sites in service by y carry at least f_y of each stream".

Cost objective with growth: the present value at the start year y0 (``demand.start_year``) of each
site's annualised cost paid for N = :data:`PV_YEARS` years from the year j it enters service, at
the WACC r (``finance.wacc``, else ``finance.csv`` ``wacc_default``)::

    PV = sum_{s,j} W_j c[s,j]          W_j = sum_{t=j}^{j+N-1} (1 + r)^-(t - y0)   [yr]
    sum_j c[s,j] = cost[s],   0 <= c[s,j] <= M_s on[s,j]                          [MUSD/yr]

``c[s,j]`` carries the site's whole annualised cost in its one in-service year (``on`` is binary
with sum_j on[s,j] = open[s]); M_s bounds cost[s] from the variables' bounds (grid imports, IT
power and bridge MW bounded by the site's grid MW, campus MW and the assets they bridge).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from planner.model.inputs import ModelInputs
from planner.model.units import MUSD, Mtok_s, yr

PV_YEARS = 20
"""Years of each site's annualised cost in the present value (objective with ``demand.growth``, and
``summary.json`` ``present_value_cost_usd``)."""


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


def present_value_musd(
    m: pyo.ConcreteModel, inp: ModelInputs, years: int, in_service: Mapping[str, int] | None = None
) -> float:
    """Cost of the plan discounted to the start year [MUSD]: each open site pays its annualised
    cost from its in-service year Y_s for ``years`` years::

        PV = sum_s cost[s] * sum_{t = Y_s}^{Y_s + years - 1} (1 + wacc)^-(t - start)

    Y_s is the site's online year where the plan has one (``m.timing.on``), else its in-service
    year ``in_service[s]`` (the latest of building, GPUs, plants, grid tie or bridge power:
    ``tables/sites.csv`` ``in_service_year``), else the building's
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
        first = online[0] if online else int((in_service or {}).get(s, tm.site_year[s]))
        factor = sum((1 + rate) ** -(t - tm.start_year) for t in range(first, first + years))
        pv += float(pyo.value(m.cost.site_total[s])) * factor
    return pv


def pv_weights(inp: ModelInputs, years: int = PV_YEARS) -> dict[int, float]:
    """W_j per online year j [yr]: sum_{t=j}^{j+years-1} (1 + r)^-(t - start year) (module docstring)."""
    tm = inp.timing
    assert tm is not None
    return {j: sum((1 + tm.wacc) ** -(t - tm.start_year) for t in range(j, j + years)) for j in tm.levels}


def discounted(m: pyo.ConcreteModel, inp: ModelInputs) -> bool:
    """Whether the cost objective is the present value: ``demand.growth`` with online years."""
    return inp.timing is not None and bool(inp.timing.growth) and hasattr(m.timing, "on")


def add_present_value(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Expression:
    """Add ``m.phasing.pv`` [MUSD] and its rows (module docstring); needs ``m.cost.site_total``."""
    b, timing, cost = m.phasing, m.timing, m.cost
    b.weight = pyo.Param(timing.K, initialize=pv_weights(inp), units=yr)
    b.big_m = pyo.Param(m.site.S, initialize={s: _cost_bound(m, inp, s) for s in inp.sites}, units=MUSD / yr)
    b.cost_by_year = pyo.Var(m.site.S, timing.K, domain=pyo.NonNegativeReals, units=MUSD / yr)
    b.cost_split = pyo.Constraint(
        m.site.S, rule=lambda b, s: sum(b.cost_by_year[s, j] for j in timing.K) == cost.site_total[s]
    )
    b.cost_year = pyo.Constraint(
        m.site.S, timing.K, rule=lambda b, s, j: b.cost_by_year[s, j] <= b.big_m[s] * timing.on[s, j]
    )
    b.pv = pyo.Expression(expr=sum(b.weight[j] * b.cost_by_year[s, j] for s in m.site.S for j in timing.K))
    return b.pv


def _cost_bound(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """Upper bound of site ``s``'s annualised cost [MUSD/yr]: its linear form at the variables'
    bounds, with the bounds the rows imply for the few unbounded ones."""
    repn = generate_standard_repn(m.cost.site_total[s].expr, quadratic=False)
    if repn.nonlinear_expr is not None:
        raise ValueError(f"site {s}: annualised cost is not linear")
    total = float(pyo.value(repn.constant))
    for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
        lo, hi = var.lb or 0.0, var.ub if var.ub is not None else _implied_ub(m, inp, s, var)
        total += max(float(pyo.value(coef)) * lo, float(pyo.value(coef)) * hi)
    return max(total, 0.0) * 1.01 + 1.0


def _implied_ub(m: pyo.ConcreteModel, inp: ModelInputs, s: str, var: pyo.Var) -> float:
    """Bound a row implies for an unbounded variable of site ``s`` [MW]: grid imports within the
    grid tie, generation within availability x capacity (``gen[s,e,t] <= avail[s,e,t] cap[s,e]``),
    battery charge and discharge within the battery power, IT power within the campus, bridge MW
    within the asset they bridge."""
    name = var.parent_component().name
    if name == "energy.grid":
        return float(m.energy.grid_cap[s].ub or 0.0)
    if name == "energy.gen":
        e, t = var.index()[1:]
        return float(pyo.value(m.energy.avail[s, e, t])) * float(m.energy.cap[s, e].ub or 0.0)
    if name in ("energy.charge", "energy.discharge"):
        return float(m.energy.st_power[s].ub or 0.0)
    if name in ("fleet.idle_power", "fleet.busy_power"):
        return inp.campus_mw[s]
    if name in ("timing.rent", "timing.keep"):
        a = var.index()[1]
        return inp.grid_mw[s] if a == "grid" else float(m.energy.cap[s, a].ub or 0.0)
    raise ValueError(f"site {s}: no bound for {var.name} in the present-value objective")
