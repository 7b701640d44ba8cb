"""Gas block: the infrastructure an on-site gas plant needs (``prices.gas_infrastructure:
included``; coefficients in :mod:`planner.model.gas_inputs`).

Equations (s site, e gas technology, t slice with weight w_t [h/yr], U[s,e] the plant's bound)::

    cap[s,e] <= U[s,e] gas_on[s]                              one lateral serves every gas plant
    pte[s]    = sum_e pte[e] cap[s,e]                         potential to emit [short tons NOx/yr]
    pte[s]   <= major_tpy[s] + (PTE_max[s] - major_tpy[s]) major[s]      major source above the threshold
    offsets[s] >= ratio[s] (pte[s] - PTE_max[s] (1 - major[s])),  offsets >= 0    [tons/yr of ERCs]
    gas_lateral[s]        = lateral_annual[s] gas_on[s]                                  [MUSD/yr]
    emissions_controls[s] = sum_e control[e] cap[s,e]                       annualised capex + FOM
    controls_reagent[s]   = sum_{e,t} w_t control_vom[e] gen[s,e,t]         urea / ammonia, catalyst wear
    gas_transport[s]      = sum_e transport[s,e] cap[s,e]         firm reservation on full-load fuel
    nox_offsets[s]        = offset[s] offsets[s]                  ERCs bought once, annualised

PTE_max[s] = sum_e pte[e] U[s,e]; ``major`` exists only where PTE_max exceeds the threshold and
offsets only where the ozone class asks for them (ratio > 0: nonattainment or the Ozone Transport
Region). With an online year (:mod:`planner.model.timing`), a major source must have its permit::

    cap[s,e] <= U[s,e] (1 - major[s]) + U[s,e] sum_{k >= Y_major[s,e]} on[s,k] + sum_k (rent + keep)[s,e,k]

i.e. a plant whose major-permit path (:mod:`planner.model.gas_inputs`) ends after the site's
online year is either a minor source (its own in-service year, the minor path, is the asset year
of :mod:`planner.model.bridge`) or carried by bridge units bridged on the minor path's gap only:
the model does not bridge past a major permit (rented units need their own permit; conservative).
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear
from planner.model.units import MUSD, MW, hr, u, yr

GAS_CATEGORIES = ("gas_lateral", "emissions_controls", "controls_reagent", "gas_transport", "nox_offsets")
"""Cost categories of the gas block (``tables/costs.csv``)."""
TPY = u.ton / yr
"""Short tons per year (NOx potential to emit, emission reduction credits)."""


def add_gas(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.gas`` (needs ``m.energy``) with the cost expressions ``lateral``, ``controls``,
    ``reagent``, ``transport`` and ``offsets`` per site [MUSD/yr]; zero expressions without gas data."""
    b = pyo.Block()
    m.gas = b
    S, gi, energy = m.site.S, inp.gas, m.energy
    zero = 0.0 * MUSD / yr
    techs = [e for e in (gi.techs if gi else []) if e in inp.generators]
    if gi is None or not techs:
        for name in ("lateral", "controls", "reagent", "transport", "offsets"):
            b.add_component(name, pyo.Expression(S, rule=lambda b, s: zero))
        return b
    upper = {(s, e): float(energy.cap[s, e].ub or 0.0) for s in inp.sites for e in techs}
    b.gas_on = pyo.Var(S, domain=pyo.Binary)
    b.one_lateral = pyo.Constraint(
        [(s, e) for (s, e), ub in upper.items() if ub > 0],
        rule=lambda b, s, e: energy.cap[s, e] <= upper[s, e] * MW * b.gas_on[s],
    )
    b.pte = pyo.Expression(
        S, rule=lambda b, s: sum(gi.pte_tpy_per_mw[e] * TPY / MW * energy.cap[s, e] for e in techs)
    )
    pte_max = {s: sum(gi.pte_tpy_per_mw[e] * upper[s, e] for e in techs) for s in inp.sites}
    can_major = [s for s in inp.sites if pte_max[s] > gi.major_tpy[s]]
    b.major = pyo.Var(S, domain=pyo.Binary)
    for s in inp.sites:
        if s not in can_major:
            b.major[s].fix(0)
    b.threshold = pyo.Constraint(
        can_major,
        rule=lambda b, s: b.pte[s] <= (gi.major_tpy[s] + (pte_max[s] - gi.major_tpy[s]) * b.major[s]) * TPY,
    )
    offset_sites = [s for s in can_major if gi.offset_ratio[s] > 0]
    b.offset_tpy = pyo.Var(offset_sites, domain=pyo.NonNegativeReals, units=TPY)
    b.offset_need = pyo.Constraint(
        offset_sites,
        rule=lambda b, s: (
            b.offset_tpy[s] >= gi.offset_ratio[s] * (b.pte[s] - pte_max[s] * TPY * (1 - b.major[s]))
        ),
    )
    _add_costs(b, m, inp, techs, offset_sites)
    return b


