"""Energy supply block: generation capacity per technology (in modules where sold so),
grid interconnection, battery power and energy, and the hourly electricity balance.

Equations (s site, e generator, t slice with weight w_t [h/yr])::

    cap[s,e] = module_mw[e] * modules[s,e]                  modular plant (SMR, engines, aero CTs)
    gen[s,e,t] <= avail[s,e,t] * cap[s,e]                    capacity factor profile / availability
    grid[s,t] <= grid_cap[s] <= grid_mw_available[s] * open[s]
    sum_e gen[s,e,t] + grid[s,t] + discharge[s,t] - charge[s,t] = facility[s,t]
                                                             (curtailment = avail*cap - gen)
    grid_cap[s] + sum_{e dispatchable} firm_avail[s,e] * cap[s,e] >= facility_peak[s]   firm capacity at peak
        (firm_avail: availability at the site's design air, gas derated by elevation and
        temperature, planner/model/derate.py; avail[s,e,t] follows the slice's air)
    annual mode: sum_{e in PV, wind} gen[s,e,0] <= variable_share_max * facility[s,0]  (not firm)
    soc[s,d,h] = soc[s,d,h-1] + eta * charge - discharge / eta      cyclic within each representative day
    soc <= energy[s];  charge, discharge <= power[s];  energy[s] <= max_hours * power[s]
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear
from planner.model.sites import ELASTIC_ROOM
from planner.model.slice_inputs import DISPATCHABLE_KINDS
from planner.model.units import MW, MWh, dimensionless, hr, yr


def _upper_mw(inp: ModelInputs, s: str, e: str, room: float = 1.0) -> float:
    """Loose but finite bound on capacity [MW]: peak facility load / availability, at most 4x."""
    peak = room * inp.campus_mw[s] * inp.max_pue
    avail = max((inp.availability.get((s, e, t), 0.0) for t in range(inp.slices.n)), default=0.0)
    if inp.tech_kind[e] in ("pv", "wind"):
        return 4.0 * peak
    if inp.tech_kind[e] == "grid":
        return peak
    return 1.5 * peak if avail > 0 else 0.0


def add_energy(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add the energy block ``m.energy`` (needs ``m.site``)."""
    b = pyo.Block()
    m.energy = b
    site = m.site
    room = ELASTIC_ROOM if elastic else 1.0
    _add_energy_sets(b, inp)
    _add_generators(b, inp, site, room)
    _add_grid(b, inp, site, room, elastic)
    if inp.storage:
        _add_storage(b, inp, site, room)
    _add_balance(b, inp, site, elastic)
    _add_firm_capacity(b, inp, site, elastic)
    if not inp.slices.hourly:
        _add_annual_variable_cap(b, inp, site)
    return b


def _add_energy_sets(b: pyo.Block, inp: ModelInputs) -> None:
    """Time slices ``T`` with their weight w_t [h/yr], generators ``E`` and their availability
    avail[s,e,t] [MW output per MW capacity]."""
    T = list(range(inp.slices.n))
    b.T = pyo.Set(initialize=T, ordered=True)
    b.E = pyo.Set(initialize=inp.generators, ordered=True)
    b.weight = pyo.Param(b.T, initialize=dict(enumerate(inp.slices.weight_h)), units=hr / yr)
    b.avail = pyo.Param(
        [(s, e, t) for s in inp.sites for e in inp.generators for t in T],
        initialize=lambda _, s, e, t: inp.availability[s, e, t],
        units=dimensionless,
        within=pyo.Any,
    )


