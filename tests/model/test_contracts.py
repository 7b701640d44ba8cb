"""Supply contracts and the one emissions boundary (issue 23 items 2 and 5), by hand: a PPA with an
annual carbon attribute (one site-year's bill and carbon), the hourly attribute, a contract of an
owner hidden from a generic developer, the gas upstream factor at GWP 20 and 100, and a grid
subregion's upstream factor."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import planner
from planner.api import resolve_scenario
from planner.errors import InputError
from planner.model.inputs import build_inputs
from tests.helpers import TINY, with_changes

SITE = "susquehanna_pa"
CH4_KG_PER_MMBTU = 1.055056e9 / 890_400 * 16.043e-3
"""Methane burned per MMBtu [kg]: J per MMBtu / CH4 HHV [J/mol] x molar mass [kg/mol] = 19.01."""
GAS_UP_100 = 0.023 / 0.977 * CH4_KG_PER_MMBTU * 29.8 + 4.4
"""Alvarez 2018 leak (2.3% of gross production) per MMBtu delivered x AR6 GWP100 + supply-chain CO2
[kgCO2e/MMBtu] = 17.74."""
RFCE_UP = (
    0.047 * 10.5 * (0.16 * 29.8 + 1.5)  # coal share x heat rate x (mine methane x GWP + CO2)
    + 0.541 * 7.6 * GAS_UP_100  # gas share x heat rate x gas upstream
    + 0.008 * 10.8 * 15  # oil and other fossil
) / 1e3
"""RFCE (eGRID2023) grid upstream at GWP100 [tCO2e/MWh generated] = 0.0773."""
NUCLEAR_AVAIL = 0.93


def _one_site(**changes) -> dict:
    """Susquehanna, grid only, one stream, no redundancy, retail-average price (77.5 USD/MWh)."""
    return with_changes(
        TINY,
        {
            "demand.served": [{"region": "us-east", "model": "llama-3.1-8b", "tokens_per_s": 3.0e6}],
            "sites.include": [SITE],
            "technologies.energy": ["grid"],
            "policy.power_redundancy": "none",
            **changes,
        },
    )


def _with_contract(catalogs, attribute: str, mw: float = 1000.0, available_to: str = "anyone"):
    """The shipped catalogs with one open test PPA at Susquehanna (80.2 USD/MWh, nuclear_large)."""
    row = catalogs.contracts.iloc[0].copy()
    row["available_to"], row["carbon_attribute"], row["mw"] = available_to, attribute, mw
    table = pd.DataFrame([row], index=pd.Index(["test_ppa"], name="contract_id"))
    return dataclasses.replace(catalogs, contracts=table)


def test_ppa_with_annual_attribute_bill_and_carbon_by_hand(catalogs):
    """Annual mode, carbon objective on the market-based account: the plan takes just enough of the
    PPA to match the year's imports E (more would only cost), take = E / (0.93 x 8,760 h); the bill is
    take x 0.93 x 8,760 x (80.2 - 77.5) USD/yr; market-based = location-based - E x (grid rate +
    RFCE upstream), the nuclear PPA's own upstream being 0."""
    cats = _with_contract(catalogs, "annual")
    data = _one_site(**{"policy.carbon_accounting": "market_based", "objective": "carbon"})
    result = planner.solve(data, catalogs=cats)
    inp, s = result.inputs, result.summary
    imports = float(result.tables["dispatch"].eval("grid_mw * weight_h").sum())  # MWh/yr
    take = result.model.contracts.take[SITE, "test_ppa"].value
    assert take == pytest.approx(imports / (NUCLEAR_AVAIL * 8760), rel=1e-4)
    bill = result.tables["costs"].query("site_id == @SITE and category == 'contract_energy'")
    assert float(bill["annualized_cost_usd"].iloc[0]) == pytest.approx(
        take * NUCLEAR_AVAIL * 8760 * (80.2 - 77.5), rel=1e-4
    )
    assert inp.grid_upstream_t_per_mwh[SITE] == pytest.approx(RFCE_UP, rel=1e-9)
    rate = inp.grid_co2_t_per_mwh[SITE, 0] + RFCE_UP
    location = s["emissions_t_per_yr"]
    assert s["emissions_market_based_t_per_yr"] == pytest.approx(location - imports * rate, rel=1e-6)
    mtok = s["served_tokens_per_s"] * 8760 * 3600 / 1e6
    assert s["gco2e_per_mtok_market_based"] == pytest.approx((location - imports * rate) * 1e6 / mtok)
    assert s["gco2e_per_mtok_location_based"] == pytest.approx(s["gco2e_per_mtok"])
    assert s["carbon_accounting"] == "market_based"
    opex = result.tables["opex"].query("site_id == @SITE and category == 'contract_energy'")
    assert float(opex["quantity"].iloc[0]) == pytest.approx(imports, rel=1e-4)


