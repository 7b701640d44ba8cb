"""Power redundancy block: the peak facility load stays covered with one supply unit out.

Firm supply of site s [MW] (as in the energy block's firm capacity, plus backup gensets and bridge
units kept as backup, :mod:`planner.model.bridge`)::

    firm[s] = grid_cap[s] + sum_{e dispatchable} firm_avail[s,e] cap[s,e] + backup[s] + kept[s]

Contingencies (policy ``n+1``, ``2n`` and ``n+1+fuel``): the grid tie, and the largest single unit trip of
every dispatchable plant, U[e] = ``energy.csv`` ``unit_trip_mw`` (the output one unit trip
loses: a 1x1 combined-cycle block whole, since its steam turbine runs on that gas turbine's
exhaust; one engine, aeroderivative or reactor; one geothermal turbine-generator)::

    firm[s] - grid_cap[s]                              >= facility_peak[s]      grid tie out
    firm[s] - firm_avail[s,e] U[e] has[s,e]            >= facility_peak[s]      modular plant: one unit out
    modules[s,e] <= M has[s,e],  has binary
    firm[s] - firm_avail[s,e] min(cap[s,e], U[e])      >= facility_peak[s]      plant built of units
      as: firm - avail cap >= peak - M_s big[s,e]  and  firm - avail U >= peak - M_s (1 - big[s,e])
      (big binary; either row suffices since firm - min(a, b) = max(firm - a, firm - b))
    firm[s] - firm_avail[s,e] cap[s,e]                 >= facility_peak[s]      U = 0: all of it
    2n only:  firm[s] >= 2 facility_peak[s]                                    two full supply paths
    n+1+fuel: firm[s] - sum_{e gas} firm_avail[s,e] cap[s,e] - kept[s] >= facility_peak[s]
              common-mode loss of gas: every gas-fired unit of a site (and the kept bridge
              engines) shares one lateral, so the grid tie, non-gas plant and backup gensets
              carry the peak alone (the n+1 rows hold too)

Backup gensets (diesel standby, 2-3 MW units) and kept bridge engines (18 MW) are small units
whose own trip is below every other contingency. Gensets do not dispatch in normal operation;
they are priced per MW and emit only in test hours::

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
    """Add ``m.redundancy`` (needs ``m.site``, ``m.energy`` and ``m.timing``); no constraints for ``none``."""
    b = pyo.Block()
    m.redundancy = b
    site, energy = m.site, m.energy
    red = inp.redundancy
    level = red.level if red is not None else "none"
    b.backup = pyo.Var(
        site.S,
        domain=pyo.NonNegativeReals,
        units=MW,
        bounds=lambda _, s: (0, 2 * inp.campus_mw[s] * inp.max_pue if level != "none" else 0),
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
            + sum(energy.firm_avail[s, e] * energy.cap[s, e] for e in dispatchable)
            + b.backup[s]
            + m.timing.kept[s]
        ),
    )
    _add_contingencies(b, inp, site, energy, dispatchable, elastic)
    if level == "2n":
        b.two_paths = pyo.Constraint(
            site.S,
            rule=lambda b, s: b.firm[s] + _slack(energy, s, elastic) >= 2 * site.facility_peak[s],
        )
    if level == "n+1+fuel":
        gas = [e for e in dispatchable if inp.tech_kind[e] == "gas"]
        b.gas_out = pyo.Constraint(
            site.S,
            rule=lambda b, s: (
                b.firm[s]
                - sum(energy.firm_avail[s, e] * energy.cap[s, e] for e in gas)
                - m.timing.kept[s]
                + _slack(energy, s, elastic)
                >= site.facility_peak[s]
            ),
        )
    return b


def _slack(energy: pyo.Block, s: str, elastic: bool) -> object:
    return energy.firm_shortfall[s] if elastic else 0


def _add_contingencies(
    b: pyo.Block, inp: ModelInputs, site: pyo.Block, energy: pyo.Block, dispatchable: list[str], elastic: bool
) -> None:
    """One constraint per site and contingency (equations in the module docstring) [MW]."""
    modular = [e for e in dispatchable if inp.module_mw[e] > 0]
    whole = [e for e in dispatchable if inp.module_mw[e] <= 0 and inp.unit_trip_mw[e] <= 0]
    b.grid_out = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            b.firm[s] - energy.grid_cap[s] + _slack(energy, s, elastic) >= site.facility_peak[s]
        ),
    )
    b.plant_out = pyo.Constraint(
        site.S,
        whole,
        rule=lambda b, s, e: (
            b.firm[s] - energy.firm_avail[s, e] * energy.cap[s, e] + _slack(energy, s, elastic)
            >= site.facility_peak[s]
        ),
    )
    _add_unit_trips(b, inp, site, energy, [e for e in dispatchable if e not in modular + whole], elastic)
    if not modular:
        return
    b.trip_mw = pyo.Param(modular, initialize={e: inp.unit_trip_mw[e] for e in modular}, units=MW)
    b.has = pyo.Var(site.S, modular, domain=pyo.Binary)
    b.has_link = pyo.Constraint(
        site.S, modular, rule=lambda b, s, e: energy.modules[s, e] <= energy.modules[s, e].ub * b.has[s, e]
    )
    b.module_out = pyo.Constraint(
        site.S,
        modular,
        rule=lambda b, s, e: (
            b.firm[s] - energy.firm_avail[s, e] * b.trip_mw[e] * b.has[s, e] + _slack(energy, s, elastic)
            >= site.facility_peak[s]
        ),
    )


def _add_unit_trips(
    b: pyo.Block, inp: ModelInputs, site: pyo.Block, energy: pyo.Block, units: list[str], elastic: bool
) -> None:
    """Continuous plants built of units of U MW: loss = avail min(cap, U), as two rows and a binary
    (module docstring) with M_s = peak bound + U [MW]."""
    if not units:
        return
    b.unit_mw = pyo.Param(units, initialize={e: inp.unit_trip_mw[e] for e in units}, units=MW)
    b.big = pyo.Var(site.S, units, domain=pyo.Binary)
    peak_ub = {s: inp.campus_mw[s] * inp.max_pue for s in inp.sites}

    def big_m(s: str, e: str) -> object:
        return (peak_ub[s] + inp.unit_trip_mw[e]) * MW

    b.whole_out = pyo.Constraint(
        site.S,
        units,
        rule=lambda b, s, e: (
            b.firm[s] - energy.firm_avail[s, e] * energy.cap[s, e] + _slack(energy, s, elastic)
            >= site.facility_peak[s] - big_m(s, e) * b.big[s, e]
        ),
    )
    b.unit_out = pyo.Constraint(
        site.S,
        units,
        rule=lambda b, s, e: (
            b.firm[s] - energy.firm_avail[s, e] * b.unit_mw[e] + _slack(energy, s, elastic)
            >= site.facility_peak[s] - big_m(s, e) * (1 - b.big[s, e])
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
        avail = pyo.value(energy.firm_avail[s, e])
        cap = pyo.value(energy.cap[s, e])
        trip = inp.unit_trip_mw[e] if inp.unit_trip_mw[e] > 0 else inp.module_mw[e]
        unit = min(cap, trip) if trip > 0 else cap
        out.append((avail * unit, e))
    best = max(out, default=(0.0, ""))
    return (float(best[0]), best[1]) if best[0] > 1e-6 else (0.0, "")


def backup_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """Overnight capex of the backup gensets of site ``s`` [MUSD] = MW x capex per MW."""
    per_mw = inp.redundancy.backup_capex_musd_per_mw if inp.redundancy else 0.0
    return float(pyo.value(m.redundancy.backup[s])) * per_mw
