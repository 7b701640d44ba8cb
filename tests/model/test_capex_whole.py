"""The whole capex (issue 23 item 4) by hand: interest during construction on a two-year spend,
sales tax with and without a data-center exemption, the regional construction index on one site's
building, the interconnection curve at two tie sizes, and the generators carried once."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import planner
from planner.catalogs.load import crf, load_catalogs
from planner.model.capex_inputs import curve_cost_musd, curve_segments, idc_factor
from planner.paths import DATA_DIR, MODELS_DIR
from planner.results.export import spend_schedule
from tests.helpers import TINY, edit_csv_cell, with_changes

R = 0.07


def _one_site(site: str, tokens_per_s: float = 3.0e5, **changes) -> dict:
    """One grid-only site, one stream, annual mode, no redundancy (no gensets)."""
    return with_changes(
        TINY,
        {
            "demand.served": [{"region": "us-south", "model": "llama-3.1-8b", "tokens_per_s": tokens_per_s}],
            "demand.latency_ms": {"llama-3.1-8b": 200},
            "sites.include": [site],
            "technologies.energy": ["grid"],
            "technologies.gpus": ["H100"],
            "technologies.cooling": ["air"],
            "policy.power_redundancy": "none",
            **changes,
        },
    )


def _items(result, category: str) -> pd.DataFrame:
    items = result.tables["capex_items"]
    return items[items["category"] == category]


def test_idc_of_a_two_year_spend_by_hand():
    """100 USD spent evenly over two years (50 in each, at mid-year: t = 0.5 and 1.5), in service
    at t = 2, WACC 7%: IDC = 50 (1.07^1.5 - 1) + 50 (1.07^0.5 - 1) = 5.341 + 1.720 = 7.061 USD.
    The same from the capex export's spend schedule of such a line (its two yearly spends)."""
    hand = 50 * (1.07**1.5 - 1) + 50 * (1.07**0.5 - 1)
    assert hand == pytest.approx(7.0613, abs=1e-4)
    assert 100 * idc_factor(R, 2.0) == pytest.approx(hand, rel=1e-12)
    line = pd.DataFrame(
        [
            {
                "scenario": "x", "site_id": "s", "category": "building_shell", "item_id": "b", "item": "b",
                "dollar_year": 2023, "base_year": 2027, "start_offset_years": 0.0, "lead_time_years": 2.0,
                "life_years": float("nan"), "capex_usd": 100.0,
            }
        ]
    )  # fmt: skip
    spend = spend_schedule(line).set_index("year")["capex_usd"]
    assert spend.to_dict() == {2027: 50.0, 2028: 50.0}
    online = 2027 + 2.0
    from_schedule = sum(v * ((1 + R) ** (online - (y + 0.5)) - 1) for y, v in spend.items())
    assert from_schedule == pytest.approx(hand, rel=1e-12)
    # 1.5 years (the building): 2/3 spent in year one (mid 0.5), 1/3 in the half year after (mid 1.25)
    assert idc_factor(R, 1.5) == pytest.approx(2 / 3 * (1.07**1.0 - 1) + 1 / 3 * (1.07**0.25 - 1), rel=1e-12)
    assert idc_factor(R, 0.0) == 0.0


def test_interconnection_curve_at_two_tie_sizes(catalogs):
    """The default curve (RMI: 111 MW 252 USD/kW in Virginia, 1,300 MW 1,000 USD/kW in Wisconsin,
    USD/kW interpolated between): 80 MW on the first segment = 80 x 252 = 20.16 M$; 650 MW between
    the 500 MW (248.5 M$) and 800 MW (548.8 M$) points = 248.5 + 150 x (548.8 - 248.5) / 300 = 398.65 M$;
    ERCOT stays flat at 150 USD/kW (network upgrades socialised): 650 MW -> 97.5 M$."""
    table = catalogs.interconnection
    default = curve_segments(table[table["applies_to"] == "default"])
    assert curve_cost_musd(default, 80.0) == pytest.approx(80 * 252e-3, rel=1e-12)
    assert curve_cost_musd(default, 650.0) == pytest.approx(248.5 + 150 * (548.8 - 248.5) / 300, rel=1e-12)
    assert curve_cost_musd(default, 1300.0) == pytest.approx(1300.0, rel=1e-12)
    ercot = curve_segments(table[table["applies_to"] == "ERCOT"])
    assert curve_cost_musd(ercot, 650.0) == pytest.approx(97.5, rel=1e-12)


