"""Bridge power for late plants (not only grid ties): a geothermal plant that misses the online
year is built only when bridging it is cheaper than the on-time alternative."""

from __future__ import annotations

import dataclasses

import pyomo.environ as pyo
import pytest

import planner
from planner.catalogs.load import crf
from tests.helpers import with_changes

SITE = "reno_nv"  # hydrothermal resource (data/sites.csv)


def _geo(tiny: dict, online: int | None) -> dict:
    """One site, one stream, geothermal or gas engines, no grid; no redundancy (the bridge alone)."""
    return with_changes(
        tiny,
        {
            "demand.served": [{"region": "us-west", "model": "llama-3.1-70b", "tokens_per_s": 9.0e7}],
            "demand.latency_ms": {"llama-3.1-70b": 200},
            "demand.start_year": 2027,
            "demand.online_year": online,
            "sites.include": [SITE],
            "technologies.energy": ["geothermal", "gas_recip"],
            "policy.power_redundancy": "none",
        },
    )


def _with_rent(catalogs, usd_per_kw_yr: float):
    facility = {**catalogs.facility, "bridge_usd_per_kw_yr": usd_per_kw_yr}
    return dataclasses.replace(catalogs, facility=facility)


def _generation(result, tech: str) -> float:
    """Yearly energy of ``tech`` at the site [MWh/yr] (``tables/energy_capacity.csv``)."""
    table = result.tables["energy_capacity"].query("tech_id == @tech")
    return float(table["generation_mwh_per_yr"].sum())


def _cap(result, tech: str) -> float:
    return float(pyo.value(result.model.energy.cap[SITE, tech]))


def test_late_plant_is_built_with_a_bridge_when_that_is_cheaper(tiny, catalogs):
    """Without a deadline the site runs mostly on geothermal (no fuel). By 2029 geothermal (2027 +
    its catalog lead time, 5 y: 2032) needs 3 years of bridge power: at 50 USD/kW-yr rent it still
    beats gas engines (at the catalog's 200 it no longer does since geothermal carries its interest
    during construction, issue 23 item 4), and the extra cost is exactly the bridge, by hand:
    CRF(7%, 30) x years x (rent x geothermal MW + (9.5 gas + 10 - 0) x geothermal MWh/yr)."""
    rent = _with_rent(catalogs, 50.0)
    free = planner.solve(_geo(tiny, None), catalogs=rent)
    assert _cap(free, "geothermal") > 50
    late = planner.solve(_geo(tiny, 2029), catalogs=rent)
    geo = _cap(late, "geothermal")
    assert geo == pytest.approx(_cap(free, "geothermal"), rel=1e-9)
    row = late.summary["sites_in_service"][SITE]
    assert row["bridge_for"] == "geothermal" and row["bridge_mw"] == pytest.approx(geo, rel=1e-9)
    assert row["in_service_year"] <= 2029 and row["in_service_bound"] != "geothermal delivery"
    gas = float(catalogs.sites.at[SITE, "gas_price_usd_per_mmbtu"])
    mwh = _generation(late, "geothermal")
    years = 2027 + int(catalogs.energy.at["geothermal", "lead_time_years"]) - 2029
    bridge = crf(0.07, 30) * years * (50e3 * geo + (9.5 * gas + 10) * mwh)  # USD/yr
    added = late.summary["annualized_cost_usd"] - free.summary["annualized_cost_usd"]
    assert added == pytest.approx(bridge, rel=1e-6)


def test_late_plant_is_not_built_when_the_bridge_is_dear(tiny, catalogs):
    """At 2,000 USD/kW-yr rent the bridge years cost more than geothermal saves: gas engines, in
    service in 2029, carry the site and nothing is rented. At most the part of the load below one
    18 MW engine module may go to geothermal, bridged by units bought and kept (priced as engines)."""
    free = planner.solve(_geo(tiny, None), catalogs=catalogs)
    dear = planner.solve(_geo(tiny, 2029), catalogs=_with_rent(catalogs, 2000.0))
    module = float(catalogs.energy.at["gas_recip", "module_mw"])
    assert _cap(dear, "geothermal") < min(module, 0.2 * _cap(free, "geothermal"))
    assert _cap(dear, "gas_recip") > 0
    row = dear.summary["sites_in_service"][SITE]
    assert row["bridge_mw"] == pytest.approx(row["bridge_kept_mw"] or 0.0, abs=1e-9)  # nothing rented
    assert row["in_service_year"] == 2029


def test_bridge_units_bought_and_kept_when_renting_is_dear(tiny, catalogs):
    """A ~3 MW site: gas engines come in 18 MW modules, so at 2,000 USD/kW-yr rent the cheapest
    plan buys bridge units for geothermal's gap years (2027 + lead time - 2029) and keeps them as
    backup, priced as gas_recip:
    cost = (2,200 x CRF(5.36%, 30) + 37.5) x kept kW + CRF(7%, 30) x years x fuel x MWh/yr, by
    hand, with fuel = 9.5 gas + 10 [USD/MWh] on geothermal's yearly energy."""
    small = _geo(tiny, 2029)
    small["demand"]["served"] = [{"region": "us-west", "model": "llama-3.1-70b", "tokens_per_s": 2.0e6}]
    result = planner.solve(small, catalogs=_with_rent(catalogs, 2000.0))
    geo = _cap(result, "geothermal")
    row = result.summary["sites_in_service"][SITE]
    assert geo > 0 and _cap(result, "gas_recip") < 1e-6
    assert row["bridge_kept_mw"] == pytest.approx(geo, rel=1e-9) == row["bridge_mw"]
    gas = float(catalogs.sites.at[SITE, "gas_price_usd_per_mmbtu"])
    fuel = 9.5 * gas + 10
    years = 2027 + int(catalogs.energy.at["geothermal", "lead_time_years"]) - 2029
    expected = (2200 * crf(0.0536, 30) + 37.5) * geo * 1e3 + crf(0.07, 30) * years * fuel * _generation(
        result, "geothermal"
    )
    got = result.tables["costs"].query("category == 'bridge_power'")["annualized_cost_usd"].sum()
    assert got == pytest.approx(expected, rel=1e-6)


def test_bridge_is_limited_by_what_is_deliverable(tiny, catalogs):
    """With 20 MW of bridge units deliverable per year (``bridge_supply.csv``), the late geothermal
    plant is bridged by at most 20 MW in each gap year (2029-2031: its 2032 delivery; the optimum
    bridges less than 20 MW, the part of the load short of whole 18 MW engine modules); gas engines,
    in service on time, carry the rest of the load."""
    cheap = _with_rent(catalogs, 50.0)  # as above: with IDC the 5-year plant needs cheap rent to win
    free = planner.solve(_geo(tiny, 2029), catalogs=cheap)
    assert free.summary["sites_in_service"][SITE]["bridge_mw"] > 20.0
    scarce = dataclasses.replace(cheap, bridge_supply={2026: 20.0})
    late = planner.solve(_geo(tiny, 2029), catalogs=scarce)
    row = late.summary["sites_in_service"][SITE]
    assert 0.0 < row["bridge_mw"] <= 20.0 + 1e-6 < free.summary["sites_in_service"][SITE]["bridge_mw"]
    assert _cap(late, "geothermal") == pytest.approx(row["bridge_mw"], rel=1e-6)  # late: all bridged
    assert _cap(late, "gas_recip") > 0
    rows = late.model.timing.bridge_supply
    assert sorted(rows) == [2029, 2030, 2031] and all(pyo.value(rows[y].upper) == 20.0 for y in rows)
    assert late.inputs.timing.bridge_limit(2031) == 20.0  # the last row applies after it
