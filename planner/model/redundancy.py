"""Power redundancy block: the peak facility load stays covered with one supply unit out.

Firm supply of site s [MW] (as in the energy block's firm capacity, plus backup gensets)::

    firm[s] = grid_cap[s] + sum_{e dispatchable} avail[s,e,0] cap[s,e] + backup[s]

Contingencies c (policy ``n+1`` and ``2n``): the grid tie, and the largest unit of every
dispatchable plant: one module (SMR, engine, aeroderivative) where the plant is sold in modules,
else the whole plant (a combined cycle or geothermal plant counted as one unit, conservative)::

    firm[s] - grid_cap[s]                              >= facility_peak[s]      grid tie out
    firm[s] - avail[s,e,0] module_mw[e] has[s,e]       >= facility_peak[s]      one module out
    modules[s,e] <= M has[s,e],  has binary
    firm[s] - avail[s,e,0] cap[s,e]                    >= facility_peak[s]      continuous plant out
    2n only:  firm[s] >= 2 facility_peak[s]                                    two full supply paths

Backup gensets (diesel standby, 2-3 MW units, so their own largest unit is negligible) do not
dispatch in normal operation; they are priced per MW and emit only in test hours::

    backup_cost[s] = backup_annual backup[s]       [MUSD/yr]
    backup_co2[s]  = backup_t_per_mw_yr backup[s]  [tCO2/yr]

With ``elastic`` the energy block's ``firm_shortfall`` slack relaxes every contingency too.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.slice_inputs import DISPATCHABLE_KINDS
from planner.model.units import MUSD, MW, tCO2, yr


def add_redundancy(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add ``m.redundancy`` (needs ``m.site`` and ``m.energy``); no constraints for ``none``."""
    b = pyo.Block()
    m.redundancy = b
    site, energy = m.site, m.energy
    red = inp.redundancy
    level = red.level if red is not None else "none"
    b.backup = pyo.Var(
        site.S,
        domain=pyo.NonNegativeReals,
        units=MW,
        bounds=lambda _, s: (0, 2 * inp.campus_mw[s] * max(inp.pue_t.values()) if level != "none" else 0),
    )
    annual, co2 = (red.backup_annual_musd_per_mw, red.backup_t_per_mw_yr) if red else (0.0, 0.0)
    b.backup_annual = pyo.Param(initialize=annual, units=MUSD / yr / MW)
    b.backup_co2 = pyo.Param(initialize=co2, units=tCO2 / yr / MW)
    b.cost = pyo.Expression(site.S, rule=lambda b, s: b.backup_annual * b.backup[s])
    b.emissions = pyo.Expression(site.S, rule=lambda b, s: b.backup_co2 * b.backup[s])
    if level == "none":
        return b
    dispatchable = [e for e in inp.generators if inp.tech_kind[e] in DISPATCHABLE_KINDS]
    b.firm = pyo.Expression(
        site.S,
        rule=lambda b, s: (
            energy.grid_cap[s]
            + sum(energy.avail[s, e, 0] * energy.cap[s, e] for e in dispatchable)
            + b.backup[s]
        ),
    )
    _add_contingencies(b, inp, site, energy, dispatchable, elastic)
    if level == "2n":
        b.two_paths = pyo.Constraint(
            site.S,
            rule=lambda b, s: b.firm[s] + _slack(energy, s, elastic) >= 2 * site.facility_peak[s],
        )
    return b


def _slack(energy: pyo.Block, s: str, elastic: bool) -> object:
    return energy.firm_shortfall[s] if elastic else 0


def _add_contingencies(
    b: pyo.Block, inp: ModelInputs, site: pyo.Block, energy: pyo.Block, dispatchable: list[str], elastic: bool
) -> None:
    """One constraint per site and contingency (equations in the module docstring) [MW]."""
    modular = [e for e in dispatchable if inp.module_mw[e] > 0]
    continuous = [e for e in dispatchable if inp.module_mw[e] <= 0]
    b.grid_out = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            b.firm[s] - energy.grid_cap[s] + _slack(energy, s, elastic) >= site.facility_peak[s]
        ),
    )
    b.plant_out = pyo.Constraint(
        site.S,
        continuous,
        rule=lambda b, s, e: (
            b.firm[s] - energy.avail[s, e, 0] * energy.cap[s, e] + _slack(energy, s, elastic)
            >= site.facility_peak[s]
        ),
    )
    if not modular:
        return
    b.has = pyo.Var(site.S, modular, domain=pyo.Binary)
    b.has_link = pyo.Constraint(
        site.S, modular, rule=lambda b, s, e: energy.modules[s, e] <= energy.modules[s, e].ub * b.has[s, e]
    )
    b.module_out = pyo.Constraint(
        site.S,
        modular,
        rule=lambda b, s, e: (
            b.firm[s] - energy.avail[s, e, 0] * energy.module_mw[e] * b.has[s, e] + _slack(energy, s, elastic)
            >= site.facility_peak[s]
        ),
    )


def largest_contingency_mw(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> tuple[float, str]:
    """The largest single loss of firm supply at site ``s`` in the solved plan [MW], and its name
    (``grid`` or a technology id); (0, "") when nothing is built."""
    energy = m.energy
    out = [(pyo.value(energy.grid_cap[s]), "grid")] if "grid" in inp.techs else []
    for e in inp.generators:
        if inp.tech_kind[e] not in DISPATCHABLE_KINDS:
            continue
        avail = pyo.value(energy.avail[s, e, 0])
        cap = pyo.value(energy.cap[s, e])
        unit = min(cap, inp.module_mw[e]) if inp.module_mw[e] > 0 else cap
        out.append((avail * unit, e))
    best = max(out, default=(0.0, ""))
    return (float(best[0]), best[1]) if best[0] > 1e-6 else (0.0, "")


def backup_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """Overnight capex of the backup gensets of site ``s`` [MUSD] = MW x capex per MW."""
    per_mw = inp.redundancy.backup_capex_musd_per_mw if inp.redundancy else 0.0
    return float(pyo.value(m.redundancy.backup[s])) * per_mw
