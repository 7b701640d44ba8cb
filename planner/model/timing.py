"""Time-to-power block: a site serves a demand stream only if it is in service by the stream's
online year; supply that cannot be in service by then is not built, except a late grid tie
covered by priced bridge power until it arrives.

Sets: online years k in K (the distinct ``online_year`` of the streams, a handful); years from
:mod:`planner.model.timing_inputs` (Y_site[s] building and GPUs, Y_e[e] plant, Y_grid[s] grid
queue, Y_bridge bridge units). Each open site commits to one online year::

    sum_k on[s,k] = open[s],           on[s,k] = 0 if Y_site[s] > k          on binary
    flow[s,r,m] <= demand[r,m] * sum_{k <= Y[r,m]} on[s,k]                   serves only later streams
    cap[s,e] <= U[s,e] * sum_{k >= Y_e[e]} on[s,k]                           plant in service by k
    grid_cap[s] <= grid_MW[s] * sum_{k >= Y_grid[s]} on[s,k] + late[s]
    late[s] <= sum_{k < Y_grid[s], k >= Y_bridge} bridge[s,k],   bridge[s,k] <= grid_MW[s] on[s,k]

Bridge power is rented for the gap years Y_grid[s] - k; its one-off cost is annualised over the
building life like capex, and its extra emissions over the grid's spread over the same life::

    bridge_cost[s] = CRF * sum_k (Y_grid[s] - k) bridge_price[s] bridge[s,k]           [MUSD/yr]
    bridge_co2[s]  = sum_k (Y_grid[s] - k) bridge_co2[s] bridge[s,k] / building_life    [tCO2/yr]
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.errors import InfeasibleError
from planner.model.inputs import ModelInputs
from planner.model.slice_inputs import DISPATCHABLE_KINDS
from planner.model.timing_inputs import TimingInputs
from planner.model.units import MUSD, MW, tCO2, yr


def add_timing(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.timing`` (needs ``m.site``, ``m.demand``, ``m.energy``); cost and emissions are
    zero expressions when the scenario has no online year."""
    b = pyo.Block()
    m.timing = b
    site, tm = m.site, inp.timing
    if tm is None or not tm.online_year:
        b.cost = pyo.Expression(site.S, rule=lambda b, s: 0.0 * MUSD / yr)
        b.emissions = pyo.Expression(site.S, rule=lambda b, s: 0.0 * tCO2 / yr)
        return b
    check_online_years(inp)
    b.K = pyo.Set(initialize=tm.levels, ordered=True)
    b.on = pyo.Var(site.S, b.K, domain=pyo.Binary)
    for s in inp.sites:
        for k in tm.levels:
            if tm.site_year[s] > k:
                b.on[s, k].fix(0)
    b.one_year = pyo.Constraint(site.S, rule=lambda b, s: sum(b.on[s, k] for k in b.K) == site.open[s])
    _add_flow_years(b, m, inp, tm)
    _add_plant_years(b, m, inp, tm)
    _add_grid_bridge(b, m, inp, tm)
    return b


