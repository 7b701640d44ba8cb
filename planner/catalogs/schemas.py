"""Pydantic schemas of the catalog rows (``data/*.csv``) and served-model cards (``models/*.yaml``).

One class per file kind (:class:`SiteRow`, :class:`EnergyRow`, :class:`GpuRow`, :class:`CoolingRow`,
:class:`CoolingClimateRow`, :class:`BenchmarkRow`, :class:`RegionRow`, :class:`ItemRow`,
:class:`ModelCard`), the allowed labels (climate classes, water stress, energy kinds,
precisions, confidences) and the required facility/finance items. Units are part of the
column names (see ``data/README.md`` and :mod:`planner.catalogs.load`). Loading and cross-checks
live in :mod:`planner.catalogs.load`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

ClimateClass = Literal["cold", "cold_dry", "temperate", "temperate_humid", "hot_dry", "hot_humid"]
WaterStress = Literal["low", "low_medium", "medium_high", "high", "extremely_high"]
EnergyKind = Literal["grid", "pv", "wind", "gas", "nuclear", "geothermal", "battery"]
Precision = Literal["bf16", "fp8", "fp4"]
BenchPrecision = Literal["fp16", "bf16", "fp8", "fp4", "int8", "int4"]
Confidence = Literal["high", "medium", "low", "estimate"]

CLIMATE_CLASSES: tuple[str, ...] = get_args(ClimateClass)
WATER_STRESS_LEVELS: tuple[str, ...] = get_args(WaterStress)
ENERGY_KINDS: tuple[str, ...] = get_args(EnergyKind)
PRECISIONS: tuple[str, ...] = get_args(Precision)
CONFIDENCES: tuple[str, ...] = get_args(Confidence)

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
)
FINANCE_ITEMS: tuple[str, ...] = (
    "wacc_default",
    "gpu_life_years",
    "dollar_year",
    "carbon_price_default_usd_per_t",
)

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
PosInt = Annotated[int, Field(gt=0)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
TimeZone = Annotated[str, Field(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$")]
Text = Annotated[str, Field(min_length=1)]


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
    state: Optional[str] = None
    grid_region: Text
    egrid_subregion: Optional[str] = None
    timezone: TimeZone
    climate_class: ClimateClass
    annual_mean_temp_c: Annotated[float, Field(ge=-60, le=50)]
    design_dry_bulb_c: Annotated[float, Field(ge=-60, le=60)]
    design_wet_bulb_c: Annotated[float, Field(ge=-60, le=40)]
    electricity_price_usd_per_mwh: NonNeg
    grid_co2_g_per_kwh: NonNeg
    grid_clean_share: Share
    gas_price_usd_per_mmbtu: NonNeg
    pv_cf: Share
    wind_cf: Share
    water_stress: WaterStress
    water_limit_ml_per_yr: NonNeg
    campus_mw_max: Pos
    grid_mw_available: NonNeg
    grid_lead_time_years: NonNeg
    land_cost_usd_per_acre: NonNeg
    geothermal_resource: Literal["none", "egs", "hydrothermal"]
    """Geothermal at the site: ``hydrothermal`` allows both geothermal techs, ``egs`` only
    enhanced geothermal, ``none`` neither."""

    @field_validator("egrid_subregion")
    @classmethod
    def _egrid_us_only(cls, v: Optional[str], info: ValidationInfo) -> Optional[str]:
        if (info.data.get("country") == "US") != bool(v):
            raise ValueError("required for US sites (EPA eGRID subregion code) and blank elsewhere")
        return v


class EnergyRow(CatalogRow):
    """Energy technology: capex [USD/kW, USD/kWh], O&M, heat rate [MMBtu/MWh], emissions, water [L/MWh]."""

    tech_id: Id
    name: Text
    kind: EnergyKind
    capex_usd_per_kw: NonNeg
    capex_usd_per_kwh: NonNeg
    fom_usd_per_kw_yr: NonNeg
    fom_usd_per_kwh_yr: NonNeg
    vom_usd_per_mwh: NonNeg
    heat_rate_mmbtu_per_mwh: NonNeg
    life_years: Pos
    max_availability: Share
    co2_direct_kg_per_mwh: NonNeg
    co2_upstream_kg_per_mwh: NonNeg
    co2_lifecycle_g_per_kwh: NonNeg
    embodied_kgco2e_per_kw: NonNeg
    embodied_kgco2e_per_kwh: NonNeg
    water_l_per_mwh: NonNeg
    module_mw: NonNeg
    lead_time_years: NonNeg
    round_trip_efficiency: Annotated[float, Field(gt=0, le=1)]
    max_duration_h: NonNeg
    wacc: Optional[Annotated[float, Field(ge=0, le=0.5)]] = None
    dollar_year: Annotated[int, Field(ge=1990, le=2100)]


class GpuRow(CatalogRow):
    """Accelerator: dense TFLOP/s, HBM [GB, TB/s], power [W per GPU, kW per rack], price [USD],
    carbon [kg]."""

    gpu_id: Id
    name: Text
    vendor: Text
    release_year: Annotated[int, Field(ge=2015, le=2100)]
    dense_bf16_tflops: Pos
    dense_fp8_tflops: Pos
    dense_fp4_tflops: NonNeg
    hbm_gb: Pos
    hbm_tb_per_s: Pos
    tdp_w: Pos
    node_w_per_gpu: Pos
    idle_w_per_gpu: NonNeg
    block_gpus: PosInt
    gpus_per_rack: PosInt
    rack_kw: Pos
    price_usd_per_gpu: Pos
    embodied_kgco2e_per_gpu: NonNeg
    liquid_required: bool
    life_years: Pos
    scaleup_domain_gpus: PosInt

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


class CoolingRow(CatalogRow):
    """Cooling technology: rack density limit [kW], capex [USD/kW IT], fixed O&M [USD/kW IT-yr]."""

    cooling_id: Id
    name: Text
    liquid: bool
    max_rack_kw: Pos
    capex_usd_per_kw_it: NonNeg
    fom_usd_per_kw_it_yr: NonNeg
    life_years: Pos


class CoolingClimateRow(CatalogRow):
    """PUE [-] (facility W / IT W) and WUE [L per kWh IT] of one cooling technology in one climate."""

    cooling_id: Id
    climate_class: ClimateClass
    pue: Annotated[float, Field(ge=1, le=3)]
    wue_l_per_kwh: NonNeg


class BenchmarkRow(CatalogRow):
    """One MLPerf Inference result: generated tokens/s for the system and per GPU; wall power [W]."""

    version: Annotated[str, Field(pattern=r"^v\d+\.\d+$")]
    submitter: Text
    system: Text
    gpu_id: Id
    model_id: Id
    mlperf_model: Text
    scenario: Literal["offline", "server", "interactive"]
    n_gpu: PosInt
    nodes: PosInt
    tokens_per_s: Pos
    tokens_per_s_per_gpu: Pos
    system_power_w: Optional[NonNeg] = None
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
    """One named scalar (facility.csv, finance.csv): value in ``unit``."""

    item: Id
    value: float
    unit: Text


class ModelCard(BaseModel):
    """Served AI model (models/<id>.yaml): parameters [1e9], shape, precision, typical tokens per request."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    id: Id
    name: Text
    architecture: Literal["dense", "moe"]
    total_params_b: Pos
    active_params_b: Pos
    layers: PosInt
    hidden_size: PosInt
    attention_heads: PosInt
    kv_heads: PosInt
    head_dim: PosInt
    vocab_size: PosInt
    context_length: PosInt
    default_precision: Precision
    min_precision: Optional[Precision] = None
    """Lowest weight precision the model may be served at (a published checkpoint or an MLPerf
    closed-division submission at it); default ``default_precision``."""
    serving_ttft_ms: Pos = 1000.0
    """Production latency target: p99 time to first token [ms]."""
    serving_tpot_ms: Pos = 40.0
    """Production latency target: p99 time per output token [ms] (1000 / TPOT = tokens/s per user)."""
    typical_input_tokens: PosInt
    typical_output_tokens: PosInt
    kv_cache_bytes_per_token_per_layer_override: Optional[Pos] = None
    experts: Optional[PosInt] = None
    active_experts: Optional[PosInt] = None
    mlperf_model: Optional[str] = None
    source: Text
    confidence: Confidence
    notes: Optional[str] = None

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
        return self
