"""Time to power: online years, lead times, bridge power for a late grid tie, explanations."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.util.check_units import assert_units_consistent

import planner
from planner.api import resolve_scenario
from planner.catalogs.load import crf
from planner.errors import InfeasibleError
from planner.model.build import build_model
from planner.model.inputs import build_inputs
from planner.model.timing_inputs import in_service_year, stream_online_years
from tests.helpers import TINY, with_changes

FAST, SLOW = "abilene_tx", "loudoun_va"  # grid queues 2 y (ERCOT) and 5 y (PJM) in data/sites.csv


def _race(tiny: dict, slow_price: float, online: int | None) -> dict:
    """One us-east stream both sites reach; grid power only; one site; the slow-queue site's
    electricity price set to ``slow_price`` [USD/MWh]."""
    return with_changes(
        tiny,
        {
            "demand.served": [{"region": "us-east", "model": "llama-3.1-70b", "tokens_per_s": 2.0e5}],
            "demand.latency_ms": {"llama-3.1-70b": 200},
            "demand.start_year": 2027,
            "demand.online_year": online,
            "sites.include": [FAST, SLOW],
            "sites.overrides": {SLOW: {"electricity_price_usd_per_mwh": slow_price}},
            "technologies.energy": ["grid"],
            "policy.max_sites": 1,
            "policy.power_redundancy": "none",
        },
    )


def test_in_service_year_follows_the_capex_convention():
    assert in_service_year(2027, 1.5) == 2028
    assert in_service_year(2027, 2.0) == 2029
    assert in_service_year(2027, 0.0) == 2027


def test_online_year_overrides_by_region_and_model(tiny):
    data = with_changes(
        tiny, {"demand.online_year": 2030, "demand.online_year_by": {"us-east": 2031, "llama-3.1-70b": 2029}}
    )
    scn = resolve_scenario(data, None)
    assert stream_online_years(scn) == {
        ("us-south", "llama-3.1-70b"): 2029,
        ("us-east", "llama-3.1-8b"): 2031,
    }


def test_late_grid_site_is_not_chosen_unless_a_bridge_is_cheaper(tiny, catalogs):
    """The slow-queue site (grid 2032) is cheaper without a deadline at 60 USD/MWh, but with an
    online year of 2029 it needs 3 years of bridge power, which costs more than it saves: the
    fast site wins. At 10 USD/MWh the saving pays for the bridge: the slow site with a bridge
    covering its whole grid tie."""
    assert planner.solve(_race(tiny, 60, None), catalogs=catalogs).summary["sites"] == [SLOW]
    late = planner.solve(_race(tiny, 60, 2029), catalogs=catalogs)
    assert late.summary["sites"] == [FAST]
    assert late.summary["sites_in_service"][FAST]["in_service_year"] == 2029
    assert late.summary["sites_in_service"][FAST]["in_service_bound"] == "grid queue"
    cheap = planner.solve(_race(tiny, 10, 2029), catalogs=catalogs)
    assert cheap.summary["sites"] == [SLOW]
    row = cheap.summary["sites_in_service"][SLOW]
    grid_mw = pyo.value(cheap.model.energy.grid_cap[SLOW])
    assert row["bridge_mw"] == pytest.approx(grid_mw, rel=1e-6)
    assert row["grid_in_service_year"] == 2032 and row["in_service_year"] <= 2029
    assert row["in_service_bound"] in ("construction", "bridge power")


def test_bridge_cost_by_hand(tiny, catalogs):
    """bridge cost = CRF(7%, 30 y) x 3 gap years x (200 USD/kW-yr rent + fuel premium) x MW, with
    premium = 8760 / 1.3 x max(0, 9.5 x gas + 10 - grid price) [USD/MW-yr]."""
    result = planner.solve(_race(tiny, 10, 2029), catalogs=catalogs)
    site = catalogs.sites.loc[SLOW]
    premium = 8760 / 1.3 * max(0.0, 9.5 * site["gas_price_usd_per_mmbtu"] + 10 - 10)
    mw = result.summary["sites_in_service"][SLOW]["bridge_mw"]
    expected = crf(0.07, 30) * 3 * (200e3 + premium) * mw
    costs = result.tables["costs"]
    got = costs.query("site_id == @SLOW and category == 'bridge_power'")["annualized_cost_usd"].sum()
    assert got == pytest.approx(expected, rel=1e-6)
    line = result.tables["capex_items"].query("item_id == 'bridge'")
    assert line["capex_usd"].sum() == pytest.approx(3 * (200e3 + premium) * mw, rel=1e-6)


def test_plants_that_cannot_be_in_service_are_not_built(tiny, catalogs):
    """A combined cycle (5-year lead time) cannot serve by 2029; without a deadline it may."""
    data = with_changes(
        tiny, {"technologies.energy": ["grid", "ngcc"], "demand.start_year": 2027, "demand.online_year": 2029}
    )
    result = planner.solve(data, catalogs=catalogs)
    m = result.model
    assert all(pyo.value(m.energy.cap[s, "ngcc"]) < 1e-6 for s in m.site.S)
    for row in result.summary["sites_in_service"].values():
        assert row["in_service_year"] <= row["online_year"] == 2029


def test_online_year_before_any_site_can_serve_is_explained(tiny, catalogs):
    """Construction alone takes 1.5 years: nothing serves in the start year; the message names the
    demand, its year and the earliest year of each candidate site."""
    data = with_changes(tiny, {"demand.start_year": 2027, "demand.online_year": 2027})
    with pytest.raises(InfeasibleError) as info:
        planner.solve(data, catalogs=catalogs)
    text = str(info.value)
    assert "llama-3.1-70b in us-south" in text and "cannot be served by 2027" in text
    assert "abilene_tx 2028" in text


def test_timing_block_units_are_consistent(catalogs):
    data = with_changes(TINY, {"demand.start_year": 2027, "demand.online_year": 2029})
    scn = resolve_scenario(data, catalogs)
    assert_units_consistent(build_model(build_inputs(scn, catalogs)).timing)


def _phased(tiny: dict, **changes) -> dict:
    """Two sites that must both open (min 2, at most 60% each): the fast-queue one (grid 2029)
    and the slow-queue one (grid 2032, cheaper power)."""
    data = _race(tiny, 20, None)
    fixed = {"policy.min_sites": 2, "policy.max_sites": None, "policy.max_share_per_site": 0.6}
    return with_changes(data, {**fixed, **changes})


def test_two_year_growth_places_capacity_in_the_right_year(tiny, catalogs):
    """40% of demand by 2029, all of it by 2032: the fast site serves from 2029 (at least 40%),
    the slow site enters in 2032 when its grid tie arrives, with no bridge; all demand by 2029
    instead needs the slow site bridged, which costs more."""
    phased = planner.solve(_phased(tiny, **{"demand.growth": {2029: 0.4, 2032: 1.0}}), catalogs=catalogs)
    rows = phased.summary["sites_in_service"]
    assert rows[FAST]["online_year"] == 2029 and rows[FAST]["in_service_year"] == 2029
    assert rows[SLOW]["online_year"] == 2032 and rows[SLOW]["bridge_mw"] == pytest.approx(0.0, abs=1e-9)
    served = phased.tables["sites"].set_index("site_id")["tokens_per_s"]
    assert served[FAST] >= 0.4 * 2.0e5 * (1 - 1e-9)
    assert phased.summary["served_share_by_year"]["2029"] >= 0.4 - 1e-9
    at_once = planner.solve(_phased(tiny, **{"demand.online_year": 2029}), catalogs=catalogs)
    assert at_once.summary["sites_in_service"][SLOW]["bridge_mw"] > 0
    assert phased.summary["annualized_cost_usd"] < at_once.summary["annualized_cost_usd"]


def test_growth_beyond_what_early_sites_can_carry_brings_the_late_site_forward(tiny, catalogs):
    """70% by 2029 is more than one site may serve (60%): the slow site must serve in 2029 too,
    bridged until its grid tie arrives in 2032."""
    result = planner.solve(_phased(tiny, **{"demand.growth": {2029: 0.7, 2032: 1.0}}), catalogs=catalogs)
    rows = result.summary["sites_in_service"]
    assert rows[FAST]["online_year"] == rows[SLOW]["online_year"] == 2029
    assert rows[SLOW]["bridge_mw"] > 0


def test_present_value_discounts_each_site_from_its_year(tiny, catalogs):
    """PV = sum_s annual cost[s] x sum_{t=Y_s}^{Y_s+19} 1.07^-(t-2027), by hand from the tables."""
    result = planner.solve(_phased(tiny, **{"demand.growth": {2029: 0.4, 2032: 1.0}}), catalogs=catalogs)
    cost = result.tables["sites"].set_index("site_id")["annualized_cost_usd"]
    years = {FAST: 2029, SLOW: 2032}
    expected = sum(cost[s] * sum(1.07 ** -(t - 2027) for t in range(y, y + 20)) for s, y in years.items())
    assert result.summary["present_value_cost_usd"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "growth, message",
    [({2029: 0.5, 2031: 0.9}, "rise to 1.0"), ({2029: 0.8, 2031: 0.5, 2032: 1.0}, "rise to 1.0")],
)
def test_growth_shares_must_rise_to_one(tiny, growth, message):
    from planner.errors import InputError

    with pytest.raises(InputError, match=message):
        resolve_scenario(with_changes(tiny, {"demand.growth": growth}), None)


def test_slow_firm_supply_is_explained_with_what_bounds_each_site(tiny, catalogs):
    """PV is not firm and a combined cycle takes years: with no grid on the menu nothing can
    carry the peak by 2029; the message gives 2027 + the ngcc lead time (ngcc delivery) per site."""
    data = with_changes(
        tiny, {"technologies.energy": ["pv", "ngcc"], "demand.start_year": 2027, "demand.online_year": 2029}
    )
    with pytest.raises(InfeasibleError) as info:
        planner.solve(data, catalogs=catalogs)
    text = str(info.value)
    assert "cannot be served by 2029" in text
    year = 2027 + int(catalogs.energy.at["ngcc", "lead_time_years"])
    assert f"abilene_tx {year} (ngcc delivery)" in text and f"loudoun_va {year} (ngcc delivery)" in text
    assert "construction starts in 2027" in text
