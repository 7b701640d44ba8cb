"""Cited catalogs (``data/*.csv``) and served-model cards (``models/*.yaml``), validated and typed.

Every CSV row and every YAML card goes through a pydantic model below; any problem (missing
file or column, unknown column or key, bad value, duplicate id, empty ``source``, broken
cross-reference) raises :class:`planner.errors.CatalogError` naming the file, the line
(``line N`` = CSV line number, header is line 1), the column and what is allowed.

Units are part of the column names (see ``data/README.md``): ``_usd_per_kw`` [USD/kW],
``_usd_per_mwh`` [USD/MWh], ``_g_per_kwh`` [gCO2e/kWh], ``_kg_per_mwh`` [kgCO2/MWh],
``_mmbtu_per_mwh`` [MMBtu HHV/MWh], ``_tflops`` [10^12 FLOP/s, dense], ``_w`` [W],
``_ml_per_yr`` [megalitres/yr], ``_l_per_kwh`` [L per kWh IT], ``_years`` [y]. Money is in
USD of ``finance["dollar_year"]``. The returned DataFrames are cached: treat them as read-only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, get_args

import pandas as pd
import yaml
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from planner.errors import CatalogError
from planner.paths import DATA_DIR, MODELS_DIR, PROJECT_ROOT

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
    "building_shell_usd_per_kw_it", "electrical_usd_per_kw_it", "building_life_years",
    "electrical_life_years", "building_fom_usd_per_kw_it_yr", "land_acres_per_mw_it",
    "embodied_building_kgco2e_per_kw_it", "water_price_usd_per_m3", "fibre_route_factor",
    "fibre_speed_km_per_ms", "bits_erased_per_flop", "site_development_usd",
)
FINANCE_ITEMS: tuple[str, ...] = ("wacc_default", "gpu_life_years", "dollar_year", "carbon_price_default_usd_per_t")

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
PosInt = Annotated[int, Field(gt=0)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
TimeZone = Annotated[str, Field(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$")]
Text = Annotated[str, Field(min_length=1)]


class _Row(BaseModel):
    """Common part of every catalog row: a citation (or 'estimate: how') and a confidence."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    source: Text
    confidence: Confidence


class SiteRow(_Row):
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


class EnergyRow(_Row):
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


class GpuRow(_Row):
    """Accelerator: dense TFLOP/s, HBM [GB, TB/s], power [W per GPU, kW per rack], price [USD], carbon [kg]."""

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


class CoolingRow(_Row):
    """Cooling technology: rack density limit [kW], capex [USD/kW IT], fixed O&M [USD/kW IT-yr]."""

    cooling_id: Id
    name: Text
    liquid: bool
    max_rack_kw: Pos
    capex_usd_per_kw_it: NonNeg
    fom_usd_per_kw_it_yr: NonNeg
    life_years: Pos


class CoolingClimateRow(_Row):
    """PUE [-] (facility W / IT W) and WUE [L per kWh IT] of one cooling technology in one climate."""

    cooling_id: Id
    climate_class: ClimateClass
    pue: Annotated[float, Field(ge=1, le=3)]
    wue_l_per_kwh: NonNeg


class BenchmarkRow(_Row):
    """One MLPerf Inference result: generated tokens/s for the system and per GPU; wall power [W]."""

    version: Annotated[str, Field(pattern=r"^v\d+\.\d+$")]
    submitter: Text
    system: Text
    gpu_id: Id
    model_id: Id
    mlperf_model: Text
    scenario: Literal["offline", "server"]
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


class RegionRow(_Row):
    """Demand region: metro centroid [deg] and IANA time zone."""

    region_id: Id
    name: Text
    lat: Lat
    lon: Lon
    timezone: TimeZone


class ItemRow(_Row):
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
    def _moe_fields(self) -> "ModelCard":
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


@dataclass(frozen=True)
class Catalogs:
    """All catalogs, validated. DataFrames are indexed by their id column (benchmarks: RangeIndex)."""

    sites: pd.DataFrame
    energy: pd.DataFrame
    gpus: pd.DataFrame
    cooling: pd.DataFrame
    cooling_climate: pd.DataFrame
    benchmarks: pd.DataFrame
    regions: pd.DataFrame
    models: pd.DataFrame
    facility: dict[str, float]
    finance: dict[str, float]
    facility_sources: dict[str, str]
    finance_sources: dict[str, str]


