"""Everything the optimisation model needs, computed once from a scenario and the catalogs.

The model builders read only :class:`ModelInputs` (plain dicts of floats in model units:
MW, MWh, MUSD, Mtoken/s, tCO2e, ML), never the catalogs, so a test can build an instance
by hand and the units of every number are fixed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs, cooling_can_host
from planner.chain.it_power import gpu_power_items
from planner.chain.physics import fibre_round_trip_ms, great_circle_km
from planner.chain.tokens.throughput import serving_target, throughput_table
from planner.chain.tokens.uncertainty import with_expected_errors
from planner.errors import InfeasibleError, InputError
from planner.model.capex_inputs import CapexInputs, capex_inputs
from planner.model.contract_inputs import ContractInputs, apply_contract_delivery, contract_inputs
from planner.model.costs import energy_cost_inputs, facility_cost_inputs, gpu_cost_inputs
from planner.model.derate import derate_inputs
from planner.model.gas_inputs import GasInputs, gas_inputs
from planner.model.slice_inputs import availability_inputs, cooling_inputs, grid_inputs, shape_inputs
from planner.model.tariff_inputs import TariffInputs, apply_energy_component, tariff_inputs
from planner.model.timeslices import TimeSlices, build_time_slices
from planner.model.timing_inputs import (
    RedundancyInputs,
    TimingInputs,
    off_sale_gpus,
    redundancy_inputs,
    start_year,
    timing_inputs,
)
from planner.scenario.load import apply_site_overrides, selected_sites
from planner.scenario.schema import Scenario

CLEAN_KINDS = ("pv", "wind", "nuclear", "geothermal")
VARIABLE_KINDS = ("pv", "wind")


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
    pue_peak: dict[tuple[str, str], float]  # (site, cooling): hottest hour of the site's 8760-hour year
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
    gpu_busy_mw: dict[str, float]  # metered node power at full load + network [MW/GPU]
    spare_share: float  # spare GPUs per allocated GPU [-]
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
    grid_upstream_t_per_mwh: dict[str, float]  # per site: fuel chain of the grid's fossil mix
    tech_water_ml_per_mwh: dict[str, float]
    water_price_musd_per_ml: float
    heat_rate_mmbtu_per_mwh: dict[str, float]
    module_mw: dict[str, float]
    unit_trip_mw: dict[str, float]  # largest output one unit trip loses [MW] (energy.csv)
    campus_mw: dict[str, float]
    grid_mw: dict[str, float]
    water_limit_ml: dict[str, float]
    notes: list[str] = field(default_factory=list)
    timing: TimingInputs | None = None  # online years and lead times (None: no deadline)
    redundancy: RedundancyInputs | None = None  # power redundancy (None: none)
    gpu_power: dict[str, dict[str, float]] = field(default_factory=dict)  # per GPU: network MW, node shares
    gpu_status: dict[str, str] = field(default_factory=dict)  # per GPU: shipping | announced (gpus.csv)
    gpus_off_sale: dict[str, str] = field(default_factory=dict)  # menu GPUs not sold when bought -> why
    tariff: TariffInputs | None = None  # grid charges as billed (None: retail average only)
    capex: CapexInputs | None = None  # soft costs, contingency, IDC, sales tax, interconnection
    # (site, tech): availability at the site's design air; (site, gas tech): site rating / ISO [-]
    firm_availability: dict[tuple[str, str], float] = field(default_factory=dict)
    site_rating: dict[tuple[str, str], float] = field(default_factory=dict)
    gas: GasInputs | None = None  # gas lateral, transport, NOx controls and permits (None: excluded)
    contracts: ContractInputs | None = None  # supply contracts open to the plan (None: none)

    @property
    def storage(self) -> bool:
        """Battery storage is modelled only with hourly slices."""
        return "battery" in self.techs and self.slices.hourly

    @property
    def generators(self) -> list[str]:
        """Technologies with a generation variable (not grid, not battery)."""
        return [e for e in self.techs if self.tech_kind[e] not in ("grid", "battery")]

    def firm_avail(self, s: str, e: str) -> float:
        """Firm output per MW of dispatchable plant ``e`` at site ``s`` [-]: its availability at
        the site's design air (:mod:`planner.model.derate`), slice 0's without a site rating."""
        return self.firm_availability.get((s, e), self.availability[s, e, 0])

    @cached_property
    def max_pue(self) -> float:
        """Highest PUE of any site, cooling, slice or hottest hour of the year [-] (loose bounds)."""
        return max(max(self.pue_t.values()), max(self.pue_peak.values(), default=0.0))

    @property
    def total_demand(self) -> float:
        """Sum of average demand [Mtoken/s]."""
        return float(sum(self.demand.values()))


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
    from planner.profiles.readers import read_profile

    return {
        sid: {col: read_profile(path, col) for col, path in cols.items()}
        for sid, cols in scenario.profiles.items()
        if sid in site_ids
    }


def _menu(requested: list[str] | None, catalog: pd.DataFrame) -> list[str]:
    return list(catalog.index) if requested is None else list(dict.fromkeys(requested))


def gpu_menu(scenario: Scenario, catalogs: Catalogs) -> tuple[list[str], dict[str, str]]:
    """``technologies.gpus`` (all when null) less announced parts under ``gpu_status: shipping`` and
    GPUs no longer sold when they would be bought (:func:`planner.model.timing_inputs.off_sale_gpus`),
    and the latter with the reason.

    Raises :class:`InfeasibleError` naming each GPU's sale window when none is left."""
    gpus = _menu(scenario.technologies.gpus, catalogs.gpus)
    if scenario.technologies.gpu_status == "shipping":
        gpus = [g for g in gpus if catalogs.gpus.at[g, "status"] == "shipping"]
    off = off_sale_gpus(scenario, catalogs, gpus)
    if gpus and len(off) == len(gpus):
        raise InfeasibleError(
            f"technologies.gpus: no GPU on the menu is still sold when it would be bought "
            f"(construction from {start_year(scenario)}; {'; '.join(off.values())}; data/gpus.csv "
            "end_of_sale_year); add a newer GPU or set an earlier demand.start_year"
        )
    return [g for g in gpus if g not in off], off


