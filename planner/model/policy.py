"""Policy block: water per site, carbon cap, annual clean-energy share, number of sites.

Equations::

    water[s] = sum_t w_t (sum_c WUE[s,c,t] it_load[s,c,t] + sum_e water[e] gen[s,e,t]) <= limit[s]   [ML/yr]
    emissions_operational + emissions_upstream + emissions_embodied <= cap                  [tCO2e/yr]
    sum_{s,t} w_t (sum_{e clean} gen + clean_share[s] grid) >= share * sum_{s,t} w_t facility[s,t]
                                                                                     (annual matching)
    cfe[s,t] = sum_{e clean} gen + discharge - charge + clean_share[s] grid        (24/7 matching, per site:)
    sum_t w_t cfe[s,t] >= cfe_share * sum_t w_t facility[s,t]
    min_sites <= sum_s open[s] <= max_sites

With ``elastic`` each limit gets a non-negative slack that the objective prices, so an
infeasible scenario can be explained by which limits had to give.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from planner.model.inputs import CLEAN_KINDS, ModelInputs
from planner.model.linear import linear, unit_factor
from planner.model.sites import SiteLoad
from planner.model.units import ML, MWh, dimensionless, hr, tCO2, yr


def add_policy(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add ``m.policy`` (needs ``m.site``, ``m.energy`` and ``m.cost`` for emissions)."""
    b = pyo.Block()
    m.policy = b
    pol = inp.scenario.policy
    _add_water(b, m, inp, elastic)
    if pol.carbon_cap_t_per_yr is not None:
        _add_carbon_cap(b, m, pol.carbon_cap_t_per_yr, elastic)
    if pol.clean_energy_share is not None:
        _add_annual_clean_share(b, m, inp, elastic)
    if pol.hourly_cfe_share is not None:
        _add_hourly_cfe(b, m, inp, elastic)
    _add_site_count(b, m, pol.min_sites, pol.max_sites, elastic)
    return b


def _add_water(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool) -> None:
    """Water per site, and its limit where ``policy.enforce_water_limits``.

    Equations::

        water[s] = sum_t w_t (sum_c WUE[s,c,t] it_load[s,c,t] + sum_e water[e] gen[s,e,t])   [ML/yr]
        water[s] <= limit[s] (+ water_overrun[s])                                            [ML/yr]
    """
    site, weight, n = m.site, np.asarray(inp.slices.weight_h, dtype=float), inp.slices.n
    unit = unit_factor(b, "water_unit", hr / yr * ML / MWh)
    water = {}
    for s in inp.sites:
        wue = np.array([[inp.wue_ml_per_mwh[s, c, t] for t in range(n)] for c in inp.coolings]).reshape(-1, n)
        plant = [
            (weight[t] * inp.tech_water_ml_per_mwh[e], m.energy.gen[s, e, t])
            for e in inp.generators
            for t in range(n)
        ]
        water[s] = unit * linear(SiteLoad(m, inp, s).terms(wue * weight) + plant)
    b.water = pyo.Expression(site.S, rule=lambda b, s: water[s])
    if not inp.scenario.policy.enforce_water_limits:
        return
    b.water_limit_ml = pyo.Param(site.S, initialize=inp.water_limit_ml, units=ML / yr)
    if elastic:
        b.water_overrun = pyo.Var(site.S, domain=pyo.NonNegativeReals, units=ML / yr)
    b.water_limit = pyo.Constraint(
        site.S,
        rule=lambda b, s: b.water[s] <= b.water_limit_ml[s] + (b.water_overrun[s] if elastic else 0),
    )


def _add_carbon_cap(b: pyo.Block, m: pyo.ConcreteModel, cap_t_per_yr: float, elastic: bool) -> None:
    """Carbon cap: emissions_accounted (+ carbon_overrun) <= cap [tCO2e/yr] (location- or
    market-based, ``policy.carbon_accounting``)."""
    b.carbon_cap = pyo.Param(initialize=cap_t_per_yr, units=tCO2 / yr, mutable=True)
    if elastic:
        b.carbon_overrun = pyo.Var(domain=pyo.NonNegativeReals, units=tCO2 / yr)
    b.carbon_limit = pyo.Constraint(
        expr=m.cost.emissions_accounted <= b.carbon_cap + (b.carbon_overrun if elastic else 0)
    )


