"""Catalogs in data/ and models/: they load, every row is cited, spot values match the
researched reference, and broken copies fail with a message naming file, line and column."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planner.catalogs.load import Catalogs, crf, load_catalogs
from planner.catalogs.schemas import (
    CLIMATE_CLASSES,
    CONFIDENCES,
    ENERGY_KINDS,
    PRECISIONS,
    WATER_STRESS_LEVELS,
)
from planner.errors import CatalogError, InputError
from planner.paths import DATA_DIR, MODELS_DIR
from tests.helpers import edit_csv_cell

CSV_FILES = [
    "sites",
    "energy",
    "gpus",
    "cooling",
    "cooling_climate",
    "benchmarks",
    "regions",
    "facility",
    "finance",
]
GPUS = ["H100", "H200", "B200", "GB200", "B300", "GB300", "MI300X", "MI325X", "MI355X", "Gaudi3", "L40S"]
MODELS = [
    "llama-3.1-8b",
    "llama-2-70b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "mixtral-8x7b",
    "deepseek-r1",
    "gpt-oss-120b",
]
TECHS = [
    "grid",
    "pv",
    "wind",
    "ngcc",
    "ngcc_ccs",
    "gas_ct_aero",
    "gas_recip",
    "nuclear_smr",
    "nuclear_large",
    "geothermal",
    "geothermal_egs",
    "battery",
]
COOLING = ["air", "rdhx", "dlc", "immersion_1ph", "immersion_2ph"]
REGIONS = [
    "us-east",
    "us-northeast",
    "us-southeast",
    "us-central",
    "us-south",
    "us-west",
    "us-southwest",
    "us-northwest",
    "ca-east",
    "eu-west",
    "eu-central",
    "eu-north",
    "me-central",
    "ap-southeast",
]


@pytest.fixture(scope="module")
def cat() -> Catalogs:
    return load_catalogs()


def test_catalogs_load_with_expected_ids(cat: Catalogs) -> None:
    assert len(cat.sites) >= 38
    assert set(GPUS) <= set(cat.gpus.index)
    assert set(MODELS) <= set(cat.models.index)
    assert set(TECHS) <= set(cat.energy.index)
    assert set(COOLING) == set(cat.cooling.index)
    assert set(REGIONS) <= set(cat.regions.index)
    assert len(cat.cooling_climate) == len(COOLING) * len(CLIMATE_CLASSES)
    assert set(cat.energy["kind"]) <= set(ENERGY_KINDS)
    assert set(cat.sites["water_stress"]) <= set(WATER_STRESS_LEVELS)
    assert set(cat.models["default_precision"]) <= set(PRECISIONS)
    assert len(cat.benchmarks) > 300 and isinstance(cat.benchmarks.index, pd.RangeIndex)


def test_dtypes(cat: Catalogs) -> None:
    assert cat.sites["electricity_price_usd_per_mwh"].dtype == float
    assert cat.gpus["liquid_required"].dtype == bool
    assert cat.cooling["liquid"].dtype == bool
    assert cat.benchmarks["system_power_w"].dtype == float  # blank -> NaN
    assert math.isnan(cat.models.loc["llama-2-70b", "experts"])
    assert list(cat.cooling_climate.index.names) == ["cooling_id", "climate_class"]


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_csv_row_is_cited(name: str) -> None:
    df = pd.read_csv(DATA_DIR / f"{name}.csv", dtype=str, keep_default_na=False)
    assert (df["source"].str.strip() != "").all(), f"{name}.csv has a row without source"
    assert df["confidence"].isin(CONFIDENCES).all(), f"{name}.csv has a bad confidence"


@pytest.mark.parametrize("path", sorted(MODELS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_model_card_is_cited(path: Path) -> None:
    card = yaml.safe_load(path.read_text())
    assert str(card["source"]).strip()
    assert card["confidence"] in CONFIDENCES
    assert card["id"] == path.stem


def test_spot_values_against_reference(cat: Catalogs) -> None:
    g, s, e = cat.gpus, cat.sites, cat.energy
    assert g.loc["H100", "dense_bf16_tflops"] == 989
    assert g.loc["H100", "node_w_per_gpu"] == 1275  # DGX H100 10.2 kW / 8
    assert g.loc["GB200", "liquid_required"] and g.loc["GB200", "block_gpus"] == 72
    assert not g.loc["H100", "liquid_required"]
    assert g.loc["MI300X", "hbm_gb"] == 192 and g.loc["B200", "dense_fp4_tflops"] == 9000
    assert s.loc["abilene_tx", "grid_co2_g_per_kwh"] == pytest.approx(317.8)
    assert s.loc["abilene_tx", "electricity_price_usd_per_mwh"] == pytest.approx(66.0)  # EIA TX 6.60 c/kWh
    assert s.loc["abilene_tx", "climate_class"] == "hot_dry"
    assert s.loc["loudoun_va", "egrid_subregion"] == "SRVC"
    assert s.loc["narvik_no", "climate_class"] == "cold" and pd.isna(s.loc["narvik_no", "egrid_subregion"])
    assert s.loc["johor_my", "climate_class"] == "hot_humid"
    assert e.loc["pv", "capex_atb_usd_per_kw"] == 1254 and e.loc["pv", "capex_usd_per_kw"] == 1560
    assert e.loc["battery", "capex_usd_per_kwh"] == 222.6
    assert e.loc["ngcc", "co2_direct_kg_per_mwh"] == pytest.approx(6.168 * 53.06, abs=0.1)
    assert e.loc["nuclear_smr", "module_mw"] > 0
    pue = cat.cooling_climate["pue"]
    # facility PUE = 1 + electrical losses 0.035 + support 0.005 + cooling overhead
    assert pue.loc[("air", "hot_humid")] == pytest.approx(1.44)
    assert pue.loc[("dlc", "cold")] == pytest.approx(1.10)
    assert (pue.xs("immersion_2ph") <= pue.xs("immersion_1ph")).all()
    m = cat.models
    assert m.loc["llama-3.1-405b", ["layers", "hidden_size", "attention_heads", "kv_heads"]].tolist() == [
        126,
        16384,
        128,
        8,
    ]
    assert m.loc["deepseek-r1", "kv_cache_bytes_per_token_per_layer_override"] == 1152
    assert m.loc["gpt-oss-120b", "head_dim"] == 64 and m.loc["gpt-oss-120b", "default_precision"] == "fp4"
    assert cat.facility["fibre_speed_km_per_ms"] == pytest.approx(299792.458 / 1.468 / 1000, rel=1e-4)
    assert cat.finance["wacc_default"] == 0.07 and "wacc_default" in cat.finance_sources


def test_physical_consistency(cat: Catalogs) -> None:
    g = cat.gpus
    assert ((g["node_w_per_gpu"] * g["gpus_per_rack"] / 1000 - g["rack_kw"]).abs() < 0.05).all()
    # a GPU that needs liquid is only placeable with a liquid cooling option that fits its rack
    liquid = cat.cooling[cat.cooling["liquid"]]
    for gid, row in g[g["liquid_required"]].iterrows():
        assert (liquid["max_rack_kw"] >= row["rack_kw"]).any(), gid
    air = cat.cooling.loc["air", "max_rack_kw"]
    assert g.loc["H100", "rack_kw"] <= air
    b = cat.benchmarks
    assert set(b["scenario"]) == {"offline", "server", "interactive"}
    assert (
        (b["tokens_per_s"] / b["n_gpu"] - b["tokens_per_s_per_gpu"]).abs() <= 0.01 * b["tokens_per_s_per_gpu"]
    ).all()
    assert b["source"].str.startswith("MLCommons inference_results_v").all()
    # the data rule (issue 21): measured throughput from MLPerf Inference v4.1-v6.0 only, each row
    # citing its own round's results repository
    assert set(b["version"]) == {"v4.1", "v5.0", "v5.1", "v6.0"}
    assert (b.apply(lambda r: f"inference_results_{r['version']} " in r["source"], axis=1)).all()
    v6 = b[b["version"] == "v6.0"]
    assert len(v6) == 150 and v6["system_power_w"].isna().all()  # v6.0 published no power


def test_crf() -> None:
    assert crf(0.07, 30) == pytest.approx(0.0805864035, rel=1e-9)
    assert crf(0.0, 20) == pytest.approx(0.05)
    assert crf(0.05, 1) == pytest.approx(1.05)
    with pytest.raises(ValueError):
        crf(0.07, 0)


def test_load_is_cached() -> None:
    assert load_catalogs() is load_catalogs()


# ---------------------------------------------------------------- broken copies
@pytest.fixture()
def copy(tmp_path: Path) -> tuple[Path, Path]:
    data, models = tmp_path / "data", tmp_path / "models"
    shutil.copytree(DATA_DIR, data)
    shutil.copytree(MODELS_DIR, models)
    return data, models


def _edit_cell(path: Path, key: str, column: str, value: str) -> int:
    """Set one cell of a CSV (row by its first column); return its 1-based CSV line number."""
    first = pd.read_csv(path, nrows=0).columns[0]
    return edit_csv_cell(path, {first: key}, column, value)


def _error(data: Path, models: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalogs(data, models)
    assert isinstance(info.value, InputError) and info.value.exit_code == 2
    return str(info.value)


def test_bad_number(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit_cell(data / "gpus.csv", "H200", "tdp_w", "seven hundred")
    msg = _error(data, models)
    assert "gpus.csv" in msg and f"line {line}" in msg and "'tdp_w'" in msg and "valid number" in msg
    assert "seven hundred" not in msg  # a data tree is hostile input: its content is never quoted


def test_negative_price(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit_cell(data / "sites.csv", "dfw_tx", "electricity_price_usd_per_mwh", "-5")
    msg = _error(data, models)
    assert "sites.csv" in msg and f"line {line}" in msg and "electricity_price_usd_per_mwh" in msg
    assert "greater than or equal to 0" in msg


def test_unknown_climate_class(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit_cell(data / "sites.csv", "abilene_tx", "climate_class", "hot-dry")
    msg = _error(data, models)
    assert "sites.csv" in msg and f"line {line}" in msg and "climate_class" in msg
    assert "hot-dry" not in msg and "hot_dry" in msg  # names the allowed values, never the content


def test_duplicate_id(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = data / "gpus.csv"
    lines = path.read_text().splitlines()
    dup = next(ln for ln in lines if ln.startswith("H100,"))
    path.write_text("\n".join(lines + [dup]) + "\n")
    msg = _error(data, models)
    assert "gpus.csv" in msg and f"line {len(lines) + 1}" in msg and "gpu_id" in msg
    assert "duplicate" in msg and "H100" in msg and "line 2" in msg


def test_missing_column(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = data / "cooling.csv"
    pd.read_csv(path).drop(columns="max_rack_kw").to_csv(path, index=False)
    msg = _error(data, models)
    assert "cooling.csv" in msg and "max_rack_kw" in msg and "missing column" in msg


def test_empty_source(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit_cell(data / "energy.csv", "wind", "source", "")
    msg = _error(data, models)
    assert "energy.csv" in msg and f"line {line}" in msg and "'source'" in msg and "empty" in msg


def test_missing_file(copy: tuple[Path, Path]) -> None:
    data, models = copy
    (data / "regions.csv").unlink()
    assert "regions.csv" in _error(data, models) and "not found" in _error(data, models)


def test_unknown_gpu_in_benchmarks(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = data / "benchmarks.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[3, "gpu_id"] = "TPUv9"
    df.to_csv(path, index=False)
    msg = _error(data, models)
    assert "benchmarks.csv" in msg and "line 5" in msg and "gpu_id" in msg and "TPUv9" in msg


def test_incomplete_cooling_climate(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = data / "cooling_climate.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df[~((df.cooling_id == "rdhx") & (df.climate_class == "cold"))].to_csv(path, index=False)
    assert "rdhx/cold" in _error(data, models)


def test_model_card_unknown_key(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = models / "llama-3.1-8b.yaml"
    path.write_text(path.read_text() + "num_layers: 32\n")
    msg = _error(data, models)
    assert "llama-3.1-8b.yaml" in msg and "num_layers" in msg and "unknown key" in msg


def test_model_card_bad_value(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = models / "mixtral-8x7b.yaml"
    path.write_text(re.sub(r"default_precision: fp8", "default_precision: int3", path.read_text()))
    msg = _error(data, models)
    assert "mixtral-8x7b.yaml" in msg and "default_precision" in msg and "'fp8'" in msg
    assert "int3" not in msg  # the file's content is never echoed (issue 26)


def test_model_card_not_yaml_mapping(copy: tuple[Path, Path]) -> None:
    data, models = copy
    (models / "broken.yaml").write_text("- just\n- a list\n")
    assert "broken.yaml" in _error(data, models)


@pytest.mark.parametrize(
    ("file", "key", "column", "value", "expected"),
    [
        ("finance.csv", "wacc_default", "value", "-0.05", "between 0 and 0.5 for wacc_default"),
        ("facility.csv", "fibre_speed_km_per_ms", "value", "1e9", "between 1 and 299.792 for fibre_speed"),
        ("sites.csv", "dfw_tx", "campus_mw_max", "1e30", "less than or equal to 20000"),
        ("sites.csv", "dfw_tx", "lat", "999", "less than or equal to 90"),
        ("sites.csv", "dfw_tx", "water_limit_ml_per_yr", "nan", "finite number"),
        ("gpus.csv", "H100", "price_usd_per_gpu", "1e12", "less than or equal to 10000000"),
        ("energy.csv", "ngcc", "heat_rate_mmbtu_per_mwh", "6168", "less than or equal to 30"),
    ],
)
def test_physical_ranges(
    copy: tuple[Path, Path], file: str, key: str, column: str, value: str, expected: str
) -> None:
    """Catalog values outside a sane physical range (sign, unit slips, 1e30, NaN) are refused by
    file, line and column."""
    data, models = copy
    line = _edit_cell(data / file, key, column, value)
    msg = _error(data, models)
    assert file in msg and f"line {line}" in msg and expected in msg


def test_gpu_without_delivery_lead_time(copy: tuple[Path, Path]) -> None:
    data, models = copy
    path = data / "gpu_delivery.csv"
    pd.read_csv(path, dtype=str).query("gpu_id != 'MI325X'").to_csv(path, index=False)
    msg = _error(data, models)
    assert "gpu_delivery.csv" in msg and "gpu_id" in msg and "MI325X" in msg and "every gpus.csv" in msg


def test_unit_trip_larger_than_a_module(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit_cell(data / "energy.csv", "gas_recip", "unit_trip_mw", "40")
    msg = _error(data, models)
    assert "energy.csv" in msg and f"line {line}" in msg and "unit_trip_mw" in msg and "module_mw 18" in msg


def test_interconnection_curve_must_be_convex(copy: tuple[Path, Path]) -> None:
    """A curve whose next MW costs less than the one before (1,300 MW at 300 USD/kW after 800 MW at
    686: the last segment's marginal cost falls below the one before) is refused by name."""
    data, models = copy
    edit_csv_cell(
        data / "interconnection_cost.csv", {"applies_to": "default", "mw": "1300"}, "usd_per_kw", "300"
    )
    msg = _error(data, models)
    assert "interconnection_cost.csv" in msg and "curve default" in msg and "must not fall with size" in msg


def test_sales_tax_needs_a_row_for_every_site(copy: tuple[Path, Path]) -> None:
    """Without the US-NM row (and no dona_ana_nm or US row) the site has no sales tax: the load stops
    naming it; with a country row US the site falls back to it."""
    data, models = copy
    path = data / "sales_tax.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table[table["applies_to"] != "US-NM"].to_csv(path, index=False)
    msg = _error(data, models)
    assert "sales_tax.csv" in msg and "dona_ana_nm" in msg and "<country>-<state>" in msg
    fallback = table[table["applies_to"] == "US-TX"].assign(applies_to="US", exempt_share="0.5")
    pd.concat([table[table["applies_to"] != "US-NM"], fallback]).to_csv(path, index=False)
    cat = load_catalogs(data, models)
    assert cat.sales_tax.at["dona_ana_nm", "applies_row"] == "US"
    assert cat.sales_tax.at["dona_ana_nm", "exempt_share"] == 0.5
    assert cat.sales_tax.at["el_paso_tx", "applies_row"] == "US-TX"
