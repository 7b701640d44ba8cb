"""Cost, emission and water coefficients of the model, from the catalogs and the scenario's finance.

Every value is in model units: MUSD (overnight capex), MUSD/yr (annualised with the capital
recovery factor CRF(wacc, life) = wacc / (1 - (1 + wacc)^-life)), t/yr, ML. Each builder
returns the :class:`~planner.model.inputs.ModelInputs` fields of one concern.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from planner.catalogs.capex_tables import site_row
from planner.catalogs.load import Catalogs, crf
from planner.chain.tokens.power import busy_share, node_power_w
from planner.model.lifecycle_inputs import grid_upstream_t_per_mwh, tech_upstream_t_per_mwh
from planner.scenario.schema import Scenario


def _wacc(scenario: Scenario, catalogs: Catalogs, tech: str | None = None) -> float:
    """The scenario's WACC if set, else the technology's catalog WACC, else the default [-]."""
    if scenario.finance.wacc is not None:
        return scenario.finance.wacc
    default = catalogs.finance["wacc_default"]
    if tech is None:
        return default
    w = catalogs.energy.at[tech, "wacc"]
    return float(w) if pd.notna(w) else default


def gpu_cost_inputs(scenario: Scenario, catalogs: Catalogs, gpus: list[str]) -> dict[str, Any]:
    """Per GPU: block size, node, busy and idle power [MW], capex [MUSD], annualised cost and
    embodied carbon.

    node = all-in node W (nameplate) + scale-out network W: sizes the electrical and cooling plant;
    busy = P(1) = max(s P_node, P_idle) + network W, the node power the meter reads at full load
    (s from MLPerf measured system power, :mod:`planner.chain.tokens.power`): energy while serving;
    idle = idle node W + network W (switches and optics draw about the same power idle or busy);
    annual = price x CRF(wacc, life); embodied [t/yr] = kgCO2e per GPU / 1e3 / life.
    """
    gpu, wacc = catalogs.gpus.loc[gpus], _wacc(scenario, catalogs)
    net = {g: float(gpu.at[g, "network_w_per_gpu"]) for g in gpus}
    capex = {g: float(gpu.at[g, "price_usd_per_gpu"]) * scenario.prices.gpu_price_scale / 1e6 for g in gpus}
    lives = {g: float(scenario.finance.gpu_life_years or gpu.at[g, "life_years"]) for g in gpus}
    return {
        "gpu_block": {g: int(gpu.at[g, "block_gpus"]) for g in gpus},
        "gpu_node_mw": {
            g: float(gpu.at[g, "node_w_per_gpu"] + gpu.at[g, "network_w_per_gpu"]) / 1e6 for g in gpus
        },
        "gpu_idle_mw": {g: (float(gpu.at[g, "idle_w_per_gpu"]) + net[g]) / 1e6 for g in gpus},
        "gpu_busy_mw": {
            g: (node_power_w(gpu.loc[g], 1.0, busy_share(catalogs, g)) + net[g]) / 1e6 for g in gpus
        },
        "spare_share": scenario.fleet.spare_share,
        "gpu_annual_musd": {g: capex[g] * crf(wacc, lives[g]) for g in gpus},
        "gpu_capex_musd": capex,
        "gpu_embodied_t_per_yr": {
            g: float(gpu.at[g, "embodied_kgco2e_per_gpu"]) / 1e3 / lives[g] for g in gpus
        },
    }


def construction_index(catalogs: Catalogs, sites: pd.DataFrame) -> dict[str, float]:
    """Regional construction index per site [-] (``data/construction_index.csv``: the market's cost
    per MW over the national average); 1 for every site when the data tree has no such file, and
    1 (the national average) for a site added by a scenario whose state and country no row names."""
    table = catalogs.construction_index
    if not len(table):
        return dict.fromkeys(sites.index, 1.0)
    rows = {sid: site_row(table, sites, sid) for sid in sites.index}
    return {sid: 1.0 if row is None else float(row["index"]) for sid, row in rows.items()}


def facility_cost_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, coolings: list[str]
) -> dict[str, Any]:
    """Building, electrical, land, cooling and site-development costs [MUSD per MW IT, MUSD/yr].

    annual per MW IT = (index[s] x (shell x CRF(wacc, building life) + electrical x CRF(wacc,
    electrical life)) + building FOM) x 1e3 / 1e6 + acres per MW x land price x wacc / 1e6 (land is
    not depreciated); index[s] = the site's regional construction index (:func:`construction_index`,
    also applied to cooling in the objective). Capex per MW IT = index x (shell + electrical) + land.
    """
    fac, cool, wacc = catalogs.facility, catalogs.cooling.loc[coolings], _wacc(scenario, catalogs)
    b_life = scenario.finance.building_life_years or fac["building_life_years"]
    index = construction_index(catalogs, sites)
    it_capex_per_mw = (fac["building_shell_usd_per_kw_it"] + fac["electrical_usd_per_kw_it"]) * 1e3 / 1e6
    land = {
        sid: fac["land_acres_per_mw_it"] * float(sites.at[sid, "land_cost_usd_per_acre"])
        for sid in sites.index
    }
    it_annual = {
        sid: (
            index[sid]
            * (
                fac["building_shell_usd_per_kw_it"] * crf(wacc, b_life)
                + fac["electrical_usd_per_kw_it"] * crf(wacc, fac["electrical_life_years"])
            )
            + fac["building_fom_usd_per_kw_it_yr"]
        )
        * 1e3
        / 1e6
        + land[sid] * wacc / 1e6
        for sid in sites.index
    }
    site_fixed = fac["site_development_usd"] / 1e6
    return {
        "it_annual_musd_per_mw": it_annual,
        "it_capex_musd_per_mw": {sid: index[sid] * it_capex_per_mw + land[sid] / 1e6 for sid in sites.index},
        "it_embodied_t_per_mw_yr": fac["embodied_building_kgco2e_per_kw_it"] / b_life,
        "cooling_annual_musd_per_mw": {
            c: (
                float(cool.at[c, "capex_usd_per_kw_it"]) * crf(wacc, float(cool.at[c, "life_years"]))
                + float(cool.at[c, "fom_usd_per_kw_it_yr"])
            )
            * 1e3
            / 1e6
            for c in coolings
        },
        "cooling_capex_musd_per_mw": {
            c: float(cool.at[c, "capex_usd_per_kw_it"]) * 1e3 / 1e6 for c in coolings
        },
        "site_fixed_annual_musd": site_fixed * crf(wacc, b_life),
        "site_fixed_capex_musd": site_fixed,
        "water_price_musd_per_ml": fac["water_price_usd_per_m3"] * 1e3 / 1e6,
        "campus_mw": {sid: float(sites.at[sid, "campus_mw_max"]) for sid in sites.index},
        "water_limit_ml": {sid: float(sites.at[sid, "water_limit_ml_per_yr"]) for sid in sites.index},
    }


CAPEX_COLUMN = {"market": "capex_usd_per_kw", "atb": "capex_atb_usd_per_kw"}
"""``prices.cost_case`` -> the ``data/energy.csv`` column of overnight capex [USD/kW]: 2025 market
figures, or NREL ATB 2025 moderate."""


def energy_cost_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, techs: list[str]
) -> dict[str, Any]:
    """Energy technologies: annualised and overnight cost per MW, variable cost, emissions, water.

    annual [MUSD/MW/yr] = (capex per kW x CRF(wacc, life) + FOM per kW-yr) x 1e3 / 1e6, capex per kW
    from the scenario's ``prices.cost_case`` (:data:`CAPEX_COLUMN`);
    variable [MUSD/MWh] = (VOM + heat rate x site gas price) / 1e6; embodied [t/MW/yr] =
    kgCO2e per kW / life; upstream emissions of gas plants and grid imports from
    :mod:`planner.model.lifecycle_inputs`.
    """
    energy = catalogs.energy.loc[techs]
    capex_column = CAPEX_COLUMN[scenario.prices.cost_case]
    gas_price = sites["gas_price_usd_per_mmbtu"].astype(float)
    var_cost = {
        (sid, e): (
            float(energy.at[e, "vom_usd_per_mwh"])
            + float(energy.at[e, "heat_rate_mmbtu_per_mwh"]) * float(gas_price[sid])
        )
        / 1e6
        for sid in sites.index
        for e in techs
    }
    return {
        "tech_annual_musd_per_mw": {
            e: (
                float(energy.at[e, capex_column])
                * crf(_wacc(scenario, catalogs, e), float(energy.at[e, "life_years"]))
                + float(energy.at[e, "fom_usd_per_kw_yr"])
            )
            * 1e3
            / 1e6
            for e in techs
        },
        "tech_capex_musd_per_mw": {e: float(energy.at[e, capex_column]) * 1e3 / 1e6 for e in techs},
        "tech_embodied_t_per_mw_yr": {
            e: float(energy.at[e, "embodied_kgco2e_per_kw"]) / float(energy.at[e, "life_years"])
            for e in techs
        },
        "var_cost_musd_per_mwh": var_cost,
        "tech_co2_t_per_mwh": {e: float(energy.at[e, "co2_direct_kg_per_mwh"]) / 1e3 for e in techs},
        "tech_upstream_t_per_mwh": tech_upstream_t_per_mwh(scenario, catalogs, techs),
        "grid_upstream_t_per_mwh": grid_upstream_t_per_mwh(scenario, catalogs, sites),
        "tech_water_ml_per_mwh": {e: float(energy.at[e, "water_l_per_mwh"]) / 1e6 for e in techs},
        "heat_rate_mmbtu_per_mwh": {e: float(energy.at[e, "heat_rate_mmbtu_per_mwh"]) for e in techs},
        "module_mw": {e: float(energy.at[e, "module_mw"]) for e in techs},
        "unit_trip_mw": {e: float(energy.at[e, "unit_trip_mw"]) for e in techs},
        **storage_inputs(scenario, catalogs, techs),
    }


def storage_inputs(scenario: Scenario, catalogs: Catalogs, techs: list[str]) -> dict[str, Any]:
    """Battery: annualised and overnight cost per MWh, embodied carbon, one-way efficiency, duration.

    One-way efficiency = sqrt(round-trip efficiency).
    """
    battery = catalogs.energy.loc["battery"]
    life = float(battery["life_years"])
    wacc = _wacc(scenario, catalogs, "battery" if "battery" in techs else None)
    return {
        "storage_annual_musd_per_mwh": (
            float(battery["capex_usd_per_kwh"]) * crf(wacc, life) + float(battery["fom_usd_per_kwh_yr"])
        )
        * 1e3
        / 1e6,
        "storage_capex_musd_per_mwh": float(battery["capex_usd_per_kwh"]) * 1e3 / 1e6,
        "storage_embodied_t_per_mwh_yr": float(battery["embodied_kgco2e_per_kwh"]) / life,
        "storage_efficiency": math.sqrt(float(battery["round_trip_efficiency"])),
        "storage_max_hours": float(battery["max_duration_h"]),
    }