def _add_annual_clean_share(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool) -> None:
    """Annual clean-energy matching: clean supply covers a share of the facility energy.

    Equation [MWh/yr]::

        sum_{s,t} w_t (sum_{e clean} gen[s,e,t] + clean_share[s] grid[s,t]) (+ clean_shortfall)
            >= share * sum_{s,t} w_t facility[s,t]
    """
    site, energy = m.site, m.energy
    clean = [e for e in inp.generators if inp.tech_kind[e] in CLEAN_KINDS]
    b.clean_share = pyo.Param(initialize=inp.scenario.policy.clean_energy_share, units=dimensionless)
    b.grid_clean = pyo.Param(site.S, initialize=inp.grid_clean_share, units=dimensionless)
    if elastic:
        b.clean_shortfall = pyo.Var(domain=pyo.NonNegativeReals, units=MWh / yr)
    unit = unit_factor(b, "energy_unit", hr / yr)
    weight = inp.slices.weight_h
    b.clean_energy = pyo.Expression(
        expr=unit
        * linear(
            [(weight[t], energy.gen[s, e, t]) for s in inp.sites for e in clean for t in energy.T]
            + [(weight[t] * inp.grid_clean_share[s], energy.grid[s, t]) for s in inp.sites for t in energy.T]
        )
    )
    b.clean_energy_limit = pyo.Constraint(
        expr=b.clean_energy + (b.clean_shortfall if elastic else 0)
        >= b.clean_share * sum(site.facility_energy[s] for s in site.S)
    )


def _add_site_count(
    b: pyo.Block, m: pyo.ConcreteModel, min_sites: int, max_sites: int | None, elastic: bool
) -> None:
    """Number of open sites [sites]: min_sites <= sum_s open[s] (+ sites_shortfall) <= max_sites."""
    site = m.site
    if elastic:
        b.sites_shortfall = pyo.Var(domain=pyo.NonNegativeReals)
    b.min_sites = pyo.Constraint(
        expr=sum(site.open[s] for s in site.S) + (b.sites_shortfall if elastic else 0) >= min_sites
    )
    if max_sites is not None:
        b.max_sites = pyo.Constraint(expr=sum(site.open[s] for s in site.S) <= max_sites)


def _add_hourly_cfe(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool) -> None:
    """24/7 carbon-free energy per site: hour-weighted CFE score >= target.

    The carbon-free supply of an hour is what the site's clean plant delivers to the load in
    that hour, net storage (charging is taken out of that hour's clean supply, discharge is
    added), plus the grid's clean share of imports; the energy balance keeps it at or below
    the load, so excess clean output in one hour never offsets a shortfall in another.
    """
    site, energy = m.site, m.energy
    clean = [e for e in inp.generators if inp.tech_kind[e] in CLEAN_KINDS]
    b.cfe_share = pyo.Param(initialize=inp.scenario.policy.hourly_cfe_share, units=dimensionless)
    b.grid_clean_t = pyo.Param(site.S, initialize=inp.grid_clean_share, units=dimensionless)

    unit = unit_factor(b, "energy_unit", hr / yr)
    weight = inp.slices.weight_h

    def cfe_terms(s: str, t: int) -> list[tuple[float, object]]:
        out = [(1.0, energy.gen[s, e, t]) for e in clean] + [(inp.grid_clean_share[s], energy.grid[s, t])]
        if inp.storage:
            out += [(1.0, energy.discharge[s, t]), (-1.0, energy.charge[s, t])]
        return out

    b.cfe = pyo.Expression(site.S, energy.T, rule=lambda b, s, t: linear(cfe_terms(s, t)))
    if elastic:
        b.cfe_shortfall = pyo.Var(site.S, domain=pyo.NonNegativeReals, units=MWh / yr)
    b.hourly_cfe = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            unit * linear([(weight[t] * c, v) for t in energy.T for c, v in cfe_terms(s, t)])
            + (b.cfe_shortfall[s] if elastic else 0)
            >= b.cfe_share * site.facility_energy[s]
        ),
    )