def _add_flow_years(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """A flow to a stream only from a site online by the stream's year [Mtoken/s]."""
    dem = m.demand
    late = [
        (s, r, mod)
        for s, r, mod in dem.SK
        if (r, mod) in tm.online_year and any(k > tm.online_year[r, mod] for k in tm.levels)
    ]
    b.flow_in_time = pyo.Constraint(
        late,
        rule=lambda b, s, r, mod: (
            dem.flow[s, r, mod]
            <= dem.demand[r, mod] * sum(b.on[s, k] for k in b.K if k <= tm.online_year[r, mod])
        ),
    )


def _add_plant_years(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """Generation and storage only where in service by the site's online year [MW]."""
    energy = m.energy
    late = [e for e in inp.generators if any(tm.tech_year[e] > k for k in tm.levels)]
    b.plant_in_time = pyo.Constraint(
        m.site.S,
        late,
        rule=lambda b, s, e: (
            energy.cap[s, e] <= energy.cap[s, e].ub * sum(b.on[s, k] for k in b.K if k >= tm.tech_year[e])
        ),
    )
    if inp.storage and any(tm.tech_year["battery"] > k for k in tm.levels):
        b.battery_in_time = pyo.Constraint(
            m.site.S,
            rule=lambda b, s: (
                energy.st_power[s]
                <= energy.st_power[s].ub * sum(b.on[s, k] for k in b.K if k >= tm.tech_year["battery"])
            ),
        )


def _add_grid_bridge(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """Grid tie in service by the online year, or bridged until it is (equations in the module
    docstring) [MW], and the bridge's cost and emissions."""
    energy, S = m.energy, m.site.S
    gap = {(s, k): tm.grid_year[s] - k for s in inp.sites for k in tm.levels}
    bridged = [(s, k) for (s, k), g in gap.items() if g > 0 and k >= tm.bridge_year and inp.grid_mw[s] > 0]
    b.SB = pyo.Set(dimen=2, initialize=bridged, ordered=True)
    b.bridge = pyo.Var(b.SB, domain=pyo.NonNegativeReals, units=MW)
    b.bridge_price = pyo.Param(S, initialize=tm.bridge_musd_per_mw_yr, units=MUSD / yr / MW)
    b.bridge_co2 = pyo.Param(S, initialize=tm.bridge_t_per_mw_yr, units=tCO2 / yr / MW)
    b.bridge_limit = pyo.Constraint(
        b.SB, rule=lambda b, s, k: b.bridge[s, k] <= energy.grid_mw[s] * b.on[s, k]
    )
    b.grid_in_time = pyo.Constraint(
        S,
        rule=lambda b, s: (
            energy.grid_cap[s]
            <= energy.grid_mw[s] * sum(b.on[s, k] for k in b.K if k >= tm.grid_year[s])
            + sum(b.bridge[s, k] for k in b.K if (s, k) in bridged)
        ),
    )
    crf = tm.bridge_crf
    b.cost = pyo.Expression(
        S,
        rule=lambda b, s: (
            sum(crf * gap[s, k] * b.bridge_price[s] * b.bridge[s, k] for k in b.K if (s, k) in bridged)
            + 0.0 * MUSD / yr
        ),
    )
    b.emissions = pyo.Expression(
        S,
        rule=lambda b, s: (
            sum(
                gap[s, k] / tm.building_life * b.bridge_co2[s] * b.bridge[s, k]
                for k in b.K
                if (s, k) in bridged
            )
            + 0.0 * tCO2 / yr
        ),
    )


def earliest_years(inp: ModelInputs) -> dict[str, tuple[int, str]]:
    """Earliest year each candidate site could serve [year] and what bounds it: building and GPUs
    in service, and firm power (the peak needs firm supply) from the earliest of the grid tie (or
    bridge power where the site has a grid tie) and the dispatchable plants on the menu."""
    tm = inp.timing
    assert tm is not None
    firm = [
        (tm.tech_year[e], f"{e} delivery") for e in inp.generators if inp.tech_kind[e] in DISPATCHABLE_KINDS
    ]
    out = {}
    for s in inp.sites:
        power = list(firm)
        if "grid" in inp.techs and inp.grid_mw[s] > 0:
            power += [(tm.grid_year[s], "grid queue"), (tm.bridge_year, "bridge power")]
        best = min(power, default=(10_000, "no firm supply on the menu"))
        out[s] = max((tm.site_year[s], tm.site_bound[s]), best)
    return out


def required_year(inp: ModelInputs, k: tuple[str, str]) -> int | None:
    """The first year stream ``k`` must be (partly) served: the first growth year, else its online year."""
    tm = inp.timing
    if tm is None or k not in tm.online_year:
        return None
    return min(tm.growth) if tm.growth else tm.online_year[k]


def earliest_text(inp: ModelInputs, sites: list[str]) -> str:
    """``abilene_tx 2028 (construction), loudoun_va 2029 (bridge power), ...`` (at most 8 sites)."""
    early = earliest_years(inp)
    ranked = sorted(sites, key=lambda s: (early[s][0], s))
    return ", ".join(f"{s} {early[s][0]} ({early[s][1]})" for s in ranked[:8]) + (
        " ..." if len(ranked) > 8 else ""
    )


def deadline_note(inp: ModelInputs, k: tuple[str, str], sites: list[str]) -> str:
    """``; it must be served from 2029 (earliest year per candidate site: ...)`` or ""."""
    year = required_year(inp, k)
    if year is None:
        return ""
    return f"; it must be served from {year} (earliest year per candidate site: {earliest_text(inp, sites)})"


def check_online_years(inp: ModelInputs) -> None:
    """Raise :class:`InfeasibleError` naming every stream that no site within its latency budget
    can serve by its (first) required year, with the earliest year of each candidate site."""
    tm = inp.timing
    assert tm is not None
    early = earliest_years(inp)
    reach: dict[tuple[str, str], list[str]] = {}
    for s, k in inp.flows:
        reach.setdefault(k, []).append(s)
    lines = []
    for k in tm.online_year:
        year = required_year(inp, k)
        sites = reach.get(k, [])
        if year is not None and sites and min(early[s][0] for s in sites) > year:
            lines.append(
                f"{k[1]} in {k[0]} ({inp.demand[k] * 1e6:.3g} tokens/s) cannot be served by {year}: "
                f"earliest year per candidate site: {earliest_text(inp, sites)}"
            )
    if lines:
        raise InfeasibleError(
            f"demand.online_year: construction starts in {tm.start_year}; "
            + "; ".join(lines)
            + " (set a later online_year or an earlier demand.start_year)"
        )


def site_online_year(m: pyo.ConcreteModel, s: str) -> int | None:
    """The online year site ``s`` committed to in the solved plan (None: no deadline or closed)."""
    if not hasattr(m.timing, "on"):
        return None
    years = [k for k in m.timing.K if (pyo.value(m.timing.on[s, k]) or 0.0) > 0.5]
    return int(years[0]) if years else None


def bridge_mw(m: pyo.ConcreteModel, s: str) -> float:
    """Bridge power bought at site ``s`` [MW] (0 without a deadline)."""
    if not hasattr(m.timing, "SB"):
        return 0.0
    return sum(float(pyo.value(m.timing.bridge[s2, k])) for s2, k in m.timing.SB if s2 == s)


def bridge_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """One-off bridge cost of site ``s`` [MUSD] = sum_k (Y_grid[s] - k) bridge_price[s] bridge[s,k]."""
    tm = inp.timing
    if tm is None or not hasattr(m.timing, "SB"):
        return 0.0
    return sum(
        (tm.grid_year[s] - k) * tm.bridge_musd_per_mw_yr[s] * float(pyo.value(m.timing.bridge[s2, k]))
        for s2, k in m.timing.SB
        if s2 == s
    )
