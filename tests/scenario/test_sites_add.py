"""``sites.add`` in a scenario: candidate sites inline, checked as ``sites.csv`` rows (issue 25 item 6)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from planner.errors import InputError
from planner.scenario.load import apply_site_overrides, load_scenario, scenario_from_dict, selected_sites
from tests.helpers import TINY, with_changes

MY_SITE = {
    "site_id": "my_campus",
    "name": "My campus (Columbus OH area)",
    "lat": 40.0,
    "lon": -82.9,
    "country": "US",
    "state": "OH",
    "grid_region": "PJM",
    "egrid_subregion": "RFCW",
    "timezone": "America/New_York",
    "climate_class": "temperate",
    "annual_mean_temp_c": 11.5,
    "design_dry_bulb_c": 32,
    "design_wet_bulb_c": 24,
    "electricity_price_usd_per_mwh": 60,
    "grid_co2_g_per_kwh": 500,
    "grid_clean_share": 0.3,
    "gas_price_usd_per_mmbtu": 3,
    "pv_cf": 0.16,
    "wind_cf": 0.3,
    "water_stress": "low",
    "water_limit_ml_per_yr": 5000,
    "campus_mw_max": 500,
    "grid_mw_available": 300,
    "grid_lead_time_years": 3,
    "land_cost_usd_per_acre": 20000,
    "geothermal_resource": "none",
    "source": "estimate: a test site",
    "confidence": "low",
}


def _with_site(**changes) -> dict:
    site = {**MY_SITE, **changes}
    return with_changes(TINY, {"sites.add": [site], "sites.include": ["abilene_tx", site["site_id"]]})


def test_an_added_site_is_a_candidate_like_a_catalog_row(catalogs):
    data = with_changes(_with_site(), {"sites.overrides": {"my_campus": {"campus_mw_max": 250}}})
    scn = scenario_from_dict(data, catalogs)
    assert selected_sites(scn, catalogs) == ["abilene_tx", "my_campus"]
    frame = apply_site_overrides(scn, catalogs)
    row = frame.loc["my_campus"]
    assert (row["lat"], row["lon"], row["campus_mw_max"], row["water_stress"]) == (40.0, -82.9, 250.0, "low")
    assert frame["lat"].dtype == catalogs.sites["lat"].dtype
    assert "my_campus" not in catalogs.sites.index  # the catalog itself is not changed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat": 140}, "sites.add[0].lat: 140 is not allowed"),
        ({"bogus": 1}, "sites.add[0].bogus: unknown column 'bogus'"),
        ({"site_id": "abilene_tx"}, "sites.add[0].site_id: site id 'abilene_tx' is taken"),
        ({"egrid_subregion": None}, "required for US sites"),
        ({"water_stress": "wet"}, "sites.add[0].water_stress"),
    ],
)
def test_bad_added_rows_are_named(catalogs, changes, message):
    with pytest.raises(InputError) as info:
        scenario_from_dict(_with_site(**changes), catalogs)
    assert message in str(info.value)


def test_a_missing_column_and_the_yaml_line_are_named(catalogs, tmp_path):
    site = {k: v for k, v in MY_SITE.items() if k != "pv_cf"}
    data = copy.deepcopy(TINY)
    data["sites"] = {"include": ["my_campus"], "add": [site]}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path, catalogs)
    text = str(info.value)
    assert f"{path}:" in text and "sites.add[0]: column 'pv_cf' is missing" in text


def test_a_plan_can_open_an_added_site(catalogs, tmp_path):
    """With only the added site to choose, the plan opens it; its map point is at its coordinates."""
    from planner.api import solve
    from planner.commands import map as write_maps
    from planner.results.rundir import write_contents

    result = solve(with_changes(_with_site(), {"sites.include": ["my_campus"]}), catalogs=catalogs)
    sites = result.tables["sites"]
    assert sites.loc[sites["open"], "site_id"].tolist() == ["my_campus"]
    assert result.summary["sites"] == ["my_campus"]
    write_contents(result.scenario, result.summary, result.tables, tmp_path)
    (path,) = write_maps(tmp_path, "geojson")
    features = json.loads(path.read_text())["features"]
    point = [f for f in features if f["properties"].get("site_id") == "my_campus"]
    assert point and point[0]["geometry"]["coordinates"] == [MY_SITE["lon"], MY_SITE["lat"]]