def _add_generators(b: pyo.Block, inp: ModelInputs, site: pyo.Block, room: float) -> None:
    """Generation capacity (in modules where sold so) and output within availability.

    Equations::

        cap[s,e] = module_MW[e] * modules[s,e]      [MW], modules integer (modular plant only)
        gen[s,e,t] <= avail[s,e,t] * cap[s,e]       [MW]
    """
    b.cap = pyo.Var(
        site.S,
        b.E,
        domain=pyo.NonNegativeReals,
        units=MW,
        bounds=lambda _, s, e: (0, _upper_mw(inp, s, e, room)),
    )
    modular = [e for e in inp.generators if inp.module_mw[e] > 0]
    if modular:
        b.module_mw = pyo.Param(modular, initialize={e: inp.module_mw[e] for e in modular}, units=MW)
        b.modules = pyo.Var(
            site.S,
            modular,
            domain=pyo.NonNegativeIntegers,
            bounds=lambda _, s, e: (0, int(_upper_mw(inp, s, e, room) // inp.module_mw[e]) + 1),
        )
        b.modular = pyo.Constraint(
            site.S, modular, rule=lambda b, s, e: b.cap[s, e] == b.module_mw[e] * b.modules[s, e]
        )
    b.gen = pyo.Var(site.S, b.E, b.T, domain=pyo.NonNegativeReals, units=MW)
    avail = inp.availability
    b.within_availability = pyo.Constraint(
        site.S,
        b.E,
        b.T,
        rule=lambda b, s, e, t: linear([(1.0, b.gen[s, e, t]), (-avail[s, e, t], b.cap[s, e])]) <= 0,
    )


def _add_grid(b: pyo.Block, inp: ModelInputs, site: pyo.Block, room: float, elastic: bool) -> None:
    """Grid connection and imports (with ``elastic``, also every slack of this block).

    Equation::

        grid[s,t] <= grid_cap[s] <= grid_MW_available[s] * open[s] (+ grid_overrun[s])    [MW]
    """
    has_grid = "grid" in inp.techs
    b.grid_mw = pyo.Param(site.S, initialize=inp.grid_mw, units=MW)
    b.grid_cap = pyo.Var(
        site.S,
        domain=pyo.NonNegativeReals,
        units=MW,
        bounds=lambda _, s: (
            0,
            (inp.grid_mw[s] + (_upper_mw(inp, s, "grid", room) if elastic else 0.0)) if has_grid else 0.0,
        ),
    )
    b.grid = pyo.Var(site.S, b.T, domain=pyo.NonNegativeReals, units=MW)
    if elastic:
        b.grid_overrun = pyo.Var(site.S, domain=pyo.NonNegativeReals, units=MW)
        b.firm_shortfall = pyo.Var(site.S, domain=pyo.NonNegativeReals, units=MW)
        b.unsupplied = pyo.Var(site.S, b.T, domain=pyo.NonNegativeReals, units=MW)
    b.grid_limit = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            b.grid_cap[s] <= b.grid_mw[s] * site.open[s] + (b.grid_overrun[s] if elastic else 0)
        ),
    )
    b.grid_within_cap = pyo.Constraint(site.S, b.T, rule=lambda b, s, t: b.grid[s, t] <= b.grid_cap[s])


def _add_balance(b: pyo.Block, inp: ModelInputs, site: pyo.Block, elastic: bool) -> None:
    """Electricity balance of every site and slice (curtailment = avail * cap - gen).

    Equation [MW]::

        sum_e gen[s,e,t] + grid[s,t] + discharge[s,t] - charge[s,t] (+ unsupplied[s,t]) = facility[s,t]
    """

    generators = inp.generators

    def balance(b: pyo.Block, s: str, t: int) -> object:
        supply = [(1.0, b.gen[s, e, t]) for e in generators] + [(1.0, b.grid[s, t])]
        if inp.storage:
            supply += [(1.0, b.discharge[s, t]), (-1.0, b.charge[s, t])]
        if elastic:
            supply.append((1.0, b.unsupplied[s, t]))
        return linear(supply) == site.facility[s, t]

    b.balance = pyo.Constraint(site.S, b.T, rule=balance)


