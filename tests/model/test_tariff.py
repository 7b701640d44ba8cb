"""Grid tariffs as billed (issue 23 item 1): one site-year's bill by hand from data/tariffs.csv and
the dispatch, the minimum-demand ratchet, and the retail average left as it was."""

from __future__ import annotations

import pandas as pd
import pytest

import planner
from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.inputs import build_inputs
from tests.helpers import TINY, with_changes

PJM_SITE = "loudoun_va"


def _one_site(site: str, **changes) -> dict:
    """One grid-only site on two representative days, billed by tariff, no redundancy."""
    return with_changes(
        TINY,
        {
            "demand.served": [{"region": "us-east", "model": "llama-3.1-8b", "tokens_per_s": 3.0e6}],
            "sites.include": [site],
            "technologies.energy": ["grid"],
            "policy.power_redundancy": "none",
            "prices.grid_tariff": "as_billed",
            "time": {"mode": "representative_days", "days": 2},
            **changes,
        },
    )


def _bill(result, site: str) -> dict[str, float]:
    costs = result.tables["costs"].query("site_id == @site").set_index("category")["annualized_cost_usd"]
    return costs.to_dict()


def test_one_site_year_tariff_bill_by_hand(catalogs):
    """Loudoun (PJM row of data/tariffs.csv), by hand from the dispatch:
    energy = sum_t w_t price_t grid_t with the hourly price's weighted mean near 33.74 USD/MWh (the
    2024 PJM load-weighted LMP, not the 89.2 retail average); capacity = 333.44 x 365 USD/MW-yr x the
    import in the slice of the highest price (the coincident peak); transmission = 90,800 USD/MW-yr x
    the same import; demand = 2 x 12,000 USD/MW-yr x the year's highest import + 1 x 12,000 x the
    rest of the tie (standby)."""
    result = planner.solve(_one_site(PJM_SITE), catalogs=catalogs)
    inp = result.inputs
    assert inp.site_data.at[PJM_SITE, "retail_average_usd_per_mwh"] == pytest.approx(89.2)
    d = result.tables["dispatch"].query("site_id == @PJM_SITE").sort_values("slice")
    price = pd.Series([inp.grid_price_musd_per_mwh[PJM_SITE, t] * 1e6 for t in d["slice"]], index=d.index)
    assert (price * d["weight_h"]).sum() / d["weight_h"].sum() == pytest.approx(33.74, rel=0.05)
    peak_import = float(d.loc[price.idxmax(), "grid_mw"])
    tie = float(
        result.tables["energy_capacity"]
        .query("site_id == @PJM_SITE and tech_id == 'grid'")["capacity_mw"]
        .iloc[0]
    )
    highest = float(d["grid_mw"].max())
    bill = _bill(result, PJM_SITE)
    assert bill["grid_energy"] == pytest.approx(float((price * d["weight_h"] * d["grid_mw"]).sum()), rel=1e-6)
    assert bill["capacity_charge"] == pytest.approx(333.44 * 365 * peak_import, rel=1e-6)
    assert bill["transmission_charge"] == pytest.approx(90_800 * peak_import, rel=1e-6)
    assert bill["demand_charge"] == pytest.approx(24_000 * highest + 12_000 * (tie - highest), rel=1e-6)
    assert peak_import > 0.5 * highest > 0
    opex = result.tables["opex"].query("site_id == @PJM_SITE").set_index("category")["opex_usd_per_yr"]
    for category in ("capacity_charge", "demand_charge", "transmission_charge"):
        assert opex[category] == pytest.approx(bill[category], rel=1e-9)
    assert opex["energy"] == pytest.approx(bill["grid_energy"], rel=1e-9)


def test_minimum_demand_bills_85_percent_of_the_tie(catalogs):
    """New Albany (AEP Ohio's data-center tariff, PUCO 2025-07-09): billing demand >= 0.85 x tie."""
    result = planner.solve(_one_site("new_albany_oh"), catalogs=catalogs)
    billing = result.model.tariff.billing["new_albany_oh"].value
    tie = result.model.energy.grid_cap["new_albany_oh"].value
    assert billing >= 0.85 * tie - 1e-6 and tie > 0


def test_retail_average_builds_no_tariff_rows(catalogs):
    """``prices.grid_tariff: retail_average`` keeps the retail average as the hourly mean and adds
    no column or row (the compiled model of the old planner)."""
    data = _one_site(PJM_SITE, **{"prices.grid_tariff": "retail_average"})
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    assert inp.tariff is None
    assert inp.site_data.at[PJM_SITE, "electricity_price_usd_per_mwh"] == pytest.approx(89.2)
    m = build_model(inp)
    assert not hasattr(m.tariff, "billing") and not hasattr(m.tariff, "above_imports")