@pytest.mark.parametrize("tokens_per_s", [3.0e5, 3.0e8])
def test_solved_interconnection_is_on_the_curve(catalogs, tokens_per_s):
    """Loudoun (PJM: default curve) at two demands: the interconnection line's capex is the curve at
    the solved tie (the model's max of segments is tight), annualised at CRF(7%, 40 y), with the grid
    row's fixed O&M (3 USD/kW-yr); no flat 150 USD/kW line; IDC over the site's grid lead."""
    result = planner.solve(_one_site("loudoun_va", tokens_per_s), catalogs=catalogs)
    line = _items(result, "interconnection").iloc[0]
    mw = line["quantity"] / 1e3
    table = catalogs.interconnection
    hand = curve_cost_musd(curve_segments(table[table["applies_to"] == "default"]), mw) * 1e6
    assert line["capex_usd"] == pytest.approx(hand, rel=1e-6)
    assert line["annualized_capex_usd_per_yr"] == pytest.approx(hand * crf(R, 40), rel=1e-6)
    if tokens_per_s > 1e6:
        assert mw > 111  # past the first point: above 252 USD/kW
        assert line["unit_cost_usd"] > 252
    else:
        assert line["unit_cost_usd"] == pytest.approx(252, rel=1e-6)
    assert _items(result, "grid_interconnection").empty  # no flat 150 USD/kW; its O&M moved along
    assert line["fixed_om_usd_per_yr"] == pytest.approx(3.0 * mw * 1e3, rel=1e-6)
    lead = float(result.inputs.site_data.at["loudoun_va", "grid_lead_time_years"])
    idc = _items(result, "interest_during_construction").set_index("item_id")
    assert idc.at["interconnection.grid", "capex_usd"] == pytest.approx(hand * idc_factor(R, lead), rel=1e-6)


def test_sales_tax_with_and_without_exemption(catalogs):
    """Dona Ana NM (gross receipts tax 7.62%, no data-center exemption) pays 7.62% of its GPUs'
    all-in price, annualised over the GPU life; El Paso TX (8.20%, exempt as a qualifying data center,
    Tax Code 151.359) pays none."""
    nm = planner.solve(_one_site("dona_ana_nm"), catalogs=catalogs)
    gpus = nm.tables["capex_items"].query("category in ['gpus', 'servers_network']")["capex_usd"].sum()
    tax = _items(nm, "sales_tax")
    assert tax["capex_usd"].sum() == pytest.approx(0.0762 * gpus, rel=1e-9)
    assert tax["annualized_capex_usd_per_yr"].sum() == pytest.approx(0.0762 * gpus * crf(R, 5), rel=1e-6)
    costs = nm.tables["costs"].set_index("category")["annualized_cost_usd"]
    assert costs["sales_tax"] == pytest.approx(0.0762 * gpus * crf(R, 5), rel=1e-6)
    tx = planner.solve(_one_site("el_paso_tx"), catalogs=catalogs)
    assert _items(tx, "sales_tax").empty
    assert tx.summary["capex_by_category_usd"]["sales_tax"] == 0.0


