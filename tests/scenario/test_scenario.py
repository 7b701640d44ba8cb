"""Scenario loading and validation: shipped scenarios, extends, overrides, round trip,
site selection, and malformed scenarios (exact message pieces, no traceback).

The ``planner validate`` exit codes for the same malformed scenarios are in tests/cli/test_validate.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from planner.catalogs.load import Catalogs
from planner.errors import InputError
from planner.paths import DEFAULT_SCENARIO, SCENARIOS_DIR
from planner.scenario.load import (
    apply_site_overrides,
    load_scenario,
    parse_overrides,
    resolved_yaml,
    scenario_from_dict,
    selected_sites,
)
from tests.helpers import write
from tests.scenario.cases import BAD, BASE

SHIPPED = sorted(SCENARIOS_DIR.glob("*.yaml"))


# --------------------------------------------------------------------------------------
# shipped scenarios
# --------------------------------------------------------------------------------------
def test_four_scenarios_shipped() -> None:
    names = {p.name for p in SHIPPED}
    assert {
        "us_inference_2027.yaml",
        "us_inference_2027_carbon.yaml",
        "nordic_europe_2027.yaml",
        "small_5_sites.yaml",
    } <= names
    assert DEFAULT_SCENARIO.name == "us_inference_2027.yaml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_validates(path: Path, catalogs: Catalogs, validate_app: typer.Typer) -> None:
    scenario = load_scenario(path, catalogs)
    assert scenario.extends is None
    assert scenario.name == path.stem
    assert len(scenario.description) > 100
    assert selected_sites(scenario, catalogs)
    result = CliRunner().invoke(validate_app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert scenario.name in result.output and "Traceback" not in result.output


def test_default_scenario_is_realistic(catalogs: Catalogs) -> None:
    s = load_scenario(DEFAULT_SCENARIO, catalogs)
    total = sum(x.tokens_per_s for x in s.demand.served)
    assert total == pytest.approx(150e6)  # the description states 150 M output tokens/s
    assert {x.region for x in s.demand.served} >= {
        "us-east",
        "us-central",
        "us-south",
        "us-west",
        "us-southeast",
    }
    assert {x.model for x in s.demand.served} == {
        "llama-3.1-8b",
        "llama-3.1-70b",
        "llama-3.1-405b",
        "deepseek-r1",
        "gpt-oss-120b",
    }
    assert s.sites.countries == ["US"]
    sites = apply_site_overrides(s, catalogs)
    assert set(sites["country"]) == {"US"}
    assert s.demand.latency_ms["llama-3.1-70b"] == 40 and s.demand.latency_ms["llama-3.1-8b"] == 30
    assert s.demand.latency_ms["deepseek-r1"] >= 80 and s.demand.latency_ms["llama-3.1-405b"] >= 80
    assert s.demand.peak_to_average == pytest.approx(1.3)
    assert s.technologies.cooling == ["air", "rdhx", "dlc", "immersion_1ph"]
    assert s.objective == "cost" and s.carbon_price_usd_per_t == 0
    assert (s.policy.min_sites, s.policy.max_share_per_site) == (2, 0.6)
    assert (s.time.mode, s.time.days, s.solver.time_limit_s, s.solver.mip_gap) == (
        "representative_days",
        8,
        100,
        0.01,
    )
    for word in ("980 trillion", "MLPerf", "estimate"):
        assert word in s.description


def test_carbon_variant_extends_default(catalogs: Catalogs) -> None:
    parent = load_scenario(DEFAULT_SCENARIO, catalogs)
    child = load_scenario(SCENARIOS_DIR / "us_inference_2027_carbon.yaml", catalogs)
    assert child.objective == "carbon" and child.policy.clean_energy_share == 0.9
    # same demand, sites, online year and time slices: only objective, policy and energy menu differ
    assert child.demand.served == parent.demand.served and child.sites == parent.sites
    assert child.demand.online_year == parent.demand.online_year == 2029
    assert child.time == parent.time and child.time.mode == "representative_days"
    assert child.policy.min_sites == parent.policy.min_sites  # merged, not replaced
    assert "ngcc_ccs" in (child.technologies.energy or []) and "ngcc_ccs" not in (
        parent.technologies.energy or []
    )
    assert child.technologies.gpus == parent.technologies.gpus


def test_nordic_countries_norway_is_not_false(catalogs: Catalogs, tmp_path: Path) -> None:
    s = load_scenario(SCENARIOS_DIR / "nordic_europe_2027.yaml", catalogs)
    assert set(apply_site_overrides(s, catalogs)["country"]) <= {"NO", "IS", "SE", "FI", "IE"}
    # a bare NO (YAML 1.1 "false") is read as the country code
    path = write(tmp_path, "no.yaml", BASE.replace("us-east", "eu-north") + "sites:\n  countries: [NO]\n")
    assert load_scenario(path, catalogs).sites.countries == ["NO"]


# --------------------------------------------------------------------------------------
# extends, overrides, round trip
# --------------------------------------------------------------------------------------
PARENT = """\
name: parent
description: the parent
demand:
  served:
    - {region: us-east, model: llama-3.1-70b, tokens_per_s: 1.0e6}
    - {region: us-south, model: llama-3.1-8b, tokens_per_s: 2.0e6}
  latency_ms: {llama-3.1-70b: 40}
  peak_to_average: 1.2
