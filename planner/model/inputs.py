"""Everything the optimisation model needs, computed once from a scenario and the catalogs.

The model builders read only :class:`ModelInputs` (plain dicts of floats in model units:
MW, MWh, MUSD, Mtoken/s, tCO2e, ML), never the catalogs, so a test can build an instance
by hand and the units of every number are fixed in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.catalogs.load import Catalogs, cooling_can_host, crf
from planner.chain.cooling import hourly_pue, hourly_wue
from planner.chain.physics import fibre_round_trip_ms, great_circle_km
from planner.chain.tokens.throughput import throughput_table
from planner.errors import InputError
from planner.model.timeslices import TimeSlices, build_time_slices
from planner.scenario.load import apply_site_overrides, selected_sites
from planner.scenario.schema import Scenario

CLEAN_KINDS = ("pv", "wind", "nuclear", "geothermal")
VARIABLE_KINDS = ("pv", "wind")
DISPATCHABLE_KINDS = ("gas", "nuclear", "geothermal")


@dataclass
class ModelInputs:
    """Sets and parameters of one model instance (model units; see module docstring)."""

    scenario: Scenario
    sites: list[str]
    site_data: pd.DataFrame
    techs: list[str]
    tech_kind: dict[str, str]
    gpus: list[str]
    coolings: list[str]
    models: list[str]
    streams: list[tuple[str, str]]  # (region, model)
    demand: dict[tuple[str, str], float]  # Mtoken/s average
    latency_budget_ms: dict[tuple[str, str], float]
    rtt_ms: dict[tuple[str, str], float]  # (site, region)
    flows: list[tuple[str, tuple[str, str]]]  # (site, stream) within the latency budget
    slices: TimeSlices
    peak_to_average: float
    tps: dict[tuple[str, str], float]  # (gpu, model) -> Mtoken/s per GPU
    throughput: pd.DataFrame
    compatible: dict[tuple[str, str], bool]  # (gpu, cooling)
    pue: dict[tuple[str, str], float]  # (site, cooling): catalog annual mean
    pue_t: dict[tuple[str, str, int], float]  # (site, cooling, slice): hourly, climate-driven
    wue_ml_per_mwh: dict[tuple[str, str, int], float]  # (site, cooling, slice)
    demand_shape: dict[tuple[tuple[str, str], int], float]  # (stream, slice): mean 1
    activity_shape: dict[tuple[str, str, int], float]  # (site, model, slice): mean 1
    capacity_shape: dict[
        tuple[tuple[str, str], int], float
    ]  # (stream, hour h): demand/average in the hours the fleet must cover
    availability: dict[tuple[str, str, int], float]  # (site, tech, t) max output per MW
    # costs (MUSD/yr per unit) and other coefficients
    gpu_block: dict[str, int]
    gpu_node_mw: dict[str, float]
    gpu_idle_mw: dict[str, float]
    gpu_annual_musd: dict[str, float]
    gpu_capex_musd: dict[str, float]
    gpu_embodied_t_per_yr: dict[str, float]
    it_annual_musd_per_mw: dict[str, float]
    it_capex_musd_per_mw: dict[str, float]
    it_embodied_t_per_mw_yr: float
    cooling_annual_musd_per_mw: dict[str, float]
    cooling_capex_musd_per_mw: dict[str, float]
    site_fixed_annual_musd: float
    site_fixed_capex_musd: float
    tech_annual_musd_per_mw: dict[str, float]
    tech_capex_musd_per_mw: dict[str, float]
    tech_embodied_t_per_mw_yr: dict[str, float]
    storage_annual_musd_per_mwh: float
    storage_capex_musd_per_mwh: float
    storage_embodied_t_per_mwh_yr: float
    storage_efficiency: float  # one-way, sqrt of round trip
    storage_max_hours: float
    var_cost_musd_per_mwh: dict[tuple[str, str], float]  # (site, tech) VOM + fuel
    grid_price_musd_per_mwh: dict[tuple[str, int], float]  # (site, slice)
    grid_co2_t_per_mwh: dict[tuple[str, int], float]  # (site, slice)
    grid_clean_share: dict[str, float]
    tech_co2_t_per_mwh: dict[str, float]
    tech_upstream_t_per_mwh: dict[str, float]
    tech_water_ml_per_mwh: dict[str, float]
    water_price_musd_per_ml: float
    heat_rate_mmbtu_per_mwh: dict[str, float]
    module_mw: dict[str, float]
    campus_mw: dict[str, float]
    grid_mw: dict[str, float]
    water_limit_ml: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def storage(self) -> bool:
        """Battery storage is modelled only with hourly slices."""
        return "battery" in self.techs and self.slices.hourly

    @property
    def generators(self) -> list[str]:
        """Technologies with a generation variable (not grid, not battery)."""
        return [e for e in self.techs if self.tech_kind[e] not in ("grid", "battery")]

    @property
    def total_demand(self) -> float:
        """Sum of average demand [Mtoken/s]."""
        return float(sum(self.demand.values()))


GEOTHERMAL_SITES = {"geothermal": ("hydrothermal",), "geothermal_egs": ("hydrothermal", "egs")}
"""Site ``geothermal_resource`` values on which each geothermal technology can be built."""


def _resource_ok(tech: str, kind: str, geothermal_resource: str) -> float:
    """1 if the site has the resource a technology needs, else 0 (geothermal only)."""
    if kind != "geothermal":
        return 1.0
    return 1.0 if geothermal_resource in GEOTHERMAL_SITES.get(tech, ("hydrothermal",)) else 0.0


MEAN_COLUMNS = {
    "pv_cf": "pv_cf",
    "wind_cf": "wind_cf",
    "dry_bulb_c": "annual_mean_temp_c",
    "grid_co2_g_per_kwh": "grid_co2_g_per_kwh",
    "grid_price_usd_per_mwh": "electricity_price_usd_per_mwh",
}
"""Profile column -> site catalog column that takes the profile's annual mean."""


