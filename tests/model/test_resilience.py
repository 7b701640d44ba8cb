"""Failures that are not independent (issue 23 item 6): the common-mode loss of gas supply,
N-1-1, ``n+1+fuel`` and the site rating of gas turbines and engines, by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pyomo.environ as pyo
import pytest

import planner
from planner.api import resolve_scenario
from planner.model.derate import site_rating
from planner.model.inputs import build_inputs
from planner.results.resilience import ride_through_hours, site_resilience
from tests.helpers import with_changes

TOL = 1e-6
S = "x"


def _hand_site(grid: float, engines: int, backup: float, battery: tuple[float, float]) -> tuple:
    """A solved site by hand: a grid tie, ``engines`` gas engines of 18 MW (0.95 available, site
    rating 0.9), ``backup`` MW of diesel (3 MW units, 48 h of fuel) and a battery (MW, MWh);
    nameplate peak 60 MW, metered peak 56.25 MW (PUE 1.25 x (20 idle + 20 busy x peak activity 1.25))."""
    energy = SimpleNamespace(
        grid_cap={S: grid},
        cap={(S, "gas_recip"): 18.0 * engines},
        st_power={S: battery[0]},
        st_energy={S: battery[1]},
    )
    m = SimpleNamespace(
        energy=energy,
        redundancy=SimpleNamespace(backup={S: backup}),
        timing=SimpleNamespace(kept={S: 0.0}),
        site=SimpleNamespace(facility_peak={S: 60.0}, open={S: 1.0}),
        fleet=SimpleNamespace(
            SM=[(S, "mod")], idle_power={(S, "air"): 20.0}, busy_power={(S, "mod", "air"): 20.0}
        ),
    )
    inp = SimpleNamespace(
        techs=["grid", "gas_recip", "battery"],
        generators=["gas_recip"],
        tech_kind={"grid": "grid", "gas_recip": "gas", "battery": "battery"},
        unit_trip_mw={"gas_recip": 18.0},
        module_mw={"gas_recip": 18.0},
        storage=True,
        coolings=["air"],
        pue_peak={(S, "air"): 1.25},
        activity_shape={(S, "mod", 0): 1.25, (S, "mod", 1): 0.75},
        slices=SimpleNamespace(n=2),
        site_rating={(S, "gas_recip"): 0.9},
        redundancy=SimpleNamespace(fuel_autonomy_h=48.0, genset_unit_mw=3.0),
        firm_avail=lambda s, e: 0.95 * 0.9,
    )
    return m, inp


def test_common_mode_gas_loss_two_engines_and_a_tie_by_hand():
    """Two 18 MW engines (firm 18 x 0.95 x 0.9 = 15.39 MW each) + a 30 MW tie + 10 MW diesel +
    a 5 MW / 20 MWh battery. Gas lost: 30 + 10 = 40 MW firm left. Metered 56.25 MW: deficit 26.25
    over the tie > diesel 10 + battery 5 MW: 0 h, margin 40 - 56.25; nameplate 60 MW: deficit 30:
    0 h, margin 40 - 60 = -20 MW."""
    m, inp = _hand_site(grid=30.0, engines=2, backup=10.0, battery=(5.0, 20.0))
    row = site_resilience(m, inp, S)
    unit = 18.0 * 0.95 * 0.9
    assert row["metered_peak_mw"] == pytest.approx(1.25 * (20.0 + 20.0 * 1.25))
    assert row["nameplate_peak_mw"] == 60.0
    assert row["gas_mw"] == pytest.approx(2 * unit)
    assert row["firm_mw"] == pytest.approx(30.0 + 2 * unit + 10.0)
    assert row["no_gas_mw"] == pytest.approx(40.0)
    assert row["gas_loss_margin_metered_mw"] == pytest.approx(40.0 - 56.25)
    assert row["gas_loss_margin_nameplate_mw"] == pytest.approx(-20.0)
    assert row["gas_loss_hours_metered"] == 0.0  # deficit 26.25 > diesel 10 + battery 5
    assert row["gas_loss_hours_nameplate"] == 0.0
    assert row["gas_site_rating"] == "gas_recip 0.900"


def test_gas_loss_ride_through_by_hand():
    """Metered 1.25 x (20 + 12 x 1.25) = 43.75 MW over a 35 MW tie: a deficit of 8.75 MW within the
    10 MW of diesel, so fuel and battery energy set it: (10 x 48 + 20) MWh / 8.75 MW = 57.1 h (the
    other bounds: fuel with the battery at full power 480 / (8.75 - 5) = 128 h); a 50 MW tie
    carries it alone: unlimited."""
    m, inp = _hand_site(grid=35.0, engines=2, backup=10.0, battery=(5.0, 20.0))
    m.fleet.busy_power[S, "mod", "air"] = 12.0  # metered 1.25 x (20 + 12 x 1.25) = 43.75 MW
    row = site_resilience(m, inp, S)
    assert row["gas_loss_hours_metered"] == pytest.approx((10.0 * 48.0 + 20.0) / 8.75)
    m.energy.grid_cap[S] = 50.0
    assert site_resilience(m, inp, S)["gas_loss_hours_metered"] is None  # tie alone carries it


def test_ride_through_bounds():
    """Each bound of the ride-through by hand: power, battery, fuel, total energy."""
    assert ride_through_hours(0.0, 10.0, 48.0, 5.0, 20.0) is None
    assert ride_through_hours(16.0, 10.0, 48.0, 5.0, 20.0) == 0.0
    assert ride_through_hours(12.0, 10.0, 48.0, 5.0, 20.0) == pytest.approx(20.0 / 2.0)
    assert ride_through_hours(12.0, 10.0, 1.0, 5.0, 20.0) == pytest.approx(10.0 / (12.0 - 5.0))
    assert ride_through_hours(4.0, 10.0, 1.0, 5.0, 20.0) == pytest.approx(30.0 / 4.0)


def test_n_minus_1_minus_1_by_hand():
    """Elements: tie 30, two engines 15.39, diesel 10 MW as 3 + 3 + 3 + 1. The tie is out for
    maintenance and an engine trips: 45.39 MW lost of 85.78: 40.39 left, margins 40.39 - 56.25
    (metered) and 40.39 - 60 (nameplate)."""
    m, inp = _hand_site(grid=30.0, engines=2, backup=10.0, battery=(5.0, 20.0))
    row = site_resilience(m, inp, S)
    unit = 18.0 * 0.95 * 0.9
    assert (row["n11_outage"], row["n11_trip"]) == ("grid", "gas_recip")
    assert row["n11_loss_mw"] == pytest.approx(30.0 + unit)
    left = 30.0 + 2 * unit + 10.0 - 30.0 - unit
    assert row["n11_margin_metered_mw"] == pytest.approx(left - 56.25)
    assert row["n11_margin_nameplate_mw"] == pytest.approx(left - 60.0)
    m.energy.grid_cap[S] = 10.0  # the tie below one engine: two engines go, the second trips
    row = site_resilience(m, inp, S)
    assert (row["n11_outage"], row["n11_trip"], row["n11_loss_mw"]) == (
        "gas_recip",
        "gas_recip",
        pytest.approx(2 * unit),
    )


def test_cheyenne_derate_by_hand(catalogs):
    """Cheyenne, 1,848 m (data/site_elevation.csv), design dry bulb 31.1 C: an aeroderivative
    turbine keeps (1 - 0.111 x 1.848) (1 - 0.007 x 16.1) = 0.7053 of its ISO rating at design
    air and 0.7949 in the annual slice (mean 7.6 C < 15 C: altitude only); an engine (full to
    500 m and 30 C) keeps (1 - 0.04 x 1.348) (1 - 0.005 x 1.1) = 0.9409."""
    served = [{"region": "us-west", "model": "llama-3.1-8b", "tokens_per_s": 1e5}]
    scn = resolve_scenario(
        {
            "name": "cheyenne",
            "demand": {"served": served, "latency_ms": {"llama-3.1-8b": 200}},
            "sites": {"include": ["cheyenne_wy"]},
            "technologies": {"energy": ["grid", "gas_ct_aero", "gas_recip"], "gpus": ["H100"]},
        },
        catalogs,
    )
    inp = build_inputs(scn, catalogs)
    site = catalogs.sites.loc["cheyenne_wy"]
    assert catalogs.site_elevation.at["cheyenne_wy", "elevation_m"] == 1848
    assert site["design_dry_bulb_c"] == 31.1 and site["annual_mean_temp_c"] < 15
    aero = (1 - 0.111 * 1.848) * (1 - 0.007 * 16.1)
    assert aero == pytest.approx(0.7053, abs=1e-4)
    assert inp.site_rating["cheyenne_wy", "gas_ct_aero"] == pytest.approx(aero, rel=1e-9)
    assert inp.firm_avail("cheyenne_wy", "gas_ct_aero") == pytest.approx(0.92 * aero, rel=1e-9)
    assert inp.availability["cheyenne_wy", "gas_ct_aero", 0] == pytest.approx(0.92 * (1 - 0.111 * 1.848))
    engine = (1 - 0.04 * 1.348) * (1 - 0.005 * 1.1)
    assert inp.site_rating["cheyenne_wy", "gas_recip"] == pytest.approx(engine, rel=1e-9)
    assert engine == pytest.approx(0.9409, abs=1e-4)


def test_site_rating_is_one_within_iso_and_falls_with_height_and_heat():
    """The rating is 1 at ISO air and below each rated limit, and falls with elevation and heat."""
    assert site_rating(0, 15, 0, 0.111, 15, 0.007) == 1.0
    assert site_rating(0, -20, 0, 0.111, 15, 0.007) == 1.0
    ratings = [site_rating(z, t, 0, 0.111, 15, 0.007) for z, t in ((0, 30), (1000, 30), (1000, 40))]
    assert ratings == sorted(ratings, reverse=True) and ratings[-1] < ratings[0] < 1.0


def _gas_site(tiny: dict, level: str) -> dict:
    """Abilene on grid + engines with a 20 MW tie (the rest from gas)."""
    return with_changes(
        tiny,
        {
            "demand.served": [{"region": "us-south", "model": "llama-3.1-70b", "tokens_per_s": 4.0e7}],
            "sites.include": ["abilene_tx"],
            "sites.overrides": {"abilene_tx": {"grid_mw_available": 20}},
            "technologies.energy": ["grid", "gas_recip"],
            "policy.power_redundancy": level,
        },
    )


def test_n_plus_1_plus_fuel_covers_the_nameplate_peak_without_gas(tiny, catalogs):
    """Under n+1 the site leans on its engines (no-gas margin < 0); under n+1+fuel the tie, and the
    diesel bought for it, carry the nameplate peak with gas lost (margin >= 0), at a higher cost."""
    n1 = planner.solve(_gas_site(tiny, "n+1"), catalogs=catalogs)
    fuel = planner.solve(_gas_site(tiny, "n+1+fuel"), catalogs=catalogs)
    r1, rf = n1.summary["power_resilience"]["abilene_tx"], fuel.summary["power_resilience"]["abilene_tx"]
    assert r1["gas_mw"] > 0 and r1["gas_loss_margin_nameplate_mw"] < -1.0
    assert rf["gas_loss_margin_nameplate_mw"] >= -TOL * rf["nameplate_peak_mw"]
    assert rf["no_gas_mw"] == pytest.approx(20.0 + rf["backup_mw"], rel=1e-6)
    m = fuel.model
    assert pyo.value(m.redundancy.backup["abilene_tx"]) == pytest.approx(rf["backup_mw"])
    assert fuel.summary["annualized_cost_usd"] > n1.summary["annualized_cost_usd"]
    assert fuel.summary["power_redundancy"] == "n+1+fuel"