def _add_costs(
    b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, techs: list[str], offset_sites: list[str]
) -> None:
    """The five cost expressions per site [MUSD/yr] (module docstring)."""
    gi, energy = inp.gas, m.energy
    assert gi is not None
    w, T = inp.slices.weight_h, range(inp.slices.n)
    per_mw, hourly = MUSD / yr / MW, MUSD / yr / (MW * hr / yr)
    b.lateral = pyo.Expression(
        m.site.S, rule=lambda b, s: gi.lateral_annual_musd[s] * MUSD / yr * b.gas_on[s]
    )
    b.controls = pyo.Expression(
        m.site.S,
        rule=lambda b, s: sum(gi.control_annual_musd_per_mw[e] * per_mw * energy.cap[s, e] for e in techs),
    )
    b.reagent = pyo.Expression(
        m.site.S,
        rule=lambda b, s: (
            hourly
            * linear((w[t] * gi.control_vom_musd_per_mwh[e], energy.gen[s, e, t]) for e in techs for t in T)
        ),
    )
    b.transport = pyo.Expression(
        m.site.S,
        rule=lambda b, s: sum(gi.transport_musd_per_mw_yr[s, e] * per_mw * energy.cap[s, e] for e in techs),
    )
    b.offsets = pyo.Expression(
        m.site.S,
        rule=lambda b, s: (
            gi.offset_annual_musd_per_tpy[s] * MUSD / yr / TPY * b.offset_tpy[s]
            if s in offset_sites
            else 0.0 * MUSD / yr
        ),
    )


def drop_idle_laterals(m: pyo.ConcreteModel) -> list[str]:
    """Close the lateral of every site that builds no gas-fired capacity, in a solved model [sites].

    A solver stopped within its MIP gap may leave ``gas_on[s] = 1`` with ``cap[s,e] = 0`` for every
    gas plant ``e``: a lateral (and meter station) serving nothing, a few M$/yr within a 0.2% gap.
    Setting ``gas_on[s] = major[s] = 0`` keeps every row satisfied (``gas_on`` only bounds
    ``cap <= U gas_on`` and prices the lateral; with no capacity the potential to emit is 0) and
    lowers the cost, so the caller re-reads the objective. Returns the sites changed."""
    b = getattr(m, "gas", None)
    if b is None or not hasattr(b, "gas_on"):
        return []
    plants: dict[str, list[Any]] = {}
    for s, e in b.one_lateral:
        plants.setdefault(s, []).append(m.energy.cap[s, e])
    changed = []
    for s in b.gas_on:
        idle = all(abs(cap.value or 0.0) <= 1e-9 for cap in plants.get(s, []))
        if (b.gas_on[s].value or 0.0) > 0.5 and idle:
            b.gas_on[s].set_value(0.0)
            if not b.major[s].fixed:
                b.major[s].set_value(0.0)
            changed.append(s)
    return changed


def add_gas_timing(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """A major source only with its permit by the site's online year (module docstring); needs
    ``m.gas`` and ``m.timing`` (nothing without an online year or gas data)."""
    gi, tm, tb = inp.gas, inp.timing, m.timing
    if gi is None or tm is None or not hasattr(tb, "on") or not hasattr(m.gas, "gas_on"):
        return
    energy, b = m.energy, m.gas
    techs = [e for e in gi.techs if e in inp.generators]
    rows = [
        (s, e)
        for s in inp.sites
        for e in techs
        if not b.major[s].fixed and any(k < gi.year[s, e, "major"] for k in tm.levels)
    ]
    cases = set(getattr(tb, "SB", []))

    def permitted(b: pyo.Block, s: str, e: str) -> object:
        ub = float(energy.cap[s, e].ub or 0.0) * MW
        bridged = sum(tb.rent[s, e, k] + tb.keep[s, e, k] for k in tb.K if (s, e, k) in cases)
        on_time = sum(tb.on[s, k] for k in tb.K if k >= gi.year[s, e, "major"])
        return energy.cap[s, e] <= ub * (1 - b.major[s]) + ub * on_time + bridged

    b.major_permit_in_time = pyo.Constraint(rows, rule=permitted)
