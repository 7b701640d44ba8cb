"""Coefficients of the time-to-power and redundancy blocks, from the scenario and the catalogs.

Years: construction starts on 1 January of ``start_year`` (``demand.start_year``, else the year in
the scenario name, else the current year); an asset with lead time L [years] is in service in year
``start_year + floor(L)`` (the convention of the capex spend schedule). A site is in service when
its building (``facility.csv`` ``building_lead_time_years``) and the GPUs it hosts are; its power when
each supply asset is (``energy.csv`` ``lead_time_years``; the grid tie: the site's
``grid_lead_time_years``, the ISO queue).

GPU type g, ordered at notice to proceed, is delivered in (:func:`gpu_delivery_year`)::

    Y_g = max(start_year + floor(lead_time_years[g]), first_delivery_year[g])      [year]

(``gpu_delivery.csv``, ``gpus.csv``: no order arrives before the vendor's first volume deliveries)
and bought in the year the capex tables book it, when the site is ready or the GPUs arrive,
whichever is later: B_g = max(start_year + floor(building lead time), Y_g). A GPU is on the menu only
if it is still sold then, B_g <= end_of_sale_year[g] (:func:`off_sale_gpus`); the deadline rule of
:mod:`planner.model.timing` keeps Y_g <= the site's online year.

Bridge power (gas turbines or engines until a late grid tie or plant a arrives): rent per MW and
year of bridging, fuel premium and CO2 per MWh the bridge supplies in the asset's place
(:mod:`planner.model.bridge` charges them on the energy the site draws from the asset)::

    fuel[s,a] = max(0, heat_rate gas_price[s] + vom - var[s,a]) / 1e6                 [MUSD/MWh]
    co2[s,a]  = max(0, heat_rate ng_co2 - co2[s,a]) / 1e3                             [tCO2/MWh]
    rent      = bridge_usd_per_kw_yr x 1e3 / 1e6                                     [MUSD/MW-yr]
    own_annual = (capex CRF(wacc, life) + FOM) x 1e3 / 1e6     units bought and kept  [MUSD/MW-yr]

with var[s,a] the asset's own energy cost
(grid: the site's price; plant: VOM + heat rate x gas price) [USD/MWh] and co2[s,a] its stack CO2
(grid: the site's average rate) [kg/MWh]. Bought units are gas reciprocating engines priced as
``energy.csv`` ``gas_recip`` (market capex, FOM, life, WACC); kept as backup they emit only in test
hours (``backup_test_hours_per_yr`` x bridge heat rate x natural-gas CO2).

Backup gensets [MUSD/MW-yr, tCO2/MW-yr]::

    backup_annual = (capex x CRF(wacc, life) + FOM) x 1e3 / 1e6
    backup_co2    = test_hours x co2_per_MWh / 1e3           emissions of test runs only
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs, crf
from planner.model.costs import CAPEX_COLUMN, _wacc
from planner.scenario.schema import Scenario

EPS = 1e-9
OWNED_BRIDGE = "gas_recip"
"""``energy.csv`` row pricing bridge units that are bought and kept as backup."""


def default_base_year(scenario_name: str, today: datetime | None = None) -> int:
    """The year in the scenario name (``us_inference_2027`` -> 2027), else the current UTC year."""
    found = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", scenario_name)
    if found:
        return int(found[-1])
    return (today or datetime.now(UTC)).year


def start_year(scenario: Scenario) -> int:
    """Construction start year: ``demand.start_year``, else :func:`default_base_year`."""
    return scenario.demand.start_year or default_base_year(scenario.name)


def in_service_year(start: int, lead_years: float) -> int:
    """Year an asset started on 1 January of ``start`` with lead time ``lead_years`` enters service."""
    return start + math.floor(lead_years + EPS)


def stream_online_years(scenario: Scenario) -> dict[tuple[str, str], int]:
    """Online year per demand stream (region, model): the last ``demand.growth`` year, else the
    model entry, else the region entry, else ``demand.online_year``; streams without any are left out."""
    dem = scenario.demand
    if dem.growth:
        return {(s.region, s.model): max(dem.growth) for s in dem.served}
    out = {}
    for s in dem.served:
        year = dem.online_year_by.get(s.model, dem.online_year_by.get(s.region, dem.online_year))
        if year is not None:
            out[(s.region, s.model)] = int(year)
    return out


@dataclass(frozen=True)
class TimingInputs:
    """Lead times as in-service years, and bridge power prices (units in the module docstring)."""

    start_year: int
    online_year: dict[tuple[str, str], int]  # stream -> year it must be served
    site_year: dict[str, int]  # building in service
    site_bound: dict[str, str]  # "construction"
    gpu_year: dict[str, int]  # GPU type -> delivered and in service
    tech_year: dict[str, int]  # energy technology -> in-service year
    grid_year: dict[str, int]  # site -> grid tie in service (ISO queue)
    bridge_year: int
    bridge_rent_musd_per_mw_yr: float
    bridge_fuel_musd_per_mwh: dict[tuple[str, str], float]  # (site, asset) -> fuel premium
    bridge_t_per_mwh: dict[tuple[str, str], float]  # (site, asset) -> CO2 over the asset's
    keep_annual_musd_per_mw: float
    keep_capex_musd_per_mw: float
    keep_t_per_mw_yr: float
    bridge_crf: float  # one-off bridge cost annualised over the building life [1/yr]
    building_life: float
    growth: dict[int, float]  # year -> share of every stream's demand served by then (phasing)
    wacc: float  # scenario or default WACC, for discounting to the start year [-]

    @property
    def levels(self) -> list[int]:
        """The distinct online years (and growth years), ascending."""
        return sorted(set(self.online_year.values()) | set(self.growth))


def timing_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, techs: list[str], gpus: list[str]
) -> TimingInputs:
    """:class:`TimingInputs` of the scenario (``online_year`` empty when no stream has one: the
    in-service years are then only reported)."""
    online = stream_online_years(scenario)
    fac, y0 = catalogs.facility, start_year(scenario)
    building = float(fac["building_lead_time_years"])
    wacc = scenario.finance.wacc if scenario.finance.wacc is not None else catalogs.finance["wacc_default"]
    life = float(scenario.finance.building_life_years or fac["building_life_years"])
    return TimingInputs(
        start_year=y0,
        online_year=online,
        site_year={s: in_service_year(y0, building) for s in sites.index},
        site_bound=dict.fromkeys(sites.index, "construction"),
        gpu_year={g: gpu_delivery_year(catalogs, g, y0) for g in gpus},
        tech_year={e: in_service_year(y0, float(catalogs.energy.at[e, "lead_time_years"])) for e in techs},
        grid_year={s: in_service_year(y0, float(sites.at[s, "grid_lead_time_years"])) for s in sites.index},
        bridge_year=in_service_year(y0, fac["bridge_lead_time_years"]),
        **bridge_inputs(scenario, catalogs, sites, techs),
        bridge_crf=crf(wacc, life),
        building_life=life,
        growth=dict(scenario.demand.growth),
        wacc=float(wacc),
    )


def gpu_delivery_year(catalogs: Catalogs, gpu: str, start: int) -> int:
    """Y_g: the year GPU type ``gpu`` ordered in ``start`` is delivered and in service, never before
    its first volume deliveries (module docstring)."""
    lead = float(catalogs.gpu_delivery.at[gpu, "lead_time_years"])
    return max(in_service_year(start, lead), int(catalogs.gpus.at[gpu, "first_delivery_year"]))


def off_sale_gpus(scenario: Scenario, catalogs: Catalogs, gpus: list[str]) -> dict[str, str]:
    """GPUs of ``gpus`` no longer sold in the year they would be bought, B_g > end_of_sale_year
    (module docstring), each with the reason (``H100: bought 2028, sold until 2027``)."""
    y0 = start_year(scenario)
    ready = in_service_year(y0, float(catalogs.facility["building_lead_time_years"]))
    out = {}
    for g in gpus:
        bought = max(ready, gpu_delivery_year(catalogs, g, y0))
        last = int(catalogs.gpus.at[g, "end_of_sale_year"])
        if bought > last:
            out[g] = f"{g}: bought {bought}, sold until {last}"
    return out


def bridge_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, techs: list[str]
) -> dict[str, Any]:
    """Bridge prices and emissions per (site, asset) and of kept units (module docstring)."""
    fac, energy = catalogs.facility, catalogs.energy
    hr, vom = fac["bridge_heat_rate_mmbtu_per_mwh"], fac["bridge_vom_usd_per_mwh"]
    fuel, co2 = {}, {}
    for s in sites.index:
        gas = float(sites.at[s, "gas_price_usd_per_mmbtu"])  # overrides and scales applied
        own = {
            "grid": (
                float(sites.at[s, "electricity_price_usd_per_mwh"]),
                float(sites.at[s, "grid_co2_g_per_kwh"]),
            )
        }
        for e in (t for t in techs if energy.at[t, "kind"] not in ("grid", "battery")):
            row = energy.loc[e]
            own[e] = (
                row["vom_usd_per_mwh"] + row["heat_rate_mmbtu_per_mwh"] * gas,
                row["co2_direct_kg_per_mwh"],
            )
        for a, (var, stack) in own.items():
            fuel[s, a] = max(0.0, hr * gas + vom - var) / 1e6
            co2[s, a] = max(0.0, hr * fac["ng_co2_kg_per_mmbtu"] - stack) / 1e3
    recip, column = energy.loc[OWNED_BRIDGE], CAPEX_COLUMN[scenario.prices.cost_case]
    own_wacc = _wacc(scenario, catalogs, OWNED_BRIDGE)
    own_annual = recip[column] * crf(own_wacc, recip["life_years"]) + recip["fom_usd_per_kw_yr"]
    return {
        "bridge_rent_musd_per_mw_yr": fac["bridge_usd_per_kw_yr"] * 1e3 / 1e6,
        "bridge_fuel_musd_per_mwh": fuel,
        "bridge_t_per_mwh": co2,
        "keep_annual_musd_per_mw": float(own_annual) * 1e3 / 1e6,
        "keep_capex_musd_per_mw": float(recip[column]) * 1e3 / 1e6,
        "keep_t_per_mw_yr": fac["backup_test_hours_per_yr"] * hr * fac["ng_co2_kg_per_mmbtu"] / 1e3,
    }


@dataclass(frozen=True)
class RedundancyInputs:
    """Redundancy level and backup genset coefficients (units in the module docstring)."""

    level: str  # none, n+1, 2n, n+1+fuel
    backup_annual_musd_per_mw: float
    backup_capex_musd_per_mw: float
    backup_t_per_mw_yr: float
    fuel_autonomy_h: float = 0.0  # diesel on site, hours at full genset output [h]
    genset_unit_mw: float = 0.0  # one standby genset [MW] (the unit a genset trip loses)


def redundancy_inputs(scenario: Scenario, catalogs: Catalogs) -> RedundancyInputs:
    """:class:`RedundancyInputs` of the scenario (``policy.power_redundancy``)."""
    fac = catalogs.facility
    wacc = scenario.finance.wacc if scenario.finance.wacc is not None else catalogs.finance["wacc_default"]
    capex = fac["backup_genset_capex_usd_per_kw"]
    annual = capex * crf(wacc, fac["backup_genset_life_years"]) + fac["backup_genset_fom_usd_per_kw_yr"]
    return RedundancyInputs(
        level=scenario.policy.power_redundancy,
        backup_annual_musd_per_mw=annual * 1e3 / 1e6,
        backup_capex_musd_per_mw=capex * 1e3 / 1e6,
        backup_t_per_mw_yr=fac["backup_test_hours_per_yr"] * fac["backup_genset_co2_kg_per_mwh"] / 1e3,
        fuel_autonomy_h=fac["backup_fuel_autonomy_h"],
        genset_unit_mw=fac["backup_genset_unit_mw"],
    )
