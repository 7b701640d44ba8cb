"""prices.cost_case: 2025 market capex by default, NREL ATB 2025 moderate as a named case;
gas plants come in the unit sizes sold."""

from __future__ import annotations

import pytest

from planner.api import resolve_scenario
from planner.catalogs.load import crf
from planner.model.costs import energy_cost_inputs
from tests.helpers import TINY, with_changes

CASES = [("market", "capex_usd_per_kw"), ("atb", "capex_atb_usd_per_kw")]


@pytest.mark.parametrize(("case", "column"), CASES)
def test_cost_case_picks_the_capex_column(catalogs, case, column):
    scenario = resolve_scenario(with_changes(TINY, {"prices.cost_case": case}), catalogs)
    techs = ["grid", "pv", "ngcc"]
    sites = catalogs.sites.loc[["abilene_tx"]]
    out = energy_cost_inputs(scenario, catalogs, sites, techs)
    e = catalogs.energy
    for t in techs:
        assert out["tech_capex_musd_per_mw"][t] == pytest.approx(e.at[t, column] * 1e3 / 1e6)
    wacc = e.at["ngcc", "wacc"]
    capex, fom = e.at["ngcc", column], e.at["ngcc", "fom_usd_per_kw_yr"]
    hand = (capex * crf(wacc, e.at["ngcc", "life_years"]) + fom) / 1e3
    assert out["tech_annual_musd_per_mw"]["ngcc"] == pytest.approx(hand)


def test_market_gas_costs_and_unit_sizes(catalogs):
    e = catalogs.energy
    assert e.at["ngcc", "capex_usd_per_kw"] == 2290 and e.at["ngcc", "capex_atb_usd_per_kw"] == 1242
    assert e.at["ngcc", "module_mw"] == 600  # an H-class 1x1 block, not a 190 MW fraction of a plant
    assert e.at["gas_ct_aero", "module_mw"] == 50 and e.at["gas_recip", "module_mw"] == 18
    gas = e[e["kind"] == "gas"]
    assert (gas["module_mw"] > 0).all()
    assert (e["capex_usd_per_kw"] >= e["capex_atb_usd_per_kw"]).all()


def test_geothermal_market_and_atb_cases(catalogs):
    """Hydrothermal: market 3,900 (IRENA 2024 LCOE 0.060 USD/kWh, CF 0.88, O&M 125 -> ~3,760-4,300
    2024$) above ATB's best classes 3,150 (kept as 'atb'); EGS: market = ATB class centre 5,275."""
    e = catalogs.energy
    assert (
        e.at["geothermal", "capex_usd_per_kw"] == 3900 and e.at["geothermal", "capex_atb_usd_per_kw"] == 3150
    )
    irena = (0.060 * 0.88 * 8760 - 125) / crf(0.075, 25), (0.060 * 0.88 * 8760 - 125) / crf(0.06, 25)
    assert irena[0] * 0.976 < e.at["geothermal", "capex_usd_per_kw"] < irena[1] * 0.976
    assert (
        e.at["geothermal_egs", "capex_usd_per_kw"] == e.at["geothermal_egs", "capex_atb_usd_per_kw"] == 5275
    )
    assert e.at["geothermal", "lead_time_years"] == 5 and e.at["geothermal", "fom_usd_per_kw_yr"] == 122


def test_bad_cost_case_is_named(catalogs):
    from planner.errors import InputError

    with pytest.raises(InputError) as info:
        resolve_scenario(with_changes(TINY, {"prices.cost_case": "lazard"}), catalogs)
    assert "cost_case" in str(info.value) and "market" in str(info.value)