def build_inputs(scenario: Scenario, catalogs: Catalogs) -> ModelInputs:
    """Compute every set and coefficient of the model from a validated scenario.

    One builder per model block: sites and demand (``demand.py``), fleet (``fleet.py``),
    cooling and time slices (``sites.py``), energy supply (``energy.py``), costs (``objective.py``).
    Raises :class:`InputError` when the menu leaves nothing to build with (e.g. no GPU can
    serve a requested model).
    """
    site_ids = selected_sites(scenario, catalogs)
    user = load_user_profiles(scenario, site_ids)
    sites = _site_table(scenario, catalogs, site_ids, user)
    techs = _menu(scenario.technologies.energy, catalogs.energy)
    gpus, off_sale = gpu_menu(scenario, catalogs)
    coolings = _menu(scenario.technologies.cooling, catalogs.cooling)
    demand = demand_inputs(scenario, catalogs, sites)
    streams = demand["streams"]
    slices = build_time_slices(
        scenario.time.mode,
        scenario.time.days,
        sites,
        catalogs.regions.loc[list(dict.fromkeys(r for r, _ in streams))],
        scenario.demand.peak_to_average,
        user,
        tuple(scenario.time.extremes),
    )
    kind = {e: str(catalogs.energy.at[e, "kind"]) for e in techs}
    gas = gas_inputs(scenario, catalogs, sites, techs)
    capex = capex_inputs(scenario, catalogs, sites, techs, coolings)
    return ModelInputs(
        scenario=scenario,
        sites=site_ids,
        site_data=sites,
        techs=techs,
        tech_kind=kind,
        gpus=gpus,
        coolings=coolings,
        slices=slices,
        peak_to_average=scenario.demand.peak_to_average,
        **demand,
        **throughput_inputs(scenario, catalogs, gpus, coolings, demand["models"]),
        **cooling_inputs(catalogs, sites, coolings, slices, user),
        **shape_inputs(scenario, catalogs, demand, slices, site_ids),
        **derate_inputs(
            catalogs, sites, techs, slices, availability_inputs(catalogs, sites, techs, kind, slices)
        ),
        **gpu_cost_inputs(scenario, catalogs, gpus),
        **facility_cost_inputs(scenario, catalogs, sites, coolings),
        **grid_tie_on_curve(energy_cost_inputs(scenario, catalogs, sites, techs), capex),
        **grid_inputs(sites, slices),
        timing=timing_inputs(scenario, catalogs, sites, techs, gpus, gas),
        redundancy=redundancy_inputs(scenario, catalogs),
        gpu_power=gpu_power_items(catalogs, gpus),
        gpu_status={g: str(catalogs.gpus.at[g, "status"]) for g in gpus},
        gpus_off_sale=off_sale,
        tariff=tariff_inputs(scenario, catalogs, site_ids, slices.grid_price_usd_per_mwh),
        gas=gas,
        contracts=contract_inputs(scenario, catalogs, site_ids),
        capex=capex,
    )


def grid_tie_on_curve(costs: dict[str, Any], capex: CapexInputs) -> dict[str, Any]:
    """Energy cost inputs without the grid tie's flat capex and fixed O&M when the interconnection
    curve prices the tie (:mod:`planner.model.capex_inputs`: both move to ``interconnection``)."""
    if not capex.segments:
        return costs
    return costs | {
        "tech_annual_musd_per_mw": costs["tech_annual_musd_per_mw"] | {"grid": 0.0},
        "tech_capex_musd_per_mw": costs["tech_capex_musd_per_mw"] | {"grid": 0.0},
    }


def _site_table(
    scenario: Scenario, catalogs: Catalogs, site_ids: list[str], user: dict[str, dict[str, pd.Series]]
) -> pd.DataFrame:
    """Selected sites with overrides applied; annual means follow the user's profiles."""
    sites = apply_energy_component(scenario, catalogs, apply_site_overrides(scenario, catalogs).loc[site_ids])
    sites = apply_contract_delivery(scenario, catalogs, sites)
    for sid, columns in user.items():
        for column, series in columns.items():
            if column in MEAN_COLUMNS:
                sites.at[sid, MEAN_COLUMNS[column]] = float(series.mean())
    return sites


