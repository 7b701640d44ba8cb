"""Cost and carbon accounting block, and the objective.

Annualised cost [MUSD/yr]::

    cost = sum_s fixed * open[s]                                  site development, CRF-annualised
         + sum_{s,g} gpu_annual[g] n_gpu[s,g]                     price x CRF(wacc, GPU life)
         + sum_s it_annual[s] it_cap[s]                           shell, electrical, land (wacc x value)
         + sum_{s,c} (cooling_annual[c] + (index[s] - 1) cooling_capex_annual[c]) it_cap[s,c]
                                                                  capex at the regional construction index
         + sum_{s,e} tech_annual[e] cap[s,e] + grid_annual grid_cap[s]
         + battery_power_annual st_power + battery_energy_annual st_energy
         + sum_{s,e,t} w_t var_cost[s,e] gen[s,e,t]               VOM + heat rate x gas price
         + sum_{s,t} w_t price[s] grid[s,t]
         + backup gensets and bridge power (planner/model/redundancy.py, planner/model/timing.py)
         + capacity, demand/standby and transmission charges of the grid tariff (planner/model/tariff.py)
         + gas lateral, NOx controls, firm gas transport and NOx offsets (planner/model/gas.py)
         + supply contracts settled against the energy price (planner/model/contracts.py)
         + soft costs, owner contingency, interest during construction, sales tax on IT equipment
           and the interconnection curve (planner/model/capex_adders.py)
         + water_price * water + carbon_price * emissions_operational

Emissions [tCO2e/yr]: operational = sum w_t (grid co2[s] grid + co2[e] gen) (stack and the
grid's generation-weighted rate) + backup genset test hours + bridge power over the grid
(annualised); upstream = sum w_t (upstream[e] gen + upstream_grid[s] grid) (fuel chain of on-site
gas and of the grid's fossil mix, :mod:`planner.model.lifecycle_inputs`; not charged by the carbon
price); embodied = GPU, building, plant and battery manufacturing
carbon divided by asset life. Total = operational + upstream + embodied (location-based);
market-based = total - the contracts' credit (:mod:`planner.model.contracts`);
``emissions_accounted`` is the one ``policy.carbon_accounting`` names (the ``carbon`` objective
and the carbon cap use it).
Objective ``cost``: min cost (with ``demand.growth``: min the present value at the start year,
:mod:`planner.model.phasing`, in MUSD); ``carbon``: min operational + upstream + embodied emissions,
with a tiny cost tie-break (1e-3 tCO2e per MUSD) so that equal-carbon plans are not needlessly dear.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear
from planner.model.phasing import add_present_value, discounted
from planner.model.units import GPU, ML, MUSD, MW, Mtok_s, MWh, dimensionless, hr, tCO2, yr

UNMET_PENALTY = 1e7
"""Elastic model: price of unmet demand [MUSD/yr per Mtoken/s]."""
COST_CATEGORIES = (
    "site_development",
    "gpus",
    "building_electrical_land",
    "cooling",
    "generation_capacity",
    "grid_connection",
    "battery",
    "fuel_and_vom",
    "grid_energy",
    "backup_power",
    "bridge_power",
    "capacity_charge",
    "demand_charge",
    "transmission_charge",
    "gas_lateral",
    "emissions_controls",
    "controls_reagent",
    "gas_transport",
    "nox_offsets",
    "contract_energy",
    "soft_costs",
    "owner_contingency",
    "interest_during_construction",
    "sales_tax",
    "interconnection",
)
"""Annualised cost categories per site; water and carbon price are added on top."""
LIMIT_PENALTY = 1e4
"""Elastic model: price of a limit exceeded [MUSD/yr] per MW, per 8760 MWh/yr, per 10 ML/yr,
per 1e4 tCO2e/yr, per site, or per Mtoken/s of site-loss coverage: below unmet demand (which
needs ~0.5 MW per Mtoken/s), so the relaxed plan serves demand and shows which limits have to give."""
CARBON_TIE_BREAK = 1e-3
"""Carbon objective: tCO2e/yr charged per MUSD/yr of cost, to break ties between equal-carbon plans."""


def add_accounting(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.cost`` with cost categories and emissions as named expressions."""
    b = pyo.Block()
    m.cost = b
    site = m.site
    _add_cost_params(b, m, inp)
    it_cap = {s: sum(site.it_cap[s, c] for c in site.C) for s in inp.sites}
    zero = 0.0 * MUSD / yr
    b.K = pyo.Set(initialize=list(COST_CATEGORIES), ordered=True)
    cats = {s: _site_costs(b, m, inp, s, it_cap[s], zero) for s in inp.sites}
    b.site_category = pyo.Expression(site.S, b.K, rule=lambda b, s, k: cats[s].get(k, zero))
    _add_site_emissions(b, m, inp, it_cap)
    b.emissions_operational = pyo.Expression(expr=sum(b.emissions_operational_site[s] for s in site.S))
    b.emissions_embodied = pyo.Expression(expr=sum(b.emissions_embodied_site[s] for s in site.S))
    b.emissions_upstream = pyo.Expression(expr=sum(b.emissions_upstream_site[s] for s in site.S))
    b.emissions_total = pyo.Expression(
        expr=b.emissions_operational + b.emissions_upstream + b.emissions_embodied
    )
    b.emissions_market_based = pyo.Expression(
        expr=b.emissions_total - sum(m.contracts.credit[s] for s in site.S)
    )
    market = inp.scenario.policy.carbon_accounting == "market_based"
    b.emissions_accounted = pyo.Expression(expr=b.emissions_market_based if market else b.emissions_total)
    return b


