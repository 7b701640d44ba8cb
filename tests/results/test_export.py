"""Capex line items, opex and the capex export: totals reconcile with summary.json, every format.

The ``small`` fixture (the small scenario solved, with its run directory) is in tests/conftest.py;
``planner export`` and its errors are tested in tests/cli/test_export.py.
"""

from __future__ import annotations

import json
import math

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

import planner
from planner.catalogs.load import crf, load_catalogs
from planner.model.timing_inputs import default_base_year
from planner.results.capex import (
    ACCELERATOR_SHARE,
    CATEGORIES,
    COST_GROUP_OF,
    LINE_COLUMNS,
    OPEX_CATEGORIES,
    OPEX_COLUMNS,
)
from planner.results.export import SHEETS, WORKBOOK_SHEETS, capex_sheets, export_capex, spend_schedule
from planner.results.rundir_read import read_table
from tests.helpers import SMALL_SCENARIO, write_run

SMALL = SMALL_SCENARIO
HOURLY_WITH_CARBON_PRICE = {
    "time.mode": "representative_days",
    "time.days": 2,
    "carbon_price_usd_per_t": 100,
    "technologies.energy": ["grid", "pv", "battery", "ngcc"],
}


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    """Representative days: battery lines and carbon-price opex appear."""
    result = planner.solve(SMALL, overrides=HOURLY_WITH_CARBON_PRICE)
    return result, write_run(result, tmp_path_factory.mktemp("export") / "hourly")


def _annual(items: pd.DataFrame, opex: pd.DataFrame) -> float:
    return float(items["annualized_cost_usd_per_yr"].sum() + opex["opex_usd_per_yr"].sum())


@pytest.mark.parametrize("case", ["small", "hourly"])
def test_run_directory_tables_reconcile_with_summary(case, request):
    """From the CSVs of the run directory: capex to the dollar, annualised cost to the objective."""
    _, run_dir = request.getfixturevalue(case)
    summary = json.loads((run_dir / "summary.json").read_text())
    items = pd.read_csv(run_dir / "tables" / "capex_items.csv")
    opex = pd.read_csv(run_dir / "tables" / "opex.csv")
    assert list(items.columns) == list(LINE_COLUMNS) and list(opex.columns) == list(OPEX_COLUMNS)
    assert items["capex_usd"].sum() == pytest.approx(summary["capex_usd"], rel=1e-9)
    assert summary["objective"] == "cost"
    assert _annual(items, opex) == pytest.approx(summary["annualized_cost_usd"], rel=1e-9)
    assert _annual(items, opex) == pytest.approx(summary["objective_value"] * 1e6, rel=1e-9)
    # each dollar in one sheet only: fixed O&M in the line items, never again as opex rows
    assert (opex["cost_type"] == "variable").all() and "fixed O&M" not in set(opex["category"])
    fixed = (items["annualized_cost_usd_per_yr"] - items["annualized_capex_usd_per_yr"]).sum()
    assert fixed == pytest.approx(items["fixed_om_usd_per_yr"].sum(), rel=1e-12)
    # per objective cost group, line items + opex equal tables/costs.csv
    costs = pd.read_csv(run_dir / "tables" / "costs.csv").groupby("category")["annualized_cost_usd"].sum()
    mine = (
        items.groupby("cost_group")["annualized_cost_usd_per_yr"]
        .sum()
        .add(opex.groupby("cost_group")["opex_usd_per_yr"].sum(), fill_value=0.0)
    )
    pd.testing.assert_series_equal(
        mine.sort_index(), costs.reindex(mine.index).sort_index(), rtol=1e-5, check_names=False
    )
    # one category system: summary capex_by_category_usd is the line items by category, every
    # category in its cost group
    by_category = items.groupby("category")["capex_usd"].sum()
    assert set(summary["capex_by_category_usd"]) == set(CATEGORIES) | set(by_category.index)
    for category, value in summary["capex_by_category_usd"].items():
        assert by_category.get(category, 0.0) == pytest.approx(value, rel=1e-12, abs=1e-6)
    assert set(items["category"]) <= set(CATEGORIES) and set(opex["category"]) <= set(OPEX_CATEGORIES)
    assert (items["cost_group"] == items["category"].map(COST_GROUP_OF)).all()


def test_hourly_run_has_battery_and_carbon_price(hourly):
    result, _ = hourly
    items, opex = result.tables["capex_items"], result.tables["opex"]
    cats = set(items["category"])
    assert {
        "site_development",
        "land",
        "building_shell",
        "electrical",
        "cooling",
        "gpus",
        "servers_network",
        "grid_interconnection",
    } <= cats
    if result.summary["capex_by_category_usd"]["battery"] > 0:
        assert set(items.loc[items["category"] == "battery", "unit"]) == {"kW", "kWh"}
    carbon = opex[opex["category"] == "carbon_price"]
    assert len(carbon) and carbon["unit_cost_usd"].to_numpy() == pytest.approx(100.0)


