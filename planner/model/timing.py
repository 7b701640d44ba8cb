"""Time-to-power block: a site serves a demand stream only if it is in service by the stream's
online year; supply and GPUs that cannot be in service by then are not built, except a late firm
asset (grid tie or dispatchable plant) covered by priced bridge power until it arrives
(:mod:`planner.model.bridge`).

Sets: online years k in K (the distinct ``online_year`` of the streams, a handful); years from
:mod:`planner.model.timing_inputs` (Y_site[s] building, Y_g[g] GPU delivery, Y_e[e] plant,
Y_grid[s] grid queue, Y_bridge bridge units). Each open site commits to one online year::

    sum_k on[s,k] = open[s],           on[s,k] = 0 if Y_site[s] > k          on binary
    flow[s,r,m] <= demand[r,m] * sum_{k <= Y[r,m]} on[s,k]                   serves only later streams
    blocks[s,g] <= U[s,g] * sum_{k >= Y_g[g]} on[s,k]                        GPUs delivered by k
    cap[s,e] <= U[s,e] * sum_{k >= Y_e[e]} on[s,k]                           PV, wind, battery in service by k

Grid ties and dispatchable plants: the same row plus bridge MW (:mod:`planner.model.bridge`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.errors import InfeasibleError
from planner.model.bridge import GRID, add_bridges, asset_year, bridgeable
from planner.model.inputs import ModelInputs
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
        b.kept = pyo.Expression(site.S, rule=lambda b, s: 0.0 * MW)
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
    _add_gpu_years(b, m, inp, tm)
    _add_plant_years(b, m, inp, tm)
    add_bridges(b, m, inp, tm)
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


def _add_gpu_years(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """GPU blocks only where the GPU type is delivered by the site's online year [blocks]."""
    fleet = m.fleet
    late = [g for g in inp.gpus if any(tm.gpu_year[g] > k for k in tm.levels)]
    b.gpu_in_time = pyo.Constraint(
        m.site.S,
        late,
        rule=lambda b, s, g: (
            fleet.blocks[s, g]
            <= (fleet.blocks[s, g].ub or 0) * sum(b.on[s, k] for k in b.K if k >= tm.gpu_year[g])
        ),
    )


def _add_plant_years(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """Variable renewables and storage only where in service by the site's online year [MW]
    (firm plants may be bridged instead: :mod:`planner.model.bridge`)."""
    energy, firm = m.energy, set(bridgeable(inp))
    late = [e for e in inp.generators if e not in firm and any(tm.tech_year[e] > k for k in tm.levels)]
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


def earliest_years(inp: ModelInputs) -> dict[str, tuple[int, str]]:
    """Earliest year each candidate site could serve [year] and what bounds it: building in
    service, the earliest GPU on the menu delivered, and firm power (the peak needs firm supply)
    from the earliest of the grid tie, the dispatchable plants on the menu and bridge power
    covering either."""
    tm = inp.timing
    assert tm is not None
    gpu = min(((tm.gpu_year[g], f"{g} delivery") for g in inp.gpus), default=(10_000, "no GPU on the menu"))
    out = {}
    for s in inp.sites:
        power = []
        for a in bridgeable(inp):
            if a != GRID:
                power.append((asset_year(tm, s, a), tm.site_tech_bound.get((s, a), f"{a} delivery")))
            elif inp.grid_mw[s] > 0:
                power.append((tm.grid_year[s], "grid queue"))
        if power:
            power.append((tm.bridge_year, "bridge power"))
        best = min(power, default=(10_000, "no firm supply on the menu"))
        out[s] = max((tm.site_year[s], tm.site_bound[s]), gpu, best)
    return out


def late_gpus_text(inp: ModelInputs, year: int) -> str:
    """``; GPUs delivered after 2028: B200 2029, GB200 2029`` for the menu's late GPUs, or ""."""
    tm = inp.timing
    assert tm is not None
    late = sorted((tm.gpu_year[g], g) for g in inp.gpus if tm.gpu_year[g] > year)
    if not late:
        return ""
    return f"; GPUs delivered after {year}: " + ", ".join(f"{g} {y}" for y, g in late)


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
                f"earliest year per candidate site: {earliest_text(inp, sites)}{late_gpus_text(inp, year)}"
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