def load_user_profiles(scenario: Scenario, site_ids: list[str]) -> dict[str, dict[str, pd.Series]]:
    """The scenario's user profile files (selected sites only), read and checked (8760 h)."""
    from planner.profiles import read_profile

    return {
        sid: {col: read_profile(path, col) for col, path in cols.items()}
        for sid, cols in scenario.profiles.items()
        if sid in site_ids
    }


def _menu(requested: list[str] | None, catalog: pd.DataFrame) -> list[str]:
    return list(catalog.index) if requested is None else list(dict.fromkeys(requested))


def build_inputs(scenario: Scenario, catalogs: Catalogs) -> ModelInputs:
    """Compute every set and coefficient of the model from a validated scenario.

    Raises :class:`InputError` when the menu leaves nothing to build with (e.g. no GPU can
    serve a requested model).
    """
    fac, fin = catalogs.facility, catalogs.finance
    site_ids = selected_sites(scenario, catalogs)
    sites = apply_site_overrides(scenario, catalogs).loc[site_ids].copy()
    user = load_user_profiles(scenario, site_ids)
    for sid, columns in user.items():  # annual means follow the user's profiles
        for column, series in columns.items():
            if column in MEAN_COLUMNS:
                sites.at[sid, MEAN_COLUMNS[column]] = float(series.mean())
    techs = _menu(scenario.technologies.energy, catalogs.energy)
    energy = catalogs.energy.loc[techs]
    gpus = _menu(scenario.technologies.gpus, catalogs.gpus)
    gpu = catalogs.gpus.loc[gpus]
    coolings = _menu(scenario.technologies.cooling, catalogs.cooling)
    cool = catalogs.cooling.loc[coolings]

    wacc_default = scenario.finance.wacc if scenario.finance.wacc is not None else fin["wacc_default"]

    def wacc_for(tech: str) -> float:
        if scenario.finance.wacc is not None:
            return scenario.finance.wacc
        w = energy.at[tech, "wacc"]
        return float(w) if pd.notna(w) else wacc_default

    # --- demand streams, latency, flows
    dem = scenario.demand
    streams: list[tuple[str, str]] = []
    demand: dict[tuple[str, str], float] = {}
    budget: dict[tuple[str, str], float] = {}
    for s in dem.served:
        k = (s.region, s.model)
        streams.append(k)
        demand[k] = s.tokens_per_s * dem.scale / 1e6
        budget[k] = s.latency_ms or dem.latency_ms.get(s.model, dem.default_latency_ms)
    models = list(dict.fromkeys(m for _, m in streams))
    regions = catalogs.regions
    route, speed = fac["fibre_route_factor"], fac["fibre_speed_km_per_ms"]
    rtt = {
        (sid, r): fibre_round_trip_ms(
            great_circle_km(
                sites.at[sid, "lat"], sites.at[sid, "lon"], regions.at[r, "lat"], regions.at[r, "lon"]
            ),
            route,
            speed,
        )
        for sid in site_ids
        for r in dict.fromkeys(r for r, _ in streams)
    }
    flows = [(sid, k) for k in streams for sid in site_ids if rtt[(sid, k[0])] <= budget[k]]

    # --- throughput (tokens/s per GPU), compatibility, PUE
    table = throughput_table(catalogs, gpus, models, estimate_only=scenario.physics.throughput == "estimate")
    tps = {
        (r.gpu_id, r.model_id): r.tokens_per_s_per_gpu / 1e6
        for r in table.itertuples()
        if r.tokens_per_s_per_gpu > 0
    }
    for m in models:
        if not any((g, m) in tps for g in gpus):
            raise InputError(
                f"technologies.gpus: no GPU in the menu ({', '.join(gpus)}) can serve model '{m}' (it does not fit in any scale-up domain); add a larger-memory GPU"
            )
    compatible = {(g, c): cooling_can_host(catalogs, g, c) for g in gpus for c in coolings}
    cc = catalogs.cooling_climate
    pue = {
        (sid, c): float(cc.at[(c, sites.at[sid, "climate_class"]), "pue"])
        for sid in site_ids
        for c in coolings
    }

    # --- time slices: hourly PUE/WUE, demand shapes, availability
    stream_regions = list(dict.fromkeys(r for r, _ in streams))
    slices = build_time_slices(
        scenario.time.mode,
        scenario.time.days,
        sites,
        regions.loc[stream_regions],
        dem.peak_to_average,
        user,
        tuple(scenario.time.extremes),
    )
    T = range(slices.n)
    pue_t: dict[tuple[str, str, int], float] = {}
    wue: dict[tuple[str, str, int], float] = {}
    for i, sid in enumerate(site_ids):
        for c in coolings:
            row = cc.loc[(c, sites.at[sid, "climate_class"])]
            p = hourly_pue(
                c,
                bool(cool.at[c, "liquid"]),
                float(row["pue"]),
                slices.dry_bulb_c[i],
                slices.wet_bulb_c[i],
                slices.weight_h,
            )
            w = (
                hourly_wue(float(row["wue_l_per_kwh"]), slices.wet_bulb_c[i], slices.weight_h) * 1e3 / 1e6
            )  # L/kWh -> ML/MWh
            for t in T:
                pue_t[sid, c, t], wue[sid, c, t] = float(p[t]), float(w[t])
    shape = {(k, t): float(slices.demand_shape[k[0]][t]) for k in streams for t in T}
    if slices.hourly:  # one row per distinct vector of stream shapes (e.g. 24 when days repeat)
        distinct = list(dict.fromkeys(tuple(round(shape[k, t], 9) for k in streams) for t in T))
        capacity_shape = {(k, h): vec[j] for h, vec in enumerate(distinct) for j, k in enumerate(streams)}
    else:  # one annual slice: the fleet still covers each UTC hour's highest demand of the year
        from planner.profiles import region_demand_shape

        hours = np.arange(24)
        diurnal = {
            r: region_demand_shape(regions.loc[r], dem.peak_to_average)
            .to_numpy(float)
            .reshape(-1, 24)
            .max(axis=0)
            for r in stream_regions
        }
        capacity_shape = {(k, h): float(diurnal[k[0]][h]) for k in streams for h in hours}
    activity: dict[tuple[str, str, int], float] = {}
    for sid in site_ids:
        for mod in models:
            reach = [k for (s2, k) in flows if s2 == sid and k[1] == mod]
            total = sum(demand[k] for k in reach)
            for t in T:
                # busy share of allocated GPUs: at most 1, so activity <= peak_to_average
                value = sum(demand[k] * shape[k, t] for k in reach) / total if total > 0 else 1.0
                activity[sid, mod, t] = min(value, dem.peak_to_average)
    kind = {e: str(energy.at[e, "kind"]) for e in techs}
    availability: dict[tuple[str, str, int], float] = {}
    for i, sid in enumerate(site_ids):
        for e in techs:
            for t in range(slices.n):
                if kind[e] == "pv":
                    availability[sid, e, t] = float(slices.pv_cf[i, t])
                elif kind[e] == "wind":
                    availability[sid, e, t] = float(slices.wind_cf[i, t])
                elif kind[e] in DISPATCHABLE_KINDS:
                    availability[sid, e, t] = float(energy.at[e, "max_availability"]) * _resource_ok(
                        e, kind[e], str(sites.at[sid, "geothermal_resource"])
                    )

    # --- costs
    gpu_life = scenario.finance.gpu_life_years
    gpu_capex = {
        g: float(gpu.at[g, "price_usd_per_gpu"]) * scenario.prices.gpu_price_scale / 1e6 for g in gpus
    }
    gpu_lives = {g: float(gpu_life or gpu.at[g, "life_years"]) for g in gpus}
    b_life = scenario.finance.building_life_years or fac["building_life_years"]
    it_capex_per_mw = (fac["building_shell_usd_per_kw_it"] + fac["electrical_usd_per_kw_it"]) * 1e3 / 1e6
    it_annual = {
        sid: (
            fac["building_shell_usd_per_kw_it"] * crf(wacc_default, b_life)
            + fac["electrical_usd_per_kw_it"] * crf(wacc_default, fac["electrical_life_years"])
            + fac["building_fom_usd_per_kw_it_yr"]
        )
        * 1e3
        / 1e6
        + fac["land_acres_per_mw_it"] * float(sites.at[sid, "land_cost_usd_per_acre"]) * wacc_default / 1e6
        for sid in site_ids
    }
    it_capex = {
        sid: it_capex_per_mw
        + fac["land_acres_per_mw_it"] * float(sites.at[sid, "land_cost_usd_per_acre"]) / 1e6
        for sid in site_ids
    }
    site_fixed = fac["site_development_usd"] / 1e6
    tech_annual = {
        e: (
            float(energy.at[e, "capex_usd_per_kw"]) * crf(wacc_for(e), float(energy.at[e, "life_years"]))
            + float(energy.at[e, "fom_usd_per_kw_yr"])
        )
        * 1e3
        / 1e6
        for e in techs
    }
    tech_capex = {e: float(energy.at[e, "capex_usd_per_kw"]) * 1e3 / 1e6 for e in techs}
    tech_embodied = {
        e: float(energy.at[e, "embodied_kgco2e_per_kw"]) / float(energy.at[e, "life_years"]) for e in techs
    }  # kg/kW = t/MW
    gas_price = sites["gas_price_usd_per_mmbtu"].astype(float)
    var_cost = {
        (sid, e): (
            float(energy.at[e, "vom_usd_per_mwh"])
            + float(energy.at[e, "heat_rate_mmbtu_per_mwh"]) * float(gas_price[sid])
        )
        / 1e6
        for sid in site_ids
        for e in techs
    }
    battery = catalogs.energy.loc["battery"]
    st_life = float(battery["life_years"])
    return ModelInputs(
        scenario=scenario,
        sites=site_ids,
        site_data=sites,
        techs=techs,
        tech_kind=kind,
        gpus=gpus,
        coolings=coolings,
        models=models,
        streams=streams,
        demand=demand,
        latency_budget_ms=budget,
        rtt_ms=rtt,
        flows=flows,
        slices=slices,
        peak_to_average=dem.peak_to_average,
        tps=tps,
        throughput=table,
        compatible=compatible,
        pue=pue,
        pue_t=pue_t,
        wue_ml_per_mwh=wue,
        demand_shape=shape,
        activity_shape=activity,
        capacity_shape=capacity_shape,
        availability=availability,
        gpu_block={g: int(gpu.at[g, "block_gpus"]) for g in gpus},
        gpu_node_mw={g: float(gpu.at[g, "node_w_per_gpu"]) / 1e6 for g in gpus},
        gpu_idle_mw={g: float(gpu.at[g, "idle_w_per_gpu"]) / 1e6 for g in gpus},
        gpu_annual_musd={g: gpu_capex[g] * crf(wacc_default, gpu_lives[g]) for g in gpus},
        gpu_capex_musd=gpu_capex,
        gpu_embodied_t_per_yr={
            g: float(gpu.at[g, "embodied_kgco2e_per_gpu"]) / 1e3 / gpu_lives[g] for g in gpus
        },
        it_annual_musd_per_mw=it_annual,
        it_capex_musd_per_mw=it_capex,
        it_embodied_t_per_mw_yr=fac["embodied_building_kgco2e_per_kw_it"] / b_life,
        cooling_annual_musd_per_mw={
            c: (
                float(cool.at[c, "capex_usd_per_kw_it"]) * crf(wacc_default, float(cool.at[c, "life_years"]))
                + float(cool.at[c, "fom_usd_per_kw_it_yr"])
            )
            * 1e3
            / 1e6
            for c in coolings
        },
        cooling_capex_musd_per_mw={c: float(cool.at[c, "capex_usd_per_kw_it"]) * 1e3 / 1e6 for c in coolings},
        site_fixed_annual_musd=site_fixed * crf(wacc_default, b_life),
        site_fixed_capex_musd=site_fixed,
        tech_annual_musd_per_mw=tech_annual,
        tech_capex_musd_per_mw=tech_capex,
        tech_embodied_t_per_mw_yr=tech_embodied,
        storage_annual_musd_per_mwh=(
            float(battery["capex_usd_per_kwh"])
            * crf(wacc_for("battery") if "battery" in techs else wacc_default, st_life)
            + float(battery["fom_usd_per_kwh_yr"])
        )
        * 1e3
        / 1e6,
        storage_capex_musd_per_mwh=float(battery["capex_usd_per_kwh"]) * 1e3 / 1e6,
        storage_embodied_t_per_mwh_yr=float(battery["embodied_kgco2e_per_kwh"]) / st_life,
        storage_efficiency=math.sqrt(float(battery["round_trip_efficiency"])),
        storage_max_hours=float(battery["max_duration_h"]),
        var_cost_musd_per_mwh=var_cost,
        grid_price_musd_per_mwh={
            (sid, t): float(slices.grid_price_usd_per_mwh[i, t]) / 1e6
            for i, sid in enumerate(site_ids)
            for t in T
        },
        grid_co2_t_per_mwh={
            (sid, t): float(slices.grid_co2_g_per_kwh[i, t]) / 1e3
            for i, sid in enumerate(site_ids)
            for t in T
        },
        grid_clean_share={sid: float(sites.at[sid, "grid_clean_share"]) for sid in site_ids},
        tech_co2_t_per_mwh={e: float(energy.at[e, "co2_direct_kg_per_mwh"]) / 1e3 for e in techs},
        tech_upstream_t_per_mwh={e: float(energy.at[e, "co2_upstream_kg_per_mwh"]) / 1e3 for e in techs},
        tech_water_ml_per_mwh={e: float(energy.at[e, "water_l_per_mwh"]) / 1e6 for e in techs},
        water_price_musd_per_ml=fac["water_price_usd_per_m3"] * 1e3 / 1e6,
        heat_rate_mmbtu_per_mwh={e: float(energy.at[e, "heat_rate_mmbtu_per_mwh"]) for e in techs},
        module_mw={e: float(energy.at[e, "module_mw"]) for e in techs},
        campus_mw={sid: float(sites.at[sid, "campus_mw_max"]) for sid in site_ids},
        grid_mw={sid: float(sites.at[sid, "grid_mw_available"]) for sid in site_ids},
        water_limit_ml={sid: float(sites.at[sid, "water_limit_ml_per_yr"]) for sid in site_ids},
    )


def latency_reach(inputs: ModelInputs) -> dict[tuple[str, str], list[str]]:
    """Sites within the latency budget of each stream (for explanations and maps)."""
    reach: dict[tuple[str, str], list[str]] = {k: [] for k in inputs.streams}
    for s, k in inputs.flows:
        reach[k].append(s)
    return reach