def _add_cost_params(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """Cost coefficients [MUSD/yr per unit, MUSD/MWh, MUSD/ML, MUSD/tCO2e] and emission factors
    [tCO2e/MWh, tCO2e/yr per unit] of the accounting block."""
    site, fleet, energy = m.site, m.fleet, m.energy
    P = pyo.Param
    b.site_fixed = P(initialize=inp.site_fixed_annual_musd, units=MUSD / yr)
    b.gpu_annual = P(fleet.G, initialize=inp.gpu_annual_musd, units=MUSD / yr / GPU)
    b.it_annual = P(site.S, initialize=inp.it_annual_musd_per_mw, units=MUSD / yr / MW)
    b.cooling_annual = P(site.C, initialize=inp.cooling_annual_musd_per_mw, units=MUSD / yr / MW)
    b.tech_annual = P(inp.techs, initialize=inp.tech_annual_musd_per_mw, units=MUSD / yr / MW)
    b.var_cost = P(
        site.S,
        energy.E,
        initialize={(s, e): inp.var_cost_musd_per_mwh[s, e] for s in inp.sites for e in inp.generators},
        units=MUSD / MWh,
    )
    b.hourly_cost_unit = P(initialize=1.0, units=hr / yr * MUSD / MWh)  # of w_t x price [MUSD/yr per MW]
    b.hourly_carbon_unit = P(initialize=1.0, units=hr / yr * tCO2 / MWh)  # of w_t x rate [tCO2e/yr per MW]
    b.tech_co2 = P(
        energy.E, initialize={e: inp.tech_co2_t_per_mwh[e] for e in inp.generators}, units=tCO2 / MWh
    )
    b.tech_upstream = P(
        energy.E, initialize={e: inp.tech_upstream_t_per_mwh[e] for e in inp.generators}, units=tCO2 / MWh
    )
    b.water_price = P(initialize=inp.water_price_musd_per_ml, units=MUSD / ML)
    b.carbon_price = P(initialize=inp.scenario.carbon_price_usd_per_t / 1e6, units=MUSD / tCO2, mutable=True)
    b.gpu_embodied = P(fleet.G, initialize=inp.gpu_embodied_t_per_yr, units=tCO2 / yr / GPU)
    b.it_embodied = P(initialize=inp.it_embodied_t_per_mw_yr, units=tCO2 / yr / MW)
    b.tech_embodied = P(inp.techs, initialize=inp.tech_embodied_t_per_mw_yr, units=tCO2 / yr / MW)
    if inp.storage:
        b.storage_annual = P(initialize=inp.storage_annual_musd_per_mwh, units=MUSD / yr / MWh)
        b.storage_embodied = P(initialize=inp.storage_embodied_t_per_mwh_yr, units=tCO2 / yr / MWh)


def _site_costs(
    b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, s: str, it_cap: object, zero: object
) -> dict[str, object]:
    """Annualised cost of site ``s`` per category of :data:`COST_CATEGORIES` [MUSD/yr]
    (equations in the module docstring; ``it_cap`` = sum_c it_cap[s,c] [MW])."""
    site, fleet, energy = m.site, m.fleet, m.energy
    w, T = inp.slices.weight_h, range(inp.slices.n)
    return {
        "site_development": b.site_fixed * site.open[s],
        "gpus": sum(b.gpu_annual[g] * fleet.n_gpu[s, g] for g in fleet.G),
        "building_electrical_land": b.it_annual[s] * it_cap,
        "cooling": sum(_cooling_annual(b, inp, s, c) * site.it_cap[s, c] for c in site.C),
        "generation_capacity": sum(b.tech_annual[e] * energy.cap[s, e] for e in energy.E),
        "grid_connection": b.tech_annual["grid"] * energy.grid_cap[s] if "grid" in inp.techs else zero,
        "battery": b.tech_annual["battery"] * energy.st_power[s] + b.storage_annual * energy.st_energy[s]
        if inp.storage
        else zero,
        "fuel_and_vom": b.hourly_cost_unit
        * linear(
            (w[t] * inp.var_cost_musd_per_mwh[s, e], energy.gen[s, e, t]) for e in inp.generators for t in T
        ),
        "grid_energy": b.hourly_cost_unit
        * linear((w[t] * inp.grid_price_musd_per_mwh[s, t], energy.grid[s, t]) for t in T),
        "backup_power": m.redundancy.cost[s],
        "bridge_power": m.timing.cost[s],
        "capacity_charge": m.tariff.capacity[s],
        "demand_charge": m.tariff.demand[s],
        "transmission_charge": m.tariff.transmission[s],
        "gas_lateral": m.gas.lateral[s],
        "emissions_controls": m.gas.controls[s],
        "controls_reagent": m.gas.reagent[s],
        "gas_transport": m.gas.transport[s],
        "nox_offsets": m.gas.offsets[s],
        "contract_energy": m.contracts.cost[s],
        "soft_costs": m.capex.soft_costs[s],
        "owner_contingency": m.capex.owner_contingency[s],
        "interest_during_construction": m.capex.interest_during_construction[s],
        "sales_tax": m.capex.sales_tax[s],
        "interconnection": m.capex.interconnection[s],
    }


def _cooling_annual(b: pyo.Block, inp: ModelInputs, s: str, c: str) -> object:
    """Cooling cost per MW IT at site ``s`` [MUSD/yr/MW]: capex x CRF at the site's regional
    construction index, plus fixed O&M (not indexed)::

        cooling_annual[c] + (index[s] - 1) capex[c] CRF(wacc, life[c])
    """
    cx = inp.capex
    if cx is None or cx.index[s] == 1.0:
        return b.cooling_annual[c]
    return b.cooling_annual[c] + (cx.index[s] - 1.0) * cx.hard_cooling_annual[c] * MUSD / yr / MW


def _add_site_emissions(
    b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, it_cap: dict[str, object]
) -> None:
    """Operational, embodied and upstream emissions per site.

    Equations [tCO2e/yr]::

        operational[s] = sum_t w_t (grid_co2[s,t] grid[s,t] + sum_e co2[e] gen[s,e,t])
        embodied[s]    = sum_g gpu_emb[g] n_gpu[s,g] + it_emb it_cap[s] + sum_e tech_emb[e] cap[s,e]
                         + grid_emb grid_cap[s]   (substation, transformers: energy.csv grid row)
                         + battery_emb_energy st_energy[s] + battery_emb_power st_power[s]
        upstream[s]    = sum_{e,t} w_t upstream[e] gen[s,e,t] + sum_t w_t upstream_grid[s] grid[s,t]
    """
    site, fleet, energy = m.site, m.fleet, m.energy
    w, T = inp.slices.weight_h, range(inp.slices.n)

    def operational(b: pyo.Block, s: str) -> object:
        terms = [(w[t] * inp.grid_co2_t_per_mwh[s, t], energy.grid[s, t]) for t in T]
        terms += [(w[t] * inp.tech_co2_t_per_mwh[e], energy.gen[s, e, t]) for e in inp.generators for t in T]
        return b.hourly_carbon_unit * linear(terms) + m.redundancy.emissions[s] + m.timing.emissions[s]

    b.emissions_operational_site = pyo.Expression(site.S, rule=operational)

    def embodied(b: pyo.Block, s: str) -> object:
        total = (
            sum(b.gpu_embodied[g] * fleet.n_gpu[s, g] for g in fleet.G)
            + b.it_embodied * it_cap[s]
            + sum(b.tech_embodied[e] * energy.cap[s, e] for e in energy.E)
        )
        if "grid" in inp.techs:
            total = total + b.tech_embodied["grid"] * energy.grid_cap[s]
        if inp.storage:
            total = (
                total
                + b.storage_embodied * energy.st_energy[s]
                + b.tech_embodied["battery"] * energy.st_power[s]
            )
        return total

    b.emissions_embodied_site = pyo.Expression(site.S, rule=embodied)
    b.emissions_upstream_site = pyo.Expression(
        site.S,
        rule=lambda b, s: (
            b.hourly_carbon_unit
            * linear(
                [
                    (w[t] * inp.tech_upstream_t_per_mwh[e], energy.gen[s, e, t])
                    for e in inp.generators
                    for t in T
                ]
                + [(w[t] * inp.grid_upstream_t_per_mwh[s], energy.grid[s, t]) for t in T]
            )
        ),
    )


def add_objective(m: pyo.ConcreteModel, inp: ModelInputs, objective: str, elastic: bool = False) -> None:
    """Add the objective (needs ``m.cost`` and ``m.policy``); water and carbon price complete the cost."""
    b = m.cost
    b.water_cost_site = pyo.Expression(m.site.S, rule=lambda b, s: b.water_price * m.policy.water[s])
    b.carbon_cost_site = pyo.Expression(
        m.site.S, rule=lambda b, s: b.carbon_price * b.emissions_operational_site[s]
    )
    b.site_total = pyo.Expression(
        m.site.S,
        rule=lambda b, s: (
            sum(b.site_category[s, k] for k in b.K) + b.water_cost_site[s] + b.carbon_cost_site[s]
        ),
    )
    b.total = pyo.Expression(expr=sum(b.site_total[s] for s in m.site.S))
    penalty = 0.0
    if elastic:
        b.unmet_penalty = pyo.Param(initialize=UNMET_PENALTY, units=MUSD / yr / Mtok_s)
        b.limit_penalty = pyo.Param(initialize=LIMIT_PENALTY, units=dimensionless)
        penalty = b.unmet_penalty * sum(m.demand.unmet[k] for k in m.demand.K) + b.limit_penalty * _slack_sum(
            m
        )
    if objective == "cost" and not elastic and discounted(m, inp):
        m.objective = pyo.Objective(expr=add_present_value(m, inp), sense=pyo.minimize)
    elif objective == "cost":
        m.objective = pyo.Objective(expr=b.total + penalty * (1 if elastic else 0), sense=pyo.minimize)
    else:
        b.tie_break = pyo.Param(initialize=CARBON_TIE_BREAK, units=tCO2 / MUSD)
        expr = b.emissions_accounted + b.tie_break * b.total
        if elastic:
            b.to_carbon = pyo.Param(initialize=1.0, units=tCO2 / MUSD)
            expr = expr + b.to_carbon * penalty
        m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)