def test_regional_index_on_one_sites_building(catalogs):
    """San Antonio (C&W 2025: 9.3 M$/MW against the 11.7 average, index 0.795): shell 5,499 and
    electrical 2,951 USD/kW IT and the air-cooling plant 2,250 at 0.795; soft costs 12% and owner
    contingency 10% of those three; IDC over the 1.5-year build on them (x 1.22)."""
    result = planner.solve(_one_site("san_antonio_tx"), catalogs=catalogs)
    items = result.tables["capex_items"].set_index("category")
    kw = items.at["building_shell", "quantity"]
    idx = 9.3 / 11.7
    assert items.at["building_shell", "capex_usd"] == pytest.approx(0.795 * 5499 * kw, rel=1e-9)
    assert idx == pytest.approx(0.795, abs=5e-4)
    assert items.at["electrical", "capex_usd"] == pytest.approx(0.795 * 2951 * kw, rel=1e-9)
    assert items.at["cooling", "capex_usd"] == pytest.approx(0.795 * 2250 * kw, rel=1e-9)
    hard = 0.795 * (5499 + 2951 + 2250) * kw
    assert _items(result, "soft_costs")["capex_usd"].sum() == pytest.approx(0.12 * hard, rel=1e-9)
    assert _items(result, "owner_contingency")["capex_usd"].sum() == pytest.approx(0.10 * hard, rel=1e-9)
    idc = _items(result, "interest_during_construction")
    facility = idc[~idc["item_id"].str.startswith(("site_development", "interconnection"))]
    assert facility["capex_usd"].sum() == pytest.approx(1.22 * hard * idc_factor(R, 1.5), rel=1e-9)
    # the model's objective carries the same annualised cost as the line items, category by category
    costs = result.tables["costs"].set_index("category")["annualized_cost_usd"]
    for category in ("soft_costs", "owner_contingency", "interest_during_construction", "interconnection"):
        assert costs[category] == pytest.approx(
            _items(result, category)["annualized_cost_usd_per_yr"].sum(), rel=1e-6
        )


def test_generators_are_carried_once(catalogs):
    """data/facility.csv electrical excludes the standby generators (3,951 - 1,000 = 2,951 USD/kW IT);
    with n+1 at a grid-only site the backup block buys gensets for the whole facility peak at
    800 USD/kW, without them none: the electrical line is the same either way."""
    assert catalogs.facility["electrical_usd_per_kw_it"] == 2951.0
    data = _one_site("loudoun_va", **{"policy.power_redundancy": "n+1"})
    with_gensets = planner.solve(data, catalogs=catalogs)
    backup = _items(with_gensets, "backup_generation")
    facility_mw = float(with_gensets.tables["sites"]["facility_peak_mw"].sum())
    assert backup["capex_usd"].sum() == pytest.approx(800 * facility_mw * 1e3, rel=1e-6)
    elec = _items(with_gensets, "electrical")
    assert elec["capex_usd"].sum() == pytest.approx(2951 * elec["quantity"].sum(), rel=1e-9)


def test_the_objective_sees_tax_and_index(catalogs, tmp_path):
    """El Paso TX and Dona Ana NM share a grid region; NM's power is cheaper (57.5 against 66.0
    USD/MWh retail). With NM's real sales tax (7.62%, no exemption) and index (0.90 against Texas's
    0.81) the plan builds in Texas; give NM Texas's exemption and index and the cheaper power wins.
    The choice is the optimiser's (the costs are in the objective), not only the report's."""
    data = _one_site("el_paso_tx", 3.0e6, **{"sites.include": ["el_paso_tx", "dona_ana_nm"]})
    assert planner.solve(data, catalogs=catalogs).summary["sites"] == ["el_paso_tx"]
    tree = tmp_path / "data"
    shutil.copytree(DATA_DIR, tree)
    edit_csv_cell(tree / "sales_tax.csv", {"applies_to": "US-NM"}, "exempt_share", "1.0")
    edit_csv_cell(tree / "construction_index.csv", {"applies_to": "US-NM"}, "index", "0.81")
    level = load_catalogs(tree, MODELS_DIR)
    assert planner.solve(data, catalogs=level).summary["sites"] == ["dona_ana_nm"]