def demand_inputs(scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame) -> dict[str, Any]:
    """Demand streams, latency budgets and the site -> stream flows within reach.

    demand [Mtoken/s] = tokens_per_s x scale / 1e6; rtt [ms] = 2 x great-circle km x route
    factor / fibre speed; a flow (site, stream) exists when rtt <= the stream's budget.
    """
    dem, fac, regions = scenario.demand, catalogs.facility, catalogs.regions
    streams: list[tuple[str, str]] = []
    demand: dict[tuple[str, str], float] = {}
    budget: dict[tuple[str, str], float] = {}
    for s in dem.served:
        k = (s.region, s.model)
        streams.append(k)
        demand[k] = s.tokens_per_s * dem.scale / 1e6
        budget[k] = s.latency_ms or dem.latency_ms.get(s.model, dem.default_latency_ms)
    route, speed = fac["fibre_route_factor"], fac["fibre_speed_km_per_ms"]
    rtt = {
        (sid, r): fibre_round_trip_ms(
            great_circle_km(
                sites.at[sid, "lat"], sites.at[sid, "lon"], regions.at[r, "lat"], regions.at[r, "lon"]
            ),
            route,
            speed,
        )
        for sid in sites.index
        for r in dict.fromkeys(r for r, _ in streams)
    }
    flows = [(sid, k) for k in streams for sid in sites.index if rtt[(sid, k[0])] <= budget[k]]
    models = list(dict.fromkeys(m for _, m in streams))
    return {"streams": streams, "demand": demand, "latency_budget_ms": budget, "rtt_ms": rtt,
            "flows": flows, "models": models}  # fmt: skip


_THROUGHPUT: dict[str, tuple[Catalogs, pd.DataFrame]] = {}
"""The last throughput table, by its catalogs object (identity) and arguments."""


def throughput_inputs(
    scenario: Scenario, catalogs: Catalogs, gpus: list[str], coolings: list[str], models: list[str]
) -> dict[str, Any]:
    """Tokens/s per GPU [Mtoken/s] of each GPU x model pair at the model's latency target
    (``physics.serving_targets``, else the card's), precision, request shape (``physics.request_shape``,
    else the card's) and the best topology of ``physics.topologies``, and which cooling hosts which GPU.

    The table carries each estimate's held-out error (:mod:`planner.chain.tokens.uncertainty`);
    ``tokens_per_s_sized`` is what the fleet is sized on: the median estimate, or with
    ``physics.throughput_basis: conservative`` the estimate x (1 - shortfall at
    ``conservative_quantile``); measured pairs as measured."""
    phys = scenario.physics
    targets = {m: serving_target(catalogs.models.loc[m], phys.serving_targets.get(m)) for m in models}
    shapes = {m: phys.request_shape[m] for m in models if m in phys.request_shape}
    menu = phys.topologies
    key = repr((gpus, models, phys.throughput, sorted(phys.precision.items()), targets, shapes, menu))
    cached = _THROUGHPUT.get(key)
    if cached is None or cached[0] is not catalogs:
        table = throughput_table(
            catalogs,
            gpus,
            models,
            estimate_only=phys.throughput == "estimate",
            precision=dict(phys.precision),
            targets=targets,
            shapes=shapes,
            topologies=menu,
        )
        _THROUGHPUT.clear()  # one entry: an hourly solve and its annual screening share it
        _THROUGHPUT[key] = (catalogs, table)
    table = _THROUGHPUT[key][1].copy()
    table = with_expected_errors(table, catalogs, phys.conservative_quantile)
    basis = "tokens_per_s_conservative" if phys.throughput_basis == "conservative" else "tokens_per_s_per_gpu"
    table["throughput_basis"] = phys.throughput_basis
    table["tokens_per_s_sized"] = table[basis]
    tps = {
        (r.gpu_id, r.model_id): r.tokens_per_s_sized / 1e6
        for r in table.itertuples()
        if r.tokens_per_s_sized > 0
    }
    for m in models:
        if not any((g, m) in tps for g in gpus):
            raise InputError(
                f"technologies.gpus: no GPU in the menu ({', '.join(gpus)}) can serve model '{m}' "
                "(it fits no replica of the topology menu physics.topologies, or misses its latency target "
                "physics.serving_targets); add a larger-memory GPU or loosen the target"
            )
    compatible = {(g, c): cooling_can_host(catalogs, g, c) for g in gpus for c in coolings}
    return {"tps": tps, "throughput": table, "compatible": compatible}


def latency_reach(inputs: ModelInputs) -> dict[tuple[str, str], list[str]]:
    """Sites within the latency budget of each stream (for explanations and maps)."""
    reach: dict[tuple[str, str], list[str]] = {k: [] for k in inputs.streams}
    for s, k in inputs.flows:
        reach[k].append(s)
    return reach