def test_ppa_hourly_attribute_matches_hour_by_hour(catalogs):
    """Two representative days, a 0.3 MW hourly PPA (its 0.279 MW of output lies between the campus's
    lowest and highest hourly import, 0.26-0.36 MW): the plan takes all of it; credit = sum_t w_t (grid
    rate_t + RFCE upstream) min(0.93 x take, import_t), so the output of the low hours is not
    claimed (an annual attribute would claim it); the model's market-based emissions (the
    carbon objective's) equal the summary's, and under the cost objective the plan takes none (80.2
    USD/MWh against the hourly grid price) so both accounts are equal."""
    cats = _with_contract(catalogs, "hourly", mw=0.3)
    days = {"mode": "representative_days", "days": 2}
    data = _one_site(**{"policy.carbon_accounting": "market_based", "objective": "carbon", "time": days})
    result = planner.solve(data, catalogs=cats)
    inp, s = result.inputs, result.summary
    take = result.model.contracts.take[SITE, "test_ppa"].value
    assert take == pytest.approx(0.3)
    d = result.tables["dispatch"].query("site_id == @SITE").sort_values("slice")
    assert (d["grid_mw"] < NUCLEAR_AVAIL * take - 1e-3).any() and (d["grid_mw"] > NUCLEAR_AVAIL * take).any()
    rate = d["slice"].map(lambda t: inp.grid_co2_t_per_mwh[SITE, t] + RFCE_UP)
    credit = float((d["weight_h"] * rate * d["grid_mw"].clip(upper=NUCLEAR_AVAIL * take)).sum())
    assert s["emissions_market_based_t_per_yr"] == pytest.approx(s["emissions_t_per_yr"] - credit, rel=1e-6)
    assert float(result.model.cost.emissions_market_based()) == pytest.approx(
        s["emissions_market_based_t_per_yr"], rel=1e-6
    )
    cost_plan = planner.solve(with_changes(data, {"objective": "cost"}), catalogs=cats).summary
    assert cost_plan["contracts_taken_mw"] == {"test_ppa": pytest.approx(0.0, abs=1e-6)}
    location = cost_plan["gco2e_per_mtok_location_based"]
    assert cost_plan["gco2e_per_mtok_market_based"] == pytest.approx(location)


def test_public_only_hides_an_owners_contract(catalogs):
    """Amazon's Susquehanna PPA (available_to amazon) is not open to a generic developer (default
    public_only): no contract, and the site's grid lead time is the new customer's 5 years; with
    sites.contracts all and owner amazon the contract and its 2-year, 840 MW delivery are open; with
    another owner they are not."""

    def inputs(**changes):
        return build_inputs(resolve_scenario(_one_site(**changes), catalogs), catalogs)

    public = inputs()
    assert public.contracts is None
    assert public.site_data.at[SITE, "grid_lead_time_years"] == 5
    amazon = inputs(**{"sites.contracts": "all", "sites.owner": "amazon"})
    assert amazon.contracts.ids == ["talen_amazon_susquehanna"]
    assert amazon.contracts.mw["talen_amazon_susquehanna"] == 1920
    assert amazon.site_data.at[SITE, "grid_lead_time_years"] == 2
    assert amazon.site_data.at[SITE, "grid_mw_available"] == 840
    assert inputs(**{"sites.contracts": "all", "sites.owner": "google"}).contracts is None
    assert inputs(**{"sites.contracts": "all"}).contracts is not None
    with pytest.raises(InputError, match="owner needs contracts: all"):
        inputs(**{"sites.owner": "amazon"})


@pytest.mark.parametrize(("gwp", "value"), [(100, 29.8), (20, 82.5)])
def test_gas_upstream_factor_by_hand(catalogs, gwp, value):
    """Engines (7.9 MMBtu/MWh HHV, issue 23 item 8): upstream = 7.9 x (0.023 / 0.977 x 19.01 kg
    CH4/MMBtu x GWP + 4.4) / 1e3 tCO2e/MWh: 0.140 at GWP100 (was 0.208 from IPCC AR5's lifecycle,
    ~3.5% leakage), 0.326 at GWP20."""
    data = _one_site(**{"technologies.energy": ["grid", "gas_recip"], "policy.methane_gwp": gwp})
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    assert catalogs.energy.at["gas_recip", "heat_rate_mmbtu_per_mwh"] == 7.9
    by_hand = 7.9 * (0.023 / 0.977 * CH4_KG_PER_MMBTU * value + 4.4) / 1e3
    assert inp.tech_upstream_t_per_mwh["gas_recip"] == pytest.approx(by_hand, rel=1e-9)
    assert by_hand == pytest.approx({100: 0.1401, 20: 0.3265}[gwp], abs=1e-4)


def test_grid_subregion_upstream_by_hand(catalogs):
    """RFCE (Susquehanna) at GWP100 by hand from eGRID2023's mix (coal 4.7%, gas 54.1%, oil/other
    0.8%) = 77.3 kgCO2e/MWh; at GWP20 the methane terms scale by 82.5 / 29.8; a site outside the US
    (Electricity Maps lifecycle rate) takes none."""
    data = _one_site(**{"sites.include": [SITE, "lulea_se"]})
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    assert inp.grid_upstream_t_per_mwh[SITE] == pytest.approx(RFCE_UP, rel=1e-9)
    assert pytest.approx(0.0773, abs=1e-4) == RFCE_UP
    assert inp.grid_upstream_t_per_mwh["lulea_se"] == 0.0
    inp20 = build_inputs(resolve_scenario(with_changes(data, {"policy.methane_gwp": 20}), catalogs), catalogs)
    gas20 = 0.023 / 0.977 * CH4_KG_PER_MMBTU * 82.5 + 4.4
    by_hand = (0.047 * 10.5 * (0.16 * 82.5 + 1.5) + 0.541 * 7.6 * gas20 + 0.008 * 10.8 * 15) / 1e3
    assert inp20.grid_upstream_t_per_mwh[SITE] == pytest.approx(by_hand, rel=1e-9)
