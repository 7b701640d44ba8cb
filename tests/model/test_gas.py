"""Gas infrastructure and permits (issue 23 item 3) by hand: a lateral, SCR and firm transport on an
engine plant, NOx offsets once the plant is a major source in a severe ozone area, the months on
a gas plant's critical path (equipment vs air permit vs lateral), and ``excluded`` adding nothing."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pyomo.environ as pyo
import pytest

import planner
from planner.api import resolve_scenario
from planner.catalogs.load import crf
from planner.model.build import build_model
from planner.model.gas_inputs import gas_inputs
from planner.model.inputs import build_inputs
from tests.helpers import TINY, with_changes

ENGINE_MW = 18.0  # energy.csv gas_recip module_mw
HR = 7.9  # energy.csv gas_recip heat_rate_mmbtu_per_mwh (issue 23 item 8: 8.45 -> 7.9 HHV)


def _engines(site: str, tokens_per_s: float, **changes) -> dict:
    """One site powered by gas engines only (no grid), annual mode, no redundancy."""
    return with_changes(
        TINY,
        {
            "demand.served": [{"region": "us-east", "model": "llama-3.1-70b", "tokens_per_s": tokens_per_s}],
            "sites.include": [site],
            "technologies.energy": ["gas_recip"],
            "policy.power_redundancy": "none",
            "prices.gas_infrastructure": "included",
            **changes,
        },
    )


def _costs(result, site: str) -> pd.Series:
    return result.tables["costs"].query("site_id == @site").set_index("category")["annualized_cost_usd"]


def test_lateral_scr_and_transport_on_an_engine_plant_by_hand(catalogs):
    """Susquehanna PA (data/gas_infrastructure.csv: 8 miles at 4.0 M USD/mile + a 5 M USD meter
    station; firm transport 0.50 USD/MMBtu-d; Ozone Transport Region, 100 tpy threshold), one 18 MW
    engine: lateral = 37 M USD x CRF(wacc, 30 y); SCR + oxidation catalyst = 18,000 kW x (90 USD/kW x
    CRF(wacc, 15 y) + 2 USD/kW-yr); transport = 18 MW x 24 h x 7.9 MMBtu/MWh x 0.50 x 365 d;
    reagent = 1.0 USD/MWh x the engines' MWh; PTE = 18 x 0.035 lb/MMBtu x 7.9 x 8760 / 2000 =
    21.8 tpy < 100: a minor source, no offsets."""
    result = planner.solve(_engines("susquehanna_pa", 2.0e6), catalogs=catalogs)
    wacc = catalogs.finance["wacc_default"]
    cap = result.tables["energy_capacity"].set_index("tech_id").at["gas_recip", "capacity_mw"]
    assert cap == pytest.approx(ENGINE_MW)
    costs = _costs(result, "susquehanna_pa")
    assert costs["gas_lateral"] == pytest.approx((8 * 4.0e6 + 5.0e6) * crf(wacc, 30), rel=1e-9)
    assert costs["emissions_controls"] == pytest.approx(18_000 * (90 * crf(wacc, 15) + 2.0), rel=1e-9)
    assert costs["gas_transport"] == pytest.approx(18 * 24 * HR * 0.50 * 365, rel=1e-9)
    opex = result.tables["opex"].set_index("category")
    mwh = opex.at["variable_om", "quantity"]
    assert costs["controls_reagent"] == pytest.approx(1.0 * mwh, rel=1e-9) and mwh > 0
    assert opex.at["gas_transport", "opex_usd_per_yr"] == pytest.approx(costs["gas_transport"], rel=1e-9)
    assert costs.get("nox_offsets", 0.0) == 0.0
    assert result.model.gas.major["susquehanna_pa"].value == pytest.approx(0.0)
    items = result.tables["capex_items"].set_index("item_id")
    assert items.at["gas_lateral", "capex_usd"] == pytest.approx(37.0e6, rel=1e-9)
    assert items.at["gas_recip_nox_controls", "capex_usd"] == pytest.approx(18_000 * 90, rel=1e-9)


def test_major_source_in_a_severe_area_buys_offsets_by_hand(catalogs):
    """Dallas-Fort Worth (severe ozone: major at 25 tpy, offsets 1.3 to 1 at 60,000 USD/ton, TX);
    two engines (36 MW) have PTE = 36 x 0.035 x 7.9 x 8760 / 2000 = 43.6 tpy > 25: a major source
    that buys 1.3 x 43.6 = 56.7 tons/yr of credits once (capex), annualised over 30 years."""
    result = planner.solve(_engines("dfw_tx", 15.0e6), catalogs=catalogs)
    cap = result.tables["energy_capacity"].set_index("tech_id").at["gas_recip", "capacity_mw"]
    assert cap == pytest.approx(2 * ENGINE_MW)
    pte = cap * 0.035 * HR * 8760 / 2000
    assert result.model.gas.major["dfw_tx"].value == pytest.approx(1.0)
    items = result.tables["capex_items"].set_index("item_id")
    assert items.at["nox_offsets", "quantity"] == pytest.approx(1.3 * pte, rel=1e-6)
    assert items.at["nox_offsets", "capex_usd"] == pytest.approx(1.3 * pte * 60_000, rel=1e-6)
    wacc = catalogs.finance["wacc_default"]
    assert _costs(result, "dfw_tx")["nox_offsets"] == pytest.approx(
        1.3 * pte * 60_000 * crf(wacc, 30), rel=1e-6
    )
    assert _costs(result, "dfw_tx")["gas_lateral"] == pytest.approx(
        (2 * 6.0e6 + 5.0e6) * crf(wacc, 30), rel=1e-9
    )
    # the line items and opex still add up to the summary (each dollar once)
    lines, opex, summary = result.tables["capex_items"], result.tables["opex"], result.summary
    assert lines["capex_usd"].sum() == pytest.approx(summary["capex_usd"], rel=1e-9)
    annual = lines["annualized_cost_usd_per_yr"].sum() + opex["opex_usd_per_yr"].sum()
    assert annual == pytest.approx(summary["annualized_cost_usd"], rel=1e-9)
    for category in ("gas_lateral", "emissions_controls", "nox_offsets"):
        assert summary["capex_by_category_usd"][category] == pytest.approx(
            lines.query("category == @category")["capex_usd"].sum(), rel=1e-12
        )


def test_months_on_the_critical_path(catalogs):
    """Susquehanna, gas engines: equipment 2 y = 24 months; air permit (PA) minor 6 / major 18, +12
    months of construction after it; lateral 12; the path is the max: 24 (equipment) for a minor
    source, 30 (air permit) for a major one. A lateral of 40 months sets it: in service 2026 + 3."""
    data = _engines("susquehanna_pa", 2.0e6)
    scn = resolve_scenario(data, catalogs)
    sites = catalogs.sites.loc[["susquehanna_pa"]]
    gi = gas_inputs(scn, catalogs, sites, ["gas_recip"])
    assert gi.path_months["susquehanna_pa", "gas_recip", "minor"] == {
        "equipment": 24.0,
        "air permit": 18.0,
        "lateral": 12.0,
    }
    assert gi.months("susquehanna_pa", "gas_recip", "minor") == 24.0
    assert gi.bound("susquehanna_pa", "gas_recip", "minor") == "gas_recip equipment"
    assert gi.months("susquehanna_pa", "gas_recip", "major") == 30.0
    assert gi.bound("susquehanna_pa", "gas_recip", "major") == "gas_recip air permit"
    assert gi.year["susquehanna_pa", "gas_recip", "major"] == 2026 + 2  # floor(30 / 12)
    slow = catalogs.gas_sites.copy()
    slow.loc["susquehanna_pa", "lateral_months"] = 40.0
    late = dataclasses.replace(catalogs, gas_sites=slow)
    gl = gas_inputs(scn, late, sites, ["gas_recip"])
    assert gl.months("susquehanna_pa", "gas_recip", "minor") == 40.0
    assert gl.bound("susquehanna_pa", "gas_recip", "minor") == "gas_recip lateral"
    assert gl.year["susquehanna_pa", "gas_recip", "minor"] == 2026 + 3
    result = planner.solve(data, catalogs=late)
    row = result.tables["sites"].set_index("site_id").loc["susquehanna_pa"]
    assert (row["in_service_year"], row["in_service_bound"]) == (2029, "gas_recip lateral")


def test_excluded_builds_no_gas_rows(catalogs):
    """``prices.gas_infrastructure: excluded`` adds no variable, row or cost (the old model)."""
    inp = build_inputs(
        resolve_scenario(
            _engines("susquehanna_pa", 2.0e6, **{"prices.gas_infrastructure": "excluded"}), catalogs
        ),
        catalogs,
    )
    assert inp.gas is None and inp.timing.site_tech_year == {}
    m = build_model(inp)
    assert not hasattr(m.gas, "gas_on") and not hasattr(m.gas, "threshold")


def test_a_site_without_a_gas_row_gets_typical_values_with_a_warning(catalogs):
    """A site added by a scenario (or a user's tree) has no gas_infrastructure.csv row: it gets the
    median of the attainment-area rows (e.g. the lateral months), as an attainment site, and one
    warning names it."""
    from planner.errors import PlannerWarning
    from planner.model.gas_inputs import gas_site_rows

    attainment = catalogs.gas_sites.query("ozone_area == 'attainment'")
    with pytest.warns(PlannerWarning, match="no row for site\\(s\\) my_site; typical values"):
        rows = gas_site_rows(catalogs, ["abilene_tx", "my_site"])
    assert rows.at["my_site", "pipeline_distance_miles"] == attainment["pipeline_distance_miles"].median()
    assert rows.at["my_site", "offset_ratio"] == 0.0 and rows.at["my_site", "ozone_area"] == "attainment"
    assert rows.at["abilene_tx", "pipeline_distance_miles"] == 2.0


def test_a_lateral_serving_no_plant_is_dropped_after_the_solve(catalogs):
    """A solver stopped within its gap may leave gas_on = 1 at a site without gas plants: the
    lateral is closed after the solve and the objective falls by exactly its annual cost; a site
    whose engines use the lateral keeps it."""
    from planner.model.gas import drop_idle_laterals

    result = planner.solve(_engines("susquehanna_pa", 2.0e6), catalogs=catalogs)
    m = result.model
    assert drop_idle_laterals(m) == [] and m.gas.gas_on["susquehanna_pa"].value == pytest.approx(1.0)
    grid = planner.solve(
        _engines("susquehanna_pa", 2.0e6, **{"technologies.energy": ["grid", "gas_recip"]}), catalogs=catalogs
    )
    g = grid.model
    assert g.gas.gas_on["susquehanna_pa"].value == pytest.approx(0.0)
    before = pyo.value(g.objective)
    g.gas.gas_on["susquehanna_pa"].set_value(1.0)  # what a stopped solver may leave
    lateral = pyo.value(g.gas.lateral["susquehanna_pa"])
    assert lateral > 0 and pyo.value(g.objective) == pytest.approx(before + lateral, rel=1e-9)
    assert drop_idle_laterals(g) == ["susquehanna_pa"]
    assert pyo.value(g.objective) == pytest.approx(before, rel=1e-9)