def _add_firm_capacity(b: pyo.Block, inp: ModelInputs, site: pyo.Block, elastic: bool) -> None:
    """Firm capacity covers the peak facility load.

    Equation [MW]::

        grid_cap[s] + sum_{e dispatchable} firm_avail[s,e] * cap[s,e] (+ firm_shortfall[s])
            >= facility_peak[s]
    """
    dispatchable = [e for e in inp.generators if inp.tech_kind[e] in DISPATCHABLE_KINDS]
    b.firm_avail = pyo.Param(
        [(s, e) for s in inp.sites for e in dispatchable],
        initialize=lambda _, s, e: inp.firm_avail(s, e),
        units=dimensionless,
        within=pyo.Any,
    )

    def firm(b: pyo.Block, s: str) -> object:
        firm_mw = b.grid_cap[s] + sum(b.firm_avail[s, e] * b.cap[s, e] for e in dispatchable)
        return firm_mw + (b.firm_shortfall[s] if elastic else 0) >= site.facility_peak[s]

    b.firm_capacity = pyo.Constraint(site.S, rule=firm)


def _add_annual_variable_cap(b: pyo.Block, inp: ModelInputs, site: pyo.Block) -> None:
    """Annual mode: PV and wind are not firm, so they supply at most a documented share of each
    site's energy (``time.annual_variable_share_max``, default 0.5).

    Equation [MW, the one annual slice]::

        sum_{e of kind pv or wind} gen[s,e,0] <= variable_share_max * facility[s,0]
    """
    variable = [e for e in inp.generators if inp.tech_kind[e] in ("pv", "wind")]
    if not variable:
        return
    share = inp.scenario.time.annual_variable_share_max
    b.annual_variable_cap = pyo.Constraint(
        site.S, rule=lambda b, s: sum(b.gen[s, e, 0] for e in variable) <= share * site.facility[s, 0]
    )


def _add_storage(b: pyo.Block, inp: ModelInputs, site: pyo.Block, room: float) -> None:
    """Battery power and energy, and its state of charge.

    Each representative day is either cyclic on its own (``soc`` >= 0, end of hour 23 feeds
    hour 0) or, with ``time.link_storage`` and more than one day, linked across the year
    (Kotzur et al. 2018, as in oemof-solph / Calliope)::

        soc[s,d,h] = soc[s,d,h-1] + eta charge - discharge / eta,  soc[s,d,-1] = 0   (intra-day, signed)
        inter[s,i+1] = inter[s,i] + soc[s,a(i),23]    for the 365 calendar days i, a(i) = typical day
        inter[s,365] = inter[s,0]                       cyclic over the year
        0 <= inter[s,i] + low[s,a(i)],  inter[s,i] + high[s,a(i)] <= energy[s]
        low[s,d] <= min(0, soc[s,d,h]),  high[s,d] >= max(0, soc[s,d,h])

    so the chronological state of charge ``inter[s,i] + soc[s,a(i),h]`` stays in [0, energy].
    """
    linked = inp.scenario.time.link_storage and inp.slices.n_days > 1
    _add_battery(b, inp, site, room)
    _add_state_of_charge(b, inp, site, linked)
    if not linked:
        b.soc_limit = pyo.Constraint(site.S, b.T, rule=lambda b, s, t: b.soc[s, t] <= b.st_energy[s])
        return
    _add_linked_storage(b, inp, site)


def _add_battery(b: pyo.Block, inp: ModelInputs, site: pyo.Block, room: float) -> None:
    """Battery power st_power [MW] (at most 2 x room x campus MW), energy st_energy [MWh], and
    charge and discharge [MW] per slice; one-way efficiency eta [-], 1 h steps."""
    b.eta = pyo.Param(initialize=inp.storage_efficiency, units=dimensionless)
    b.max_hours = pyo.Param(initialize=inp.storage_max_hours, units=hr)
    b.step = pyo.Param(initialize=1.0, units=hr)
    b.st_power = pyo.Var(
        site.S, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s: (0, 2 * room * inp.campus_mw[s])
    )
    b.st_energy = pyo.Var(
        site.S,
        domain=pyo.NonNegativeReals,
        units=MWh,
        bounds=lambda _, s: (0, 2 * room * inp.campus_mw[s] * inp.storage_max_hours),
    )
    b.charge = pyo.Var(site.S, b.T, domain=pyo.NonNegativeReals, units=MW)
    b.discharge = pyo.Var(site.S, b.T, domain=pyo.NonNegativeReals, units=MW)