technologies:
  gpus: [H100, H200]
  cooling: [air, dlc]
policy:
  min_sites: 2
  max_share_per_site: 0.6
"""


def test_extends_merges_child_wins_lists_replace(tmp_path: Path, catalogs: Catalogs) -> None:
    write(tmp_path, "base/parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        (
            "extends: base/parent.yaml\nname: child\n"
            "demand:\n  peak_to_average: 1.5\n  latency_ms: {llama-3.1-8b: 30}\n"
            "technologies:\n  gpus: [B200]\npolicy:\n  min_sites: 3\n"
        ),
    )
    s = load_scenario(child, catalogs)
    assert s.name == "child" and s.description == "the parent" and s.extends is None
    assert s.demand.peak_to_average == 1.5
    assert len(s.demand.served) == 2  # inherited
    assert s.demand.latency_ms == {"llama-3.1-70b": 40, "llama-3.1-8b": 30}  # mappings merge
    assert s.technologies.gpus == ["B200"]  # lists replace
    assert s.technologies.cooling == ["air", "dlc"]
    assert (s.policy.min_sites, s.policy.max_share_per_site) == (3, 0.6)


def test_extends_chain_of_three(tmp_path: Path, catalogs: Catalogs) -> None:
    write(tmp_path, "a.yaml", PARENT)
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\nobjective: carbon\n")
    c = write(tmp_path, "c.yaml", "extends: b.yaml\nname: c\ncarbon_price_usd_per_t: 50\n")
    s = load_scenario(c, catalogs)
    assert (s.name, s.objective, s.carbon_price_usd_per_t, s.policy.min_sites) == ("c", "carbon", 50, 2)


def test_error_in_parent_points_at_parent_file_and_line(tmp_path: Path, catalogs: Catalogs) -> None:
    write(tmp_path, "parent.yaml", PARENT.replace("[H100, H200]", "[H100, H1000]"))
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\n")
    with pytest.raises(InputError) as err:
        load_scenario(child, catalogs)
    msg = str(err.value)
    assert "parent.yaml:10: technologies.gpus[1]: unknown GPU 'H1000'" in msg
    assert "child.yaml" not in msg


def test_dotted_overrides(tmp_path: Path, catalogs: Catalogs) -> None:
    path = write(tmp_path, "p.yaml", PARENT)
    s = load_scenario(
        path,
        catalogs,
        overrides={
            "prices.gas_price_scale": 2.0,
            "objective": "carbon",
            "demand.scale": 1.5,
            "demand.latency_ms.llama-3.1-8b": 25,  # model id with dots
            "demand.served[1].tokens_per_s": 5.0e5,
            "sites.overrides.abilene_tx.campus_mw_max": 300,
            "technologies.gpus": ["B200", "GB200"],
        },
    )
    assert s.prices.gas_price_scale == 2.0 and s.objective == "carbon" and s.demand.scale == 1.5
    assert s.demand.latency_ms == {"llama-3.1-70b": 40, "llama-3.1-8b": 25}
    assert s.demand.served[1].tokens_per_s == 5.0e5
    assert s.sites.overrides == {"abilene_tx": {"campus_mw_max": 300}}
    assert s.technologies.gpus == ["B200", "GB200"]


@pytest.mark.parametrize(
    ("override", "pieces"),
    [
        (
            {"prices.gas_scale": 2},
            ["unknown override path 'prices.gas_scale'", "did you mean 'prices.gas_price_scale'?"],
        ),
        (
            {"gas_price_scale": 2},
            ["unknown override path 'gas_price_scale'", "did you mean 'prices.gas_price_scale'?"],
        ),
        ({"demand.sclae": 2}, ["did you mean 'demand.scale'?"]),
        ({"demand.served[9].tokens_per_s": 1}, ["demand.served has no item [9]"]),
        ({"objective.x": 1}, ["objective is a single value"]),
        ({"demand.scale": -1}, ["p.yaml (override): demand.scale: -1 is not allowed: must be > 0"]),
        ({"demand.scale": float("nan")}, ["demand.scale: nan is not allowed: must be a number (NaN"]),
        (
            {"technologies.gpus": ["H1000"]},
            ["(override): technologies.gpus[0]: unknown GPU 'H1000'", "'H100'"],
        ),
    ],
)
def test_bad_overrides(tmp_path: Path, catalogs: Catalogs, override: dict, pieces: list[str]) -> None:
    path = write(tmp_path, "p.yaml", PARENT)
    with pytest.raises(InputError) as err:
        load_scenario(path, catalogs, overrides=override)
    for piece in pieces:
        assert piece in str(err.value)


def test_parse_overrides() -> None:
    assert parse_overrides(
        [
            "prices.gas_price_scale=2",
            "objective=carbon",
            "technologies.gpus=[H100, B200]",
            "policy.max_sites=null",
        ]
    ) == {
        "prices.gas_price_scale": 2,
        "objective": "carbon",
        "technologies.gpus": ["H100", "B200"],
        "policy.max_sites": None,
    }
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_overrides(["novalue"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_resolved_yaml_round_trips(path: Path, catalogs: Catalogs, tmp_path: Path) -> None:
    s = load_scenario(path, catalogs)
    text = resolved_yaml(s)
    assert "extends" not in yaml.safe_load(text)
    assert scenario_from_dict(yaml.safe_load(text), catalogs) == s
    again = load_scenario(write(tmp_path, "scenario.resolved.yaml", text), catalogs)
    assert again == s


def test_scenario_from_dict_errors_name_the_source(catalogs: Catalogs) -> None:
    data = yaml.safe_load(BASE)
    data["demand"]["served"][0]["tokens_per_s"] = -1
    with pytest.raises(InputError, match=r"^api: demand\.served\[0\]\.tokens_per_s: -1 is not allowed"):
        scenario_from_dict(data, catalogs, source="api")
    with pytest.raises(InputError, match="must be a mapping"):
        scenario_from_dict([1, 2], catalogs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# site selection
# --------------------------------------------------------------------------------------
def _with_sites(catalogs: Catalogs, sites: dict, **extra: object) -> object:
    data = yaml.safe_load(BASE)
    data["sites"] = sites
    data.update(extra)
    return scenario_from_dict(data, catalogs)


def test_selected_sites_filters(catalogs: Catalogs) -> None:
    all_ids = [str(i) for i in catalogs.sites.index]
    assert selected_sites(_with_sites(catalogs, {}), catalogs) == all_ids
    us = selected_sites(_with_sites(catalogs, {"countries": ["US"]}), catalogs)
    assert us and all(catalogs.sites.at[i, "country"] == "US" for i in us)
    # include keeps catalog order, exclude removes
    s = _with_sites(catalogs, {"include": ["dfw_tx", "abilene_tx", "loudoun_va"], "exclude": ["dfw_tx"]})
    assert selected_sites(s, catalogs) == ["abilene_tx", "loudoun_va"]
    low = selected_sites(_with_sites(catalogs, {"max_water_stress": "low"}), catalogs)
    assert low and all(catalogs.sites.at[i, "water_stress"] == "low" for i in low)
    big = selected_sites(_with_sites(catalogs, {"min_campus_mw": 1000}), catalogs)
    assert big and all(catalogs.sites.at[i, "campus_mw_max"] >= 1000 for i in big)
    # an override of campus_mw_max counts for the filter
    s = _with_sites(
        catalogs,
        {
            "include": ["chicago_il"],
            "overrides": {"chicago_il": {"campus_mw_max": 1500}},
            "min_campus_mw": 1000,
        },
    )
    assert selected_sites(s, catalogs) == ["chicago_il"]


def test_selected_sites_empty_names_the_filter(catalogs: Catalogs) -> None:
    s = _with_sites(catalogs, {"countries": ["US"]})
    s.sites.min_campus_mw = 50_000  # bypasses the load-time check
    with pytest.raises(InputError, match=r"sites\.min_campus_mw: 50000 leaves no candidate site"):
        selected_sites(s, catalogs)


def test_apply_site_overrides(catalogs: Catalogs) -> None:
    s = _with_sites(
        catalogs,
        {
            "include": ["abilene_tx", "loudoun_va"],
            "overrides": {"loudoun_va": {"gas_price_usd_per_mmbtu": 5}},
        },
        prices={"gas_price_usd_per_mmbtu": 4.0, "gas_price_scale": 2.0, "electricity_price_scale": 0.5},
    )
    frame = apply_site_overrides(s, catalogs)
    assert list(frame.index) == ["abilene_tx", "loudoun_va"]
    assert frame.at["abilene_tx", "gas_price_usd_per_mmbtu"] == pytest.approx(8.0)
    assert frame.at["loudoun_va", "gas_price_usd_per_mmbtu"] == pytest.approx(10.0)
    price = catalogs.sites.at["abilene_tx", "electricity_price_usd_per_mwh"]
    assert frame.at["abilene_tx", "electricity_price_usd_per_mwh"] == pytest.approx(price * 0.5)
    assert catalogs.sites.at["abilene_tx", "gas_price_usd_per_mmbtu"] != 8.0  # catalog untouched


# --------------------------------------------------------------------------------------
# malformed scenarios (cases in tests/scenario/cases.py)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("files", "entry", "pieces"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_scenario_message(
    tmp_path: Path, catalogs: Catalogs, files: dict, entry: str, pieces: list[str]
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / entry, catalogs)
    msg = str(err.value)
    for piece in pieces:
        assert piece in msg, f"{piece!r} not in:\n{msg}"
    assert "Traceback" not in msg


def test_boolean_is_not_a_number(tmp_path: Path, catalogs: Catalogs) -> None:
    path = write(tmp_path, "bad.yaml", BASE.replace("1.0e6", "true") + "solver:\n  verbose: yes\n")
    with pytest.raises(InputError) as err:
        load_scenario(path, catalogs)
    assert "bad.yaml:4: demand.served[0].tokens_per_s: true is not allowed: must be a number" in str(
        err.value
    )
    assert "verbose" not in str(err.value)  # booleans stay fine where a boolean is wanted


def test_scenario_from_dict_with_overrides(catalogs: Catalogs) -> None:
    s = scenario_from_dict(
        yaml.safe_load(BASE), catalogs, overrides={"objective": "carbon", "demand.scale": 2}
    )
    assert (s.objective, s.demand.scale) == ("carbon", 2)
    with pytest.raises(InputError, match=r"^<dict> \(override\): unknown override path 'objectiv'"):
        scenario_from_dict(yaml.safe_load(BASE), catalogs, overrides={"objectiv": "carbon"})


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("lat", 999, "[-90, 90]"),
        ("lon", -9999, "[-180, 180]"),
        ("campus_mw_max", 1e30, "(0, 20000]"),
        ("electricity_price_usd_per_mwh", -1e6, "[0, 2000]"),
        ("water_limit_ml_per_yr", float("nan"), "[0, 1e+06]"),
    ],
)
def test_site_overrides_get_the_catalog_range(tiny, catalogs, column, value, allowed):
    tiny["sites"]["overrides"] = {"abilene_tx": {column: value}}
    with pytest.raises(InputError) as info:
        scenario_from_dict(tiny, catalogs)
    assert f"sites.overrides.abilene_tx.{column}" in str(info.value) and allowed in str(info.value)


def test_extreme_days_need_room(tiny, catalogs):
    tiny["time"] = {"mode": "representative_days", "days": 1, "extremes": ["peak_demand"]}
    with pytest.raises(InputError, match="days 1 is too few for extremes"):
        scenario_from_dict(tiny, catalogs)
    tiny["time"]["extremes"] = []
    assert scenario_from_dict(tiny, catalogs).time.days == 1
