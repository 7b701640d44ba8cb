"""site_elevation.csv and derate.csv (issue 23 item 6): coverage of the shipped tree and the
errors of a broken row, by file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import planner.catalogs.load as load
from planner.catalogs.load import load_catalogs
from planner.errors import CatalogError
from planner.paths import DATA_DIR, MODELS_DIR

UNCACHED_LOAD = load_catalogs.__wrapped__


@pytest.fixture
def data(tmp_path: Path) -> Path:
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path / "data"


def test_every_site_has_an_elevation_and_every_gas_plant_a_derate(catalogs):
    """Shipped: one elevation per site (sourced or estimate, dated) and one derate per gas technology."""
    assert set(catalogs.site_elevation.index) == set(catalogs.sites.index)
    assert catalogs.site_elevation["source_date"].str.match(r"^20\d\d-\d\d").all()
    gas = set(catalogs.energy.index[catalogs.energy["kind"] == "gas"])
    assert set(catalogs.derate.index) == gas


def test_a_shipped_site_without_elevation_stops_the_load(data, monkeypatch):
    path = data / "site_elevation.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df[df["site_id"] != "cheyenne_wy"].to_csv(path, index=False)
    monkeypatch.setattr(load, "is_shipped", lambda _: True)
    with pytest.raises(CatalogError, match=r"no elevation for site\(s\): cheyenne_wy"):
        UNCACHED_LOAD(data, MODELS_DIR)


def test_an_unknown_site_or_technology_is_named(data):
    path = data / "site_elevation.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "site_id"] = "atlantis"
    df.to_csv(path, index=False)
    with pytest.raises(CatalogError, match="unknown site_id 'atlantis'"):
        UNCACHED_LOAD(data, MODELS_DIR)
    shutil.copy(DATA_DIR / "site_elevation.csv", path)
    derate = data / "derate.csv"
    df = pd.read_csv(derate, dtype=str, keep_default_na=False)
    df.loc[0, "tech_id"] = "steam_engine"
    df.to_csv(derate, index=False)
    with pytest.raises(CatalogError, match="unknown tech_id 'steam_engine'"):
        UNCACHED_LOAD(data, MODELS_DIR)


def test_an_elevation_out_of_range_is_refused(data):
    path = data / "site_elevation.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "elevation_m"] = "9000"
    df.to_csv(path, index=False)
    with pytest.raises(CatalogError, match="elevation_m"):
        UNCACHED_LOAD(data, MODELS_DIR)