def _add_state_of_charge(b: pyo.Block, inp: ModelInputs, site: pyo.Block, linked: bool) -> None:
    """State of charge soc [MWh] within each representative day, and the power limits.

    Equations::

        soc[s,t] = soc[s,t-1] + step * (eta * charge[s,t] - discharge[s,t] / eta)    [MWh]
            (hour 0 follows hour 23 of the same day; linked: starts from 0, soc signed)
        charge[s,t], discharge[s,t] <= st_power[s]                                     [MW]
        st_energy[s] <= max_hours * st_power[s]                                        [MWh]
    """
    sl = inp.slices
    b.soc = pyo.Var(site.S, b.T, domain=pyo.Reals if linked else pyo.NonNegativeReals, units=MWh)
    first = {t: sl.hour[t] == 0 for t in range(sl.n)}
    start = {t: t + 23 for t in range(sl.n) if first[t]}  # cyclic: hour 0 follows hour 23 of the same day

    def balance(b: pyo.Block, s: str, t: int) -> object:
        flow = b.step * (b.eta * b.charge[s, t] - b.discharge[s, t] / b.eta)
        if first[t]:
            return b.soc[s, t] == (flow if linked else b.soc[s, start[t]] + flow)
        return b.soc[s, t] == b.soc[s, t - 1] + flow

    b.soc_balance = pyo.Constraint(site.S, b.T, rule=balance)
    b.charge_limit = pyo.Constraint(site.S, b.T, rule=lambda b, s, t: b.charge[s, t] <= b.st_power[s])
    b.discharge_limit = pyo.Constraint(site.S, b.T, rule=lambda b, s, t: b.discharge[s, t] <= b.st_power[s])
    b.duration = pyo.Constraint(site.S, rule=lambda b, s: b.st_energy[s] <= b.max_hours * b.st_power[s])


def _add_linked_storage(b: pyo.Block, inp: ModelInputs, site: pyo.Block) -> None:
    """Storage linked across the calendar days (equations in :func:`_add_storage`) [MWh]."""
    sl = inp.slices
    days = range(sl.n_days)
    last = {d: max(t for t in range(sl.n) if sl.day[t] == d) for d in days}
    a = [int(x) for x in sl.assignments]
    b.D = pyo.Set(initialize=list(days), ordered=True)
    b.I = pyo.Set(initialize=list(range(len(a) + 1)), ordered=True)
    b.soc_low = pyo.Var(site.S, b.D, domain=pyo.NonPositiveReals, units=MWh)
    b.soc_high = pyo.Var(site.S, b.D, domain=pyo.NonNegativeReals, units=MWh)
    b.soc_inter = pyo.Var(site.S, b.I, domain=pyo.NonNegativeReals, units=MWh)
    b.low_def = pyo.Constraint(site.S, b.T, rule=lambda b, s, t: b.soc_low[s, int(sl.day[t])] <= b.soc[s, t])
    b.high_def = pyo.Constraint(
        site.S, b.T, rule=lambda b, s, t: b.soc[s, t] <= b.soc_high[s, int(sl.day[t])]
    )
    b.inter_step = pyo.Constraint(
        site.S,
        range(len(a)),
        rule=lambda b, s, i: b.soc_inter[s, i + 1] == b.soc_inter[s, i] + b.soc[s, last[a[i]]],
    )
    b.inter_cyclic = pyo.Constraint(site.S, rule=lambda b, s: b.soc_inter[s, len(a)] == b.soc_inter[s, 0])
    b.inter_low = pyo.Constraint(
        site.S, range(len(a)), rule=lambda b, s, i: b.soc_inter[s, i] + b.soc_low[s, a[i]] >= 0
    )
    b.inter_high = pyo.Constraint(
        site.S, range(len(a)), rule=lambda b, s, i: b.soc_inter[s, i] + b.soc_high[s, a[i]] <= b.st_energy[s]
    )