def test_battery_power_and_energy_lines_read_back(hourly):
    """A battery is two line items of one tech (kW of inverters, kWh of cells): the run-directory
    reader used by ``export``, ``map`` and the workbook keeps both (the key includes the item)."""
    _, run_dir = hourly
    items = read_table(run_dir, "capex_items")
    battery = items[items["category"] == "battery"]
    assert sorted(battery["unit"]) == ["kW", "kWh"] and (battery["capex_usd"] > 0).all()
    assert len(set(battery["item_id"])) == 1


def test_carbon_objective_annualised_cost_reconciles():
    result = planner.solve(SMALL, objective="carbon")
    items, opex = result.tables["capex_items"], result.tables["opex"]
    assert items["capex_usd"].sum() == pytest.approx(result.summary["capex_usd"], rel=1e-9)
    assert _annual(items, opex) == pytest.approx(result.summary["annualized_cost_usd"], rel=1e-9)


def test_line_items_use_catalog_values(small):
    """Unit costs, CRFs and fixed O&M rates are the catalog's (the split of model coefficients is exact)."""
    result, _ = small
    items, cat = result.tables["capex_items"], load_catalogs()
    dep = items[items["category"] != "land"]
    expected = [crf(w, life) for w, life in zip(dep["wacc"], dep["life_years"])]
    assert dep["crf"].to_numpy() == pytest.approx(expected, rel=1e-9)
    land = items[items["category"] == "land"]
    assert land["crf"].to_numpy() == pytest.approx(land["wacc"].to_numpy(), rel=1e-9)
    shell = items[items["category"] == "building_shell"]
    assert shell["unit_cost_usd"].to_numpy() == pytest.approx(
        cat.facility["building_shell_usd_per_kw_it"], rel=1e-9
    )
    assert shell["fixed_om_usd_per_unit_yr"].to_numpy() == pytest.approx(
        cat.facility["building_fom_usd_per_kw_it_yr"], rel=1e-9
    )
    for r in items[items["category"] == "cooling"].itertuples():
        assert r.unit_cost_usd == pytest.approx(cat.cooling.at[r.item_id, "capex_usd_per_kw_it"], rel=1e-9)
        assert r.fixed_om_usd_per_unit_yr == pytest.approx(
            cat.cooling.at[r.item_id, "fom_usd_per_kw_it_yr"], rel=1e-9
        )
    gpus = items[items["cost_group"] == "gpus"]
    for g, rows in gpus.groupby("item_id"):
        assert rows["unit_cost_usd"].sum() == pytest.approx(cat.gpus.at[g, "price_usd_per_gpu"], rel=1e-9)
        assert rows.loc[rows["category"] == "gpus", "unit_cost_usd"].iloc[0] == pytest.approx(
            ACCELERATOR_SHARE * cat.gpus.at[g, "price_usd_per_gpu"]
        )
    assert (items["unit_cost_source"].str.len() > 0).all() and (items["wacc_source"].str.len() > 0).all()
    assert (items["dollar_year"] == int(cat.finance["dollar_year"])).all()
    # GPUs are bought when the site's slowest other item is in service (a bridged grid tie is not awaited)
    for _site, rows in items.groupby("site_id"):
        bridged = (rows["item_id"] == "bridge").any()
        other = rows[(rows["cost_group"] != "gpus") & ~(bridged & (rows["item_id"] == "grid"))]
        ready = (other["start_offset_years"] + other["lead_time_years"]).max()
        assert (rows.loc[rows["cost_group"] == "gpus", "start_offset_years"] == ready).all()


def test_default_base_year():
    assert default_base_year("us_inference_2027") == 2027
    assert default_base_year("nordic_europe_2030_v2") == 2030
    from datetime import datetime

    assert default_base_year("small_5_sites", datetime(2031, 5, 1)) == 2031