def _slack_sum(m: pyo.ConcreteModel) -> pyo.Expression:
    """Sum of every limit slack, each converted to MUSD/yr at one price per natural unit."""
    price = {
        "MW": 1.0 * MUSD / yr / MW,
        "MWh": (1.0 / 8760) * MUSD / MWh,
        "ML": 1e-3 * MUSD / ML,
        "t": 1e-4 * MUSD / tCO2,
        "site": 1.0 * MUSD / yr,
        "Mtok": 1.0 * MUSD / yr / Mtok_s,
    }
    terms = [sum(var.values()) * price[unit] for var, unit in slack_variables(m)]
    terms.append(
        sum(m.energy.weight[t] * m.energy.unsupplied[s, t] for s in m.site.S for t in m.energy.T)
        * price["MWh"]
    )
    return sum(terms)


def slack_variables(m: pyo.ConcreteModel) -> list[tuple[pyo.Var, str]]:
    """The elastic model's limit slacks with their unit family."""
    out = []
    for comp, unit in (
        (getattr(m.site, "campus_overrun", None), "MW"),
        (getattr(m.energy, "grid_overrun", None), "MW"),
        (getattr(m.energy, "firm_shortfall", None), "MW"),
        (getattr(m.policy, "water_overrun", None), "ML"),
        (getattr(m.policy, "carbon_overrun", None), "t"),
        (getattr(m.policy, "clean_shortfall", None), "MWh"),
        (getattr(m.policy, "cfe_shortfall", None), "MWh"),
        (getattr(m.policy, "sites_shortfall", None), "site"),
        (getattr(getattr(m, "site_loss", None), "shortfall", None), "Mtok"),
    ):
        if comp is not None:
            out.append((comp, unit))
    return out
