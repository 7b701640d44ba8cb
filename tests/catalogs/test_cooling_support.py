"""Which cooling each GPU system supports (``gpus.csv`` ``cooling_supported``) and the PUE floor
(electrical losses and support loads in ``facility.csv``): loaded, enforced, and bad lists rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.catalogs.load import cooling_can_host, load_catalogs, pue_floor
from planner.errors import CatalogError
from planner.paths import DATA_DIR, MODELS_DIR


def test_vendor_support_lists() -> None:
    """NVL72 racks: direct liquid only; 8-GPU HGX/OAM boards: air or DLC; immersion nowhere certified."""
    cat = load_catalogs()
    hosts = {g: {c for c in cat.cooling.index if cooling_can_host(cat, g, c)} for g in cat.gpus.index}
    assert hosts["GB200"] == hosts["GB300"] == {"dlc"}
    assert hosts["MI355X"] == {"dlc"}
    for g in ("H100", "H200", "MI300X", "MI325X"):
        assert {"air", "dlc"} <= hosts[g], g
    assert not any(c.startswith("immersion") for h in hosts.values() for c in h)


def test_pue_floor_is_one_plus_electrical_and_support() -> None:
    cat = load_catalogs()
    floor = pue_floor(cat.facility)
    assert floor == pytest.approx(1.0 + 0.035 + 0.005)
    cc = cat.cooling_climate
    assert (cc["pue"] - floor - cc["cooling_overhead"]).abs().max() < 1e-12
    assert (cc["pue"] >= floor).all()


def test_unknown_cooling_in_support_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "gpus.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, "cooling_supported"] = "air;fog"
    df.to_csv(path, index=False)
    with pytest.raises(CatalogError) as info:
        load_catalogs(data, MODELS_DIR)
    msg = str(info.value)
    assert "gpus.csv" in msg and "line 4" in msg and "cooling_supported" in msg and "'fog'" in msg


def test_cooling_costs_follow_their_sources() -> None:
    """Air < rear doors < DLC (air + the 7-10% AI-facility premium of Turner & Townsend 2025 on the
    C&W 11,700 USD/kW) < immersion (DLC + 1,000 / 1,500); fixed O&M 2.5% of capex; DLC's cooling
    overhead below air's in every climate, and every facility PUE at least the 1.04 floor."""
    cat = load_catalogs()
    capex = cat.cooling["capex_usd_per_kw_it"]
    order = ["air", "rdhx", "dlc", "immersion_1ph", "immersion_2ph"]
    assert capex[order].is_monotonic_increasing and capex[order].is_unique
    premium = capex["dlc"] - capex["air"]
    build = 11_700
    assert 0.07 * build <= premium <= 0.10 * build
    assert capex["immersion_1ph"] - capex["dlc"] == 1000 and capex["immersion_2ph"] - capex["dlc"] == 1500
    assert (cat.cooling["fom_usd_per_kw_it_yr"] - 0.025 * capex).abs().max() < 1e-9
    cc = cat.cooling_climate["cooling_overhead"].unstack("climate_class")
    assert (cc.loc["dlc"] < cc.loc["air"]).all() and (cc.loc["rdhx"] < cc.loc["air"]).all()
    assert cat.cooling_climate["pue"].min() >= pue_floor(cat.facility) == 1.04
