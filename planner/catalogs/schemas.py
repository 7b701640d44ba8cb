"""Pydantic schemas of the catalog rows (``data/*.csv``) and served-model cards (``models/*.yaml``).

One class per file kind (:class:`SiteRow`, :class:`EnergyRow`, :class:`GpuRow`, :class:`CoolingRow`,
:class:`GpuDeliveryRow`, :class:`CoolingClimateRow`, :class:`BenchmarkRow`, :class:`RegionRow`,
:class:`ItemRow`, :class:`ModelCard`), the allowed labels (climate classes, water stress, energy kinds,
precisions, confidences) and the required facility/finance items. Units are part of the
column names (see ``data/README.md`` and :mod:`planner.catalogs.load`). Loading and cross-checks
live in :mod:`planner.catalogs.load`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Optional, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

ClimateClass = Literal["cold", "cold_dry", "temperate", "temperate_humid", "hot_dry", "hot_humid"]
WaterStress = Literal["low", "low_medium", "medium_high", "high", "extremely_high"]
EnergyKind = Literal["grid", "pv", "wind", "gas", "nuclear", "geothermal", "battery"]
Precision = Literal["bf16", "fp8", "fp4"]
BenchPrecision = Literal["fp16", "bf16", "fp8", "fp4", "int8", "int4"]
Confidence = Literal["high", "medium", "low", "estimate"]
GpuStatus = Literal["shipping", "announced"]

CLIMATE_CLASSES: tuple[str, ...] = get_args(ClimateClass)
WATER_STRESS_LEVELS: tuple[str, ...] = get_args(WaterStress)
ENERGY_KINDS: tuple[str, ...] = get_args(EnergyKind)
PRECISIONS: tuple[str, ...] = get_args(Precision)
CONFIDENCES: tuple[str, ...] = get_args(Confidence)
GPU_STATUSES: tuple[str, ...] = get_args(GpuStatus)

FACILITY_ITEMS: tuple[str, ...] = (
    "building_shell_usd_per_kw_it",
    "electrical_usd_per_kw_it",
    "building_life_years",
    "electrical_life_years",
    "building_fom_usd_per_kw_it_yr",
    "land_acres_per_mw_it",
    "embodied_building_kgco2e_per_kw_it",
    "water_price_usd_per_m3",
    "fibre_route_factor",
    "fibre_speed_km_per_ms",
    "bits_erased_per_flop",
    "site_development_usd",
    "electrical_losses_kw_per_kw_it",
    "support_loads_kw_per_kw_it",
    "host_cpu_memory_w_per_gpu_x86",
    "host_cpu_memory_w_per_gpu_grace",
    "backup_genset_capex_usd_per_kw",
    "backup_genset_fom_usd_per_kw_yr",
    "backup_genset_life_years",
    "backup_test_hours_per_yr",
    "backup_genset_co2_kg_per_mwh",
    "bridge_usd_per_kw_yr",
    "bridge_heat_rate_mmbtu_per_mwh",
    "bridge_vom_usd_per_mwh",
    "bridge_lead_time_years",
    "soft_costs_share",
    "owner_contingency_share",
    "backup_fuel_autonomy_h",
    "backup_genset_unit_mw",
)
FINANCE_ITEMS: tuple[str, ...] = (
    "wacc_default",
    "gpu_life_years",
    "dollar_year",
    "carbon_price_default_usd_per_t",
)

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""C0 and C1 control characters: CR, LF, tab, ESC (terminal escapes), NUL, BEL, ..."""


