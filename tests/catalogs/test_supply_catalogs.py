"""contracts.csv, grid_mix.csv and lifecycle.csv: broken copies stop the load with a message naming
the file and field (exit 2); without them the planner keeps its earlier factors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.api import resolve_scenario
from planner.catalogs.load import load_catalogs
from planner.errors import CatalogError
from planner.model.lifecycle_inputs import grid_upstream_t_per_mwh, tech_upstream_t_per_mwh
from tests.helpers import edit_csv_cell

PPA = {"contract_id": "talen_amazon_susquehanna"}


def _error(data: Path, models: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalogs(data, models)
    assert info.value.exit_code == 2
    return str(info.value)


def test_contract_at_an_unknown_site(data_copy):
    data, models = data_copy
    edit_csv_cell(data / "contracts.csv", PPA, "site_id", "nowhere")
    message = _error(data, models)
    assert "contracts.csv" in message and "site_id" in message and "unknown site_id" in message


def test_contract_of_a_variable_technology(data_copy):
    data, models = data_copy
    edit_csv_cell(data / "contracts.csv", PPA, "technology", "pv")
    message = _error(data, models)
    assert "technology must be one of" in message and "nuclear_large" in message


def test_contract_attribute_must_be_hourly_or_annual(data_copy):
    data, models = data_copy
    edit_csv_cell(data / "contracts.csv", PPA, "carbon_attribute", "monthly")
    message = _error(data, models)
    assert "carbon_attribute" in message and "hourly" in message


def test_grid_mix_needs_every_us_subregion(data_copy):
    data, models = data_copy
    mix = pd.read_csv(data / "grid_mix.csv", dtype=str, keep_default_na=False)
    mix[mix["egrid_subregion"] != "RFCE"].to_csv(data / "grid_mix.csv", index=False)
    assert "no row for egrid_subregion RFCE" in _error(data, models)


def test_lifecycle_needs_every_item(data_copy):
    data, models = data_copy
    items = pd.read_csv(data / "lifecycle.csv", dtype=str, keep_default_na=False)
    items[items["item"] != "ch4_gwp20"].to_csv(data / "lifecycle.csv", index=False)
    assert "missing required item(s): ch4_gwp20" in _error(data, models)


def test_lifecycle_value_within_its_range(data_copy):
    data, models = data_copy
    edit_csv_cell(data / "lifecycle.csv", {"item": "gas_leak_rate"}, "value", "0.9")
    assert "gas_leak_rate" in _error(data, models)


def test_without_the_files_no_contracts_and_no_grid_upstream(data_copy):
    data, models = data_copy
    for name in ("contracts.csv", "grid_mix.csv", "lifecycle.csv"):
        (data / name).unlink()
    cats = load_catalogs(data, models)
    assert cats.contracts.empty and cats.grid_mix.empty and cats.lifecycle == {}
    scenario = resolve_scenario("small_5_sites", cats)
    up = tech_upstream_t_per_mwh(scenario, cats, ["gas_recip"])
    assert up["gas_recip"] == pytest.approx(
        cats.energy.at["gas_recip", "co2_upstream_kg_per_mwh"] / 1e3
    )  # energy.csv
    assert set(grid_upstream_t_per_mwh(scenario, cats, cats.sites).values()) == {0.0}