def test_spend_schedule_spreads_construction_and_refreshes_gpus(small):
    _, run_dir = small
    items = capex_sheets(run_dir)["line_items"]
    sched = spend_schedule(items, horizon_years=15)
    built = sched[sched["spend_type"] == "construction"]
    assert built["capex_usd"].sum() == pytest.approx(items["capex_usd"].sum(), rel=1e-12)
    assert sched["capex_usd"].sum() >= items["capex_usd"].sum()
    base = int(items["base_year"].iloc[0])
    for r in items[items["cost_group"] == "gpus"].itertuples():
        key = (
            (sched["site_id"] == r.site_id)
            & (sched["item_id"] == r.item_id)
            & (sched["category"] == r.category)
        )
        first = r.base_year + r.start_offset_years
        assert built.loc[key[built.index], "year"].tolist() == [math.floor(first)]
        refresh = sched[key & (sched["spend_type"] == "replacement")]
        expected = [
            math.floor(first + k * r.life_years) for k in range(1, 20) if first + k * r.life_years < base + 15
        ]
        assert refresh["year"].tolist() == expected and len(expected) >= 1
        assert refresh["capex_usd"].to_numpy() == pytest.approx(r.capex_usd)
    # a longer horizon adds refreshes, a shorter one never drops the initial build
    assert spend_schedule(items, 30)["capex_usd"].sum() > sched["capex_usd"].sum()
    assert spend_schedule(items, 1)["capex_usd"].sum() == pytest.approx(items["capex_usd"].sum(), rel=1e-12)
    # multi-year lead times are spread evenly
    for r in items[items["lead_time_years"] > 1].itertuples():
        rows = built[
            (built["site_id"] == r.site_id)
            & (built["item_id"] == r.item_id)
            & (built["category"] == r.category)
        ]
        assert rows["capex_usd"].sum() == pytest.approx(r.capex_usd)
        assert rows["capex_usd"].max() <= r.capex_usd / r.lead_time_years * (1 + 1e-9)


def test_base_year_option_shifts_years(small):
    _, run_dir = small
    default = capex_sheets(run_dir)
    shifted = capex_sheets(run_dir, base_year=2040)
    delta = 2040 - int(default["line_items"]["base_year"].iloc[0])
    assert (
        shifted["line_items"]["in_service_year"] == default["line_items"]["in_service_year"] + delta
    ).all()
    assert shifted["spend_schedule"]["year"].min() == 2040


def test_export_every_format(small, tmp_path):
    _, run_dir = small
    summary = json.loads((run_dir / "summary.json").read_text())
    target = summary["capex_usd"]
    # xlsx at the default place, in the run directory
    (xlsx,) = export_capex(run_dir, "xlsx")
    assert xlsx == run_dir / "capex.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == list(WORKBOOK_SHEETS)
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert ws.cell(1, 1).font.bold
    ws = wb["line_items"]
    header = [c.value for c in ws[1]]
    assert header == list(LINE_COLUMNS)
    col = {name: i + 1 for i, name in enumerate(header)}
    assert ws.cell(2, col["capex_usd"]).number_format == "#,##0"
    assert ws.cell(2, col["wacc"]).number_format == "0.00%"
    assert ws.column_dimensions["F"].width > 20  # item
    # live: capex = quantity x unit cost on every line (recalculated in tests/results/test_workbook.py)
    for i in range(2, ws.max_row + 1):
        q, u = (get_column_letter(col[c]) for c in ("quantity", "unit_cost_usd"))
        assert ws.cell(i, col["capex_usd"]).value == f"={q}{i}*{u}{i}"
    assert not list(run_dir.glob(".*partial*"))
    # json: one object, a key per sheet
    (js,) = export_capex(run_dir, "json", tmp_path / "capex.json")
    data = json.loads(js.read_text())
    assert list(data) == list(SHEETS)
    assert sum(r["capex_usd"] for r in data["line_items"]) == pytest.approx(target, rel=1e-9)
    # csv and parquet: one file per sheet
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        files = export_capex(run_dir, fmt, tmp_path / fmt / f"plan.{fmt}")
        assert [f.name for f in files] == [f"plan_{s}.{fmt}" for s in SHEETS]
        items = read(files[0])
        assert items["capex_usd"].sum() == pytest.approx(target, rel=1e-9)
        sm = read(files[-1]).set_index("metric")
        assert sm.at["export.capex_usd", "value"] == pytest.approx(target, rel=1e-9)
        assert sm.at["export.annualized_cost_usd_per_yr", "value"] == pytest.approx(
            summary["annualized_cost_usd"], rel=1e-9
        )
        assert sm.at["cost_usd_per_mtok", "value"] == pytest.approx(summary["cost_usd_per_mtok"])
    assumptions = capex_sheets(run_dir)["assumptions"]
    assert (assumptions["source"].str.len() > 0).all()
    assert {"unit cost", "life", "wacc", "lead time", "fixed O&M", "dollar year", "horizon"} <= set(
        assumptions["parameter"]
    )


def test_capex_catalog_lookup_reads_the_same_cells_as_pandas():
    """The line items read catalog cells through ``_Table`` (a dict of rows, for speed): every cell
    of the catalogs they read equals ``frame.at`` (NaN where pandas has NaN)."""
    from planner.results.capex import _Table

    cat = load_catalogs()
    for frame in (cat.energy, cat.cooling, cat.gpus, cat.sites):
        table = _Table(frame)
        assert list(table.index) == list(frame.index)
        for row in frame.index:
            for column in frame.columns:
                want, got = frame.at[row, column], table.at[row, column]
                assert (pd.isna(want) and pd.isna(got)) or want == got, (row, column)