def plain_text(value: str) -> str:
    """The rule for every id and name a catalog or scenario supplies: no control character.

    A CR or LF would let a text start a new line in a CSV (``Dallas<CR>=cmd|...``: a formula for a
    spreadsheet) and an ESC would drive the terminal it is printed on; neither belongs in a name.
    Raises ValueError (pydantic reports it with the file, row and field; never the value).
    """
    if CONTROL_CHARS.search(value):
        raise ValueError("control characters (CR, LF, tab, ESC, ...) are not allowed in ids and names")
    return value


Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]
PosInt = Annotated[int, Field(gt=0, le=1_000_000_000)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
TimeZone = Annotated[str, Field(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$")]
Text = Annotated[str, Field(min_length=1, max_length=10_000), AfterValidator(plain_text)]
Plain = Annotated[str, Field(max_length=10_000), AfterValidator(plain_text)]
"""Non-empty text without control characters (CR, LF, ESC...: they would reach terminals and
spreadsheets raw)."""


def pos_upto(hi: float) -> Any:
    """A finite float in ``(0, hi]``: a physical size with a generous upper bound."""
    return Annotated[float, Field(gt=0, le=hi, allow_inf_nan=False)]


def count_upto(hi: int) -> Any:
    """A whole number in ``[1, hi]``."""
    return Annotated[int, Field(gt=0, le=hi)]


def upto(hi: float, lo: float = 0.0, strict_lo: bool = False) -> Any:
    """A float in ``[lo, hi]`` (``(lo, hi]`` when ``strict_lo``): the sane physical range of a column.

    Upper bounds are generous (several times the largest real value) so they catch unit
    mistakes and typos (1e30, -1e6) rather than judge a figure.
    """
    low = {"gt": lo} if strict_lo else {"ge": lo}
    return Annotated[float, Field(le=hi, allow_inf_nan=False, **low)]


ITEM_RANGES: dict[str, tuple[float, float]] = {
    "wacc_default": (0.0, 0.5),
    "gpu_life_years": (0.5, 30),
    "dollar_year": (1990, 2100),
    "carbon_price_default_usd_per_t": (0.0, 10_000),
    "construction_cost_usd_per_kw_it": (0.0, 100_000),
    "building_shell_usd_per_kw_it": (0.0, 100_000),
    "electrical_usd_per_kw_it": (0.0, 100_000),
    "building_life_years": (1, 100),
    "electrical_life_years": (1, 100),
    "building_fom_usd_per_kw_it_yr": (0.0, 10_000),
    "building_lead_time_years": (0.0, 30),
    "land_acres_per_mw_it": (0.0, 100),
    "embodied_building_kgco2e_per_kw_it": (0.0, 100_000),
    "water_price_usd_per_m3": (0.0, 1_000),
    "fibre_route_factor": (1.0, 10),
    "fibre_speed_km_per_ms": (1.0, 299.792458),
    "bits_erased_per_flop": (0.0, 1e6),
    "site_development_usd": (0.0, 1e11),
    "ng_co2_kg_per_mmbtu": (0.0, 1_000),
    "ch4_hhv_j_per_mol": (1e5, 1e7),
    "am15g_photons_per_j": (1e17, 1e20),
    "pv_module_efficiency": (0.0, 1.0),
    "host_cpu_memory_w_per_gpu_x86": (0.0, 5_000),
    "host_cpu_memory_w_per_gpu_grace": (0.0, 5_000),
    "soft_costs_share": (0.0, 1.0),
    "owner_contingency_share": (0.0, 1.0),
    "backup_fuel_autonomy_h": (0.0, 720),
    "backup_genset_unit_mw": (0.01, 100),
}
"""Sane range of each named item of facility.csv and finance.csv (in its unit); items not listed
only need a finite value."""


class CatalogRow(BaseModel):
    """Common part of every catalog row: a citation (or 'estimate: how') and a confidence."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    source: Text
    confidence: Confidence


class SiteRow(CatalogRow):
    """Candidate site: location, climate, prices [USD/MWh, USD/MMBtu], grid carbon, limits [MW, ML/yr]."""

    site_id: Id
    name: Text
    lat: Lat
    lon: Lon
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    state: Optional[Plain] = None
    grid_region: Text
    egrid_subregion: Optional[Plain] = None
    timezone: TimeZone
    climate_class: ClimateClass
    annual_mean_temp_c: Annotated[float, Field(ge=-60, le=50)]
    design_dry_bulb_c: Annotated[float, Field(ge=-60, le=60)]
    design_wet_bulb_c: Annotated[float, Field(ge=-60, le=40)]
    electricity_price_usd_per_mwh: upto(2_000)
    grid_co2_g_per_kwh: upto(2_000)
    grid_clean_share: Share
    gas_price_usd_per_mmbtu: upto(100)
    pv_cf: Share
    wind_cf: Share
    water_stress: WaterStress
    water_limit_ml_per_yr: upto(1e6)
    campus_mw_max: upto(20_000, strict_lo=True)
    grid_mw_available: upto(20_000)
    grid_lead_time_years: upto(30)
    land_cost_usd_per_acre: upto(1e8)
    geothermal_resource: Literal["none", "egs", "hydrothermal"]
    """Geothermal at the site: ``hydrothermal`` allows both geothermal techs, ``egs`` only
    enhanced geothermal, ``none`` neither."""

    @field_validator("egrid_subregion")
    @classmethod
    def _egrid_us_only(cls, v: Optional[str], info: ValidationInfo) -> Optional[str]:
        if (info.data.get("country") == "US") != bool(v):
            raise ValueError("required for US sites (EPA eGRID subregion code) and blank elsewhere")
        return v


AUDITED_SITE_FIELDS: tuple[str, ...] = (
    "electricity_price_usd_per_mwh",
    "gas_price_usd_per_mmbtu",
    "grid_co2_g_per_kwh",
    "grid_clean_share",
    "grid_mw_available",
    "grid_lead_time_years",
    "campus_mw_max",
    "water_stress",
    "water_limit_ml_per_yr",
    "land_cost_usd_per_acre",
)
"""Fields of ``sites.csv`` that ``site_sources.csv`` must cite for every site (one row per site and field)."""

SourceDate = Annotated[str, Field(pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")]


class TariffRow(CatalogRow):
    """Grid tariff as billed (``tariffs.csv``) for a ``grid_region`` or one ``site_id`` (a site row
    beats its region's): energy component [USD/MWh], capacity and transmission charges on the
    coincident-peak import [USD/MW-yr], demand and standby charges [USD/kW-month], minimum billing
    demand as a share of the grid tie [-], and the date of the newest source (YYYY-MM)."""

    applies_to: Id
    energy_usd_per_mwh: Annotated[float, Field(ge=0, le=1000)]
    capacity_usd_per_mw_yr: Annotated[float, Field(ge=0, le=1e6)]
    transmission_usd_per_mw_yr: Annotated[float, Field(ge=0, le=1e6)]
    demand_usd_per_kw_month: Annotated[float, Field(ge=0, le=200)]
    standby_usd_per_kw_month: Annotated[float, Field(ge=0, le=200)]
    min_demand_share: Share
    source_date: SourceDate


class SiteElevationRow(CatalogRow):
    """Elevation of a candidate site above sea level [m] (``site_elevation.csv``), for the
    altitude derate of gas turbines and engines (:mod:`planner.model.derate`)."""

    site_id: Id
    elevation_m: Annotated[float, Field(ge=-500, le=6000)]
    source_date: SourceDate


class DerateRow(CatalogRow):
    """Site-rating derate of a gas technology (``derate.csv``): full (ISO) output up to
    ``rated_elevation_m`` [m] and ``rated_temp_c`` [degC], then a loss of ``loss_per_1000m``
    [-/1000 m] and ``loss_per_c`` [-/degC] above them (:mod:`planner.model.derate`)."""

    tech_id: Id
    rated_elevation_m: Annotated[float, Field(ge=0, le=6000)]
    loss_per_1000m: Annotated[float, Field(ge=0, le=0.5)]
    rated_temp_c: Annotated[float, Field(ge=-40, le=60)]
    loss_per_c: Annotated[float, Field(ge=0, le=0.05)]
    source_date: SourceDate


class ContractRow(CatalogRow):
    """A supply contract (``contracts.csv``): a PPA at one site with its counterparty, whose it is
    (``available_to``: ``anyone`` or an owner such as ``amazon``), the contracted technology (an
    ``energy.csv`` id), price [USD/MWh] and whether it is published (``sourced``) or an
    ``estimate``, MW, first year and term [y], carbon attribute (``hourly`` or ``annual``
    matching), and the grid delivery it brings to the site (tie MW and lead time [y]; 0 = none)."""

    contract_id: Id
    site_id: Id
    counterparty: Text
    available_to: Id
    technology: Id
    price_usd_per_mwh: upto(1_000)
    price_status: Literal["sourced", "estimate"]
    mw: pos_upto(20_000)
    start_year: Annotated[int, Field(ge=1990, le=2100)]
    years: Annotated[int, Field(ge=1, le=100)]
    carbon_attribute: Literal["hourly", "annual"]
    grid_mw: upto(20_000)
    grid_lead_time_years: upto(30)
    source_date: SourceDate


class GridMixRow(CatalogRow):
    """Fossil generation shares of an eGRID subregion (``grid_mix.csv``) [-], for the grid's upstream
    (fuel-chain) emissions."""

    egrid_subregion: Id
    coal_share: Share
    gas_share: Share
    oil_other_share: Share
    source_date: SourceDate


LIFECYCLE_ITEMS: dict[str, tuple[float, float]] = {
    "gas_leak_rate": (0.0, 0.5),
    "ch4_gwp100": (1.0, 200.0),
    "ch4_gwp20": (1.0, 300.0),
    "gas_upstream_co2_kg_per_mmbtu": (0.0, 100.0),
    "coal_upstream_ch4_kg_per_mmbtu": (0.0, 10.0),
    "coal_upstream_co2_kg_per_mmbtu": (0.0, 100.0),
    "oil_upstream_kgco2e_per_mmbtu": (0.0, 200.0),
    "grid_heat_rate_coal_mmbtu_per_mwh": (3.412, 30.0),
    "grid_heat_rate_gas_mmbtu_per_mwh": (3.412, 30.0),
    "grid_heat_rate_oil_mmbtu_per_mwh": (3.412, 30.0),
}
"""Required items of ``lifecycle.csv`` and the sane range of each (in its unit)."""


class SiteSourceRow(BaseModel):
    """One audited field of one site (``site_sources.csv``): the value as in ``sites.csv``, its dated
    public source (``status`` ``sourced``) or the reasoning of an estimate (``status`` ``estimate``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    site_id: Id
    field: Id
    value: Text
    source: Text
    source_date: Optional[SourceDate] = None
    status: Literal["sourced", "estimate"]
    note: Optional[Plain] = None

    @model_validator(mode="after")
    def _dated_or_reasoned(self) -> SiteSourceRow:
        if self.status == "sourced" and not self.source_date:
            raise ValueError("source_date: a 'sourced' row needs the date of its source (YYYY-MM[-DD])")
        if self.status == "estimate" and not self.note:
            raise ValueError("note: an 'estimate' row needs its reasoning in note")
        return self


class EnergyRow(CatalogRow):
    """Energy technology: capex [USD/kW, USD/kWh], O&M, heat rate [MMBtu/MWh], emissions, water [L/MWh]."""

    tech_id: Id
    name: Text
    kind: EnergyKind
    capex_usd_per_kw: upto(50_000)
    capex_atb_usd_per_kw: upto(50_000)
    capex_usd_per_kwh: upto(5_000)
    fom_usd_per_kw_yr: upto(5_000)
    fom_usd_per_kwh_yr: upto(500)
    vom_usd_per_mwh: upto(1_000)
    heat_rate_mmbtu_per_mwh: upto(30)
    life_years: upto(100, strict_lo=True)
    max_availability: Share
    co2_direct_kg_per_mwh: upto(2_000)
    co2_upstream_kg_per_mwh: upto(2_000)
    co2_lifecycle_g_per_kwh: upto(3_000)
    embodied_kgco2e_per_kw: upto(100_000)
    embodied_kgco2e_per_kwh: upto(10_000)
    water_l_per_mwh: upto(100_000)
    module_mw: upto(5_000)
    lead_time_years: upto(30)
    round_trip_efficiency: Annotated[float, Field(gt=0, le=1)]
    max_duration_h: upto(10_000)
    wacc: Optional[Annotated[float, Field(ge=0, le=0.5)]] = None
    dollar_year: Annotated[int, Field(ge=1990, le=2100)]
    unit_trip_mw: upto(5_000)
    unit_trip_source: Text

    @field_validator("unit_trip_mw")
    @classmethod
    def _trip_within_module(cls, v: float, info: ValidationInfo) -> float:
        module = info.data.get("module_mw") or 0.0
        if module > 0 and v > module:
            raise ValueError(f"a single unit trip cannot lose more than one module (module_mw {module:g})")
        return v


class GpuRow(CatalogRow):
    """Accelerator: dense TFLOP/s, HBM [GB, TB/s], power [W per GPU, kW per rack], price [USD],
    carbon [kg]."""

    gpu_id: Id
    name: Text
    vendor: Text
    release_year: Annotated[int, Field(ge=2015, le=2100)]
    dense_bf16_tflops: upto(1e6, strict_lo=True)
    dense_fp8_tflops: upto(1e6, strict_lo=True)
    dense_fp4_tflops: upto(1e6)
    hbm_gb: upto(100_000, strict_lo=True)
    hbm_tb_per_s: upto(1_000, strict_lo=True)
    tdp_w: upto(100_000, strict_lo=True)
    node_w_per_gpu: upto(100_000, strict_lo=True)
    idle_w_per_gpu: upto(100_000)
    block_gpus: PosInt
    gpus_per_rack: PosInt
    rack_kw: upto(10_000, strict_lo=True)
    price_usd_per_gpu: upto(1e7, strict_lo=True)
    embodied_kgco2e_per_gpu: upto(1e6)
    liquid_required: bool
    cooling_supported: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(;[A-Za-z0-9_]+)*$")]
    network_w_per_gpu: upto(10_000)
    life_years: upto(100, strict_lo=True)
    scaleup_domain_gpus: PosInt
    status: GpuStatus
    """``shipping`` (in volume delivery, specs from datasheets and measurements) or ``announced``
    (vendor-announced specs, not yet in volume delivery: the figures are the vendor's claims)."""
    first_delivery_year: Annotated[int, Field(ge=2015, le=2100)]
    """First year of volume deliveries of the system [year]."""
    end_of_sale_year: Annotated[int, Field(ge=2015, le=2100)]
    """Last year new systems are delivered [year] (an end-of-life notice, else an estimate)."""

    @field_validator("end_of_sale_year")
    @classmethod
    def _sale_window(cls, v: int, info: ValidationInfo) -> int:
        first = info.data.get("first_delivery_year")
        if first is not None and v < first:
            raise ValueError(f"must be >= first_delivery_year ({first})")
        return v

    @field_validator("node_w_per_gpu", "idle_w_per_gpu", "rack_kw")
    @classmethod
    def _power_consistent(cls, v: float, info: ValidationInfo) -> float:
        d = info.data
        if info.field_name == "node_w_per_gpu" and v < d.get("tdp_w", 0):
            raise ValueError("all-in node power per GPU must be >= tdp_w")
        if info.field_name == "idle_w_per_gpu" and v > d.get("node_w_per_gpu", float("inf")):
            raise ValueError("idle power must be <= node_w_per_gpu")
        node, n = d.get("node_w_per_gpu"), d.get("gpus_per_rack")
        if info.field_name == "rack_kw" and node and n and abs(v - node * n / 1000) > 0.02 * v:
            raise ValueError(f"must equal node_w_per_gpu x gpus_per_rack / 1000 = {node * n / 1000:.2f}")
        return v


class GpuDeliveryRow(CatalogRow):
    """Order-to-delivery lead time of one GPU system [years] (``data/gpu_delivery.csv``)."""

    gpu_id: Id
    lead_time_years: upto(10)


class CoolingRow(CatalogRow):
    """Cooling technology: rack density limit [kW], capex [USD/kW IT], fixed O&M [USD/kW IT-yr]."""

    cooling_id: Id
    name: Text
    liquid: bool
    max_rack_kw: upto(10_000, strict_lo=True)
    capex_usd_per_kw_it: upto(100_000)
    fom_usd_per_kw_it_yr: upto(10_000)
    life_years: upto(100, strict_lo=True)


class CoolingClimateRow(CatalogRow):
    """Cooling overhead [kW cooling per kW IT] (annual mean) and WUE [L per kWh IT] of one cooling
    technology in one climate. Facility PUE = 1 + electrical losses + support loads + cooling overhead
    (the first two from ``data/facility.csv``; see :func:`planner.catalogs.load.pue_floor`)."""

    cooling_id: Id
    climate_class: ClimateClass
    cooling_overhead: Annotated[float, Field(ge=0, le=2)]
    wue_l_per_kwh: upto(100)
    """Evaporative towers use ~2 L/kWh in hot dry climates; 100 catches unit mistakes."""


class BenchmarkRow(CatalogRow):
    """One MLPerf Inference result: generated tokens/s for the system and per GPU; wall power [W]."""

    version: Annotated[str, Field(pattern=r"^v\d+\.\d+$")]
    submitter: Text
    system: Text
    gpu_id: Id
    model_id: Id
    mlperf_model: Text
    scenario: Literal["offline", "server", "interactive"]
    n_gpu: count_upto(1_000_000)
    nodes: count_upto(100_000)
    tokens_per_s: pos_upto(1e12)
    tokens_per_s_per_gpu: pos_upto(1e9)
    system_power_w: Optional[upto(1e10)] = None
    precision: BenchPrecision
    software: Text

    @field_validator("tokens_per_s_per_gpu")
    @classmethod
    def _per_gpu(cls, v: float, info: ValidationInfo) -> float:
        tps, n = info.data.get("tokens_per_s"), info.data.get("n_gpu")
        if tps and n and abs(v - tps / n) > 0.01 * v:
            raise ValueError(f"must equal tokens_per_s / n_gpu = {tps / n:.4g}")
        return v


class RegionRow(CatalogRow):
    """Demand region: metro centroid [deg] and IANA time zone."""

    region_id: Id
    name: Text
    lat: Lat
    lon: Lon
    timezone: TimeZone


class ItemRow(CatalogRow):
    """One named scalar (facility.csv, finance.csv): value in ``unit``, finite and within the item's
    :data:`ITEM_RANGES` range."""

    RANGES: ClassVar[dict[str, tuple[float, float]]] = ITEM_RANGES
    item: Id
    value: Annotated[float, Field(allow_inf_nan=False)]
    unit: Text

    @field_validator("value")
    @classmethod
    def _in_range(cls, v: float, info: ValidationInfo) -> float:
        lo, hi = cls.RANGES.get(str(info.data.get("item")), (-float("inf"), float("inf")))
        if not lo <= v <= hi:
            raise ValueError(f"must be between {lo:g} and {hi:g} for {info.data.get('item')}")
        return v


class LifecycleRow(ItemRow):
    """One upstream (fuel-chain) factor of ``lifecycle.csv``, dated, within its
    :data:`LIFECYCLE_ITEMS` range."""

    RANGES: ClassVar[dict[str, tuple[float, float]]] = LIFECYCLE_ITEMS
    source_date: SourceDate


def column_range(model: type[BaseModel], column: str) -> tuple[float, bool, float, bool]:
    """``(lo, lo_strict, hi, hi_strict)`` of a numeric catalog column from its schema constraints
    (``-inf``/``inf`` where unbounded): the range a scenario override of that column must respect."""
    lo, lo_strict, hi, hi_strict = -float("inf"), False, float("inf"), False
    info = model.model_fields.get(column)
    for m in info.metadata if info is not None else []:
        if getattr(m, "ge", None) is not None:
            lo, lo_strict = float(m.ge), False
        if getattr(m, "gt", None) is not None:
            lo, lo_strict = float(m.gt), True
        if getattr(m, "le", None) is not None:
            hi, hi_strict = float(m.le), False
        if getattr(m, "lt", None) is not None:
            hi, hi_strict = float(m.lt), True
    return lo, lo_strict, hi, hi_strict


class ModelCard(BaseModel):
    """Served AI model (models/<id>.yaml): parameters [1e9], shape, precision, typical tokens per request."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    id: Id
    name: Text
    architecture: Literal["dense", "moe"]
    total_params_b: pos_upto(1e5)
    """Parameters [1e9]; at most 1e5 (100 trillion, ~50x the largest published model)."""
    active_params_b: pos_upto(1e5)
    layers: count_upto(10_000)
    hidden_size: count_upto(1_000_000)
    attention_heads: count_upto(100_000)
    kv_heads: count_upto(100_000)
    head_dim: count_upto(100_000)
    vocab_size: count_upto(100_000_000)
    context_length: count_upto(1_000_000_000)
    default_precision: Precision
    min_precision: Optional[Precision] = None
    """Lowest weight precision the model may be served at (a published checkpoint or an MLPerf
    closed-division submission at it); default ``default_precision``."""
    serving_ttft_ms: pos_upto(1e7) = 1000.0
    """Production latency target: p99 time to first token [ms]."""
    serving_tpot_ms: pos_upto(1e6) = 40.0
    """Production latency target: p99 time per output token [ms] (1000 / TPOT = tokens/s per user)."""
    typical_input_tokens: count_upto(1_000_000_000)
    """Mean input tokens per request (ISL) of the production workload [tokens]."""
    typical_output_tokens: count_upto(1_000_000_000)
    """Mean output tokens per request (OSL) of the production workload [tokens]."""
    typical_prefix_hit: Annotated[float, Field(ge=0, lt=1)] = 0.0
    """Share of input tokens served from a prefix / KV cache (not prefilled) in production [-]."""
    prefix_hit_source: Optional[Plain] = None
    """Where ``typical_prefix_hit`` comes from (required when it is above 0)."""
    kv_cache_bytes_per_token_per_layer_override: Optional[pos_upto(1e9)] = None
    attention_precision: Optional[Precision] = None
    """Precision the attention math (QK^T, PV) runs at whatever the weights' (e.g. bf16 where the
    serving kernels dequantize an fp8 KV cache); default fp8 for fp8/fp4 weights, else bf16."""
    experts: Optional[count_upto(1_000_000)] = None
    active_experts: Optional[count_upto(1_000_000)] = None
    moe_layers: Optional[count_upto(10_000)] = None
    """Layers with routed experts (the rest dense); default all ``layers`` of a MoE card."""
    mtp_modules: Optional[count_upto(100)] = None
    """Multi-token-prediction modules usable as speculative draft heads [-]."""
    mtp_acceptance: Optional[Annotated[float, Field(gt=0, lt=1)]] = None
    """Share of MTP draft tokens the main model accepts [-]."""
    mtp_params_b: Optional[pos_upto(1e5)] = None
    """Parameters of one MTP module [1e9]."""
    mtp_source: Optional[Plain] = None
    """Where the MTP figures come from (required with ``mtp_modules``)."""
    mlperf_model: Optional[Plain] = None
    source: Text
    confidence: Confidence
    notes: Optional[Plain] = None

    @model_validator(mode="after")
    def _moe_fields(self) -> ModelCard:
        if self.active_params_b > self.total_params_b:
            raise ValueError("active_params_b must be <= total_params_b")
        has = self.experts is not None and self.active_experts is not None
        if self.architecture == "moe" and not has:
            raise ValueError("architecture 'moe' needs both experts and active_experts")
        if self.architecture == "dense" and (self.experts or self.active_experts):
            raise ValueError("experts/active_experts are only allowed for architecture 'moe'")
        if has and self.active_experts > self.experts:  # type: ignore[operator]
            raise ValueError("active_experts must be <= experts")
        if self.moe_layers is not None and (self.architecture != "moe" or self.moe_layers > self.layers):
            raise ValueError("moe_layers is only allowed for architecture 'moe', at most layers")
        if self.typical_prefix_hit > 0 and not self.prefix_hit_source:
            raise ValueError("typical_prefix_hit above 0 needs prefix_hit_source")
        mtp = (self.mtp_modules, self.mtp_acceptance, self.mtp_params_b, self.mtp_source)
        if any(v is not None for v in mtp) and not all(v is not None for v in mtp):
            raise ValueError("mtp_modules, mtp_acceptance, mtp_params_b and mtp_source go together")
        return self