def cooling_can_host(catalogs: "Catalogs", gpu_id: str, cooling_id: str) -> bool:
    """True if cooling ``cooling_id`` can host GPU ``gpu_id``: liquid where the GPU requires
    it, and the GPU's rack density [kW/rack] within the cooling's ``max_rack_kw``."""
    gpu, cool = catalogs.gpus.loc[gpu_id], catalogs.cooling.loc[cooling_id]
    return bool((not gpu["liquid_required"] or cool["liquid"]) and gpu["rack_kw"] <= cool["max_rack_kw"])


def crf(wacc: float, life_years: float) -> float:
    """Capital recovery factor [1/yr]: r(1+r)^n / ((1+r)^n - 1); 1/n when r = 0.

    >>> round(crf(0.07, 30), 6)
    0.080586
    """
    if life_years <= 0:
        raise ValueError(f"life_years must be > 0, got {life_years}")
    if abs(wacc) < 1e-12:
        return 1.0 / life_years
    growth = (1.0 + wacc) ** life_years
    return wacc * growth / (growth - 1.0)


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def _validate(model: type[BaseModel], data: dict[str, Any], file: str, row: int | None) -> Any:
    """Validate one row/card; turn the first pydantic error into a CatalogError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        text = err["msg"].removeprefix("Value error, ")
        col = str(err["loc"][0]) if err["loc"] else None
        line = f"line {row + 1}: " if row is not None else ""
        if err["type"] == "extra_forbidden":
            msg = f"unknown {'column' if row else 'key'} {col!r}; allowed: {', '.join(model.model_fields)}"
        elif col is None:
            msg = text
        elif data.get(col) is None:
            msg = f"{col} is empty or missing: {text}"
        else:
            msg = f"bad value {data[col]!r} for {col}: {text}"
        raise CatalogError(file, row, col, line + msg) from None


def _columns(model: type[BaseModel]) -> list[str]:
    """Field names in file order: ids and values first, then source and confidence."""
    names = [n for n in model.model_fields if n not in ("source", "confidence")]
    return names + [n for n in ("source", "confidence") if n in model.model_fields]


def _frame(rows: list[Any], model: type[BaseModel]) -> pd.DataFrame:
    """Rows -> DataFrame (float/int64/bool dtypes inferred from the validated values; missing -> NaN)."""
    df = pd.DataFrame([r.model_dump() for r in rows], columns=_columns(model))
    return df.astype({c: float for c in df.columns if df[c].isna().all()})


def _read_rows(path: Path, model: type[_Row], key: tuple[str, ...]) -> list[Any]:
    """Read a CSV (all text), check its columns, validate each row, reject duplicate keys."""
    rel = _rel(path)
    if not path.is_file():
        raise CatalogError(rel, None, None, "file not found")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CatalogError(rel, None, None, f"cannot read CSV: {exc}") from None
    fields = _columns(model)
    missing = [c for c in fields if c not in raw.columns]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; expected: {', '.join(fields)}"
        raise CatalogError(rel, None, missing[0], msg)
    extra = [c for c in raw.columns if c not in fields]
    if extra:
        msg = f"unknown column(s) {', '.join(map(str, extra))}; allowed: {', '.join(fields)}"
        raise CatalogError(rel, None, str(extra[0]), msg)
    if raw.empty:
        raise CatalogError(rel, None, None, "no data rows")
    rows, seen = [], {}
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        clean = {k: (v.strip() or None) if isinstance(v, str) else None for k, v in rec.items()}
        row = _validate(model, clean, rel, i)
        ident = tuple(getattr(row, k) for k in key)
        if key and ident in seen:
            msg = f"line {i + 1}: duplicate id {'/'.join(ident)!r} (first at line {seen[ident] + 1})"
            raise CatalogError(rel, i, key[0], msg)
        seen[ident] = i
        rows.append(row)
    return rows


def _table(path: Path, model: type[_Row], key: tuple[str, ...]) -> pd.DataFrame:
    df = _frame(_read_rows(path, model, key), model)
    return df.set_index(list(key) if len(key) > 1 else key[0]) if key else df


def _items(path: Path, required: tuple[str, ...]) -> tuple[dict[str, float], dict[str, str]]:
    rows: list[ItemRow] = _read_rows(path, ItemRow, ("item",))
    missing = [k for k in required if k not in {r.item for r in rows}]
    if missing:
        raise CatalogError(_rel(path), None, "item", f"missing required item(s): {', '.join(missing)}")
    return {r.item: r.value for r in rows}, {r.item: r.source for r in rows}


def _models(models_dir: Path) -> pd.DataFrame:
    files = sorted(models_dir.glob("*.yaml")) if models_dir.is_dir() else []
    if not files:
        raise CatalogError(_rel(models_dir), None, None, "no model cards (*.yaml) found")
    cards: list[ModelCard] = []
    for path in files:
        rel = _rel(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            raise CatalogError(rel, None, None, f"cannot read YAML: {exc}") from None
        if not isinstance(data, dict):
            raise CatalogError(rel, None, None, "expected a mapping of keys to values")
        card: ModelCard = _validate(ModelCard, data, rel, None)
        if card.id != path.stem:
            raise CatalogError(rel, None, "id", f"id {card.id!r} must equal the file name {path.stem!r}")
        cards.append(card)
    return _frame(cards, ModelCard).set_index("id").rename_axis("model_id")


def _check_refs(path: Path, column: str, values: Any, allowed: pd.Index, what: str) -> None:
    """Every value must be an id of another catalog; report the first offending CSV line."""
    for i, v in enumerate(values, start=1):
        if v not in allowed:
            known = ", ".join(map(str, allowed))
            raise CatalogError(_rel(path), i, column, f"line {i + 1}: unknown {what} {v!r}; known: {known}")


@functools.lru_cache(maxsize=8)
def load_catalogs(data_dir: Path = DATA_DIR, models_dir: Path = MODELS_DIR) -> Catalogs:
    """Load and validate every catalog in ``data_dir`` and every model card in ``models_dir``.

    Raises CatalogError (exit code 2) on the first problem; cached per (data_dir, models_dir).
    """
    data_dir, models_dir = Path(data_dir), Path(models_dir)
    cooling = _table(data_dir / "cooling.csv", CoolingRow, ("cooling_id",))
    cc_path = data_dir / "cooling_climate.csv"
    cc = _table(cc_path, CoolingClimateRow, ("cooling_id", "climate_class"))
    _check_refs(cc_path, "cooling_id", cc.index.get_level_values(0), cooling.index, "cooling_id")
    gaps = [f"{c}/{k}" for c in cooling.index for k in CLIMATE_CLASSES if (c, k) not in cc.index]
    if gaps:
        raise CatalogError(_rel(cc_path), None, "climate_class", f"missing combinations: {', '.join(gaps)}")
    gpus = _table(data_dir / "gpus.csv", GpuRow, ("gpu_id",))
    models = _models(models_dir)
    bench = _table(data_dir / "benchmarks.csv", BenchmarkRow, ())
    _check_refs(data_dir / "benchmarks.csv", "gpu_id", bench["gpu_id"], gpus.index, "gpu_id")
    _check_refs(data_dir / "benchmarks.csv", "model_id", bench["model_id"], models.index, "model_id")
    facility, facility_src = _items(data_dir / "facility.csv", FACILITY_ITEMS)
    finance, finance_src = _items(data_dir / "finance.csv", FINANCE_ITEMS)
    return Catalogs(
        sites=_table(data_dir / "sites.csv", SiteRow, ("site_id",)),
        energy=_table(data_dir / "energy.csv", EnergyRow, ("tech_id",)),
        gpus=gpus, cooling=cooling, cooling_climate=cc, benchmarks=bench,
        regions=_table(data_dir / "regions.csv", RegionRow, ("region_id",)),
        models=models, facility=facility, finance=finance,
        facility_sources=facility_src, finance_sources=finance_src,
    )
