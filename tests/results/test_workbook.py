"""The live capex workbook: recalculated by a real spreadsheet engine (the ``formulas`` package), its
totals equal ``summary.json``; a WACC cell changes the annualised totals as the CRF predicts; new
categories appear in the subtotals and the phasing without code changes.

The ``small`` fixture (small_5_sites, annual mode, solved with its run directory) is in tests/conftest.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from planner.catalogs.load import crf
from planner.results.capex import capex_by_category
from planner.results.export import export_capex

formulas = pytest.importorskip("formulas", reason="the 'formulas' package (test extra) recalculates xlsx")

REL = 1e-6


class Recalculated:
    """A workbook recalculated by ``formulas`` (``inputs``: cells set first); ``value(sheet, cell)``."""

    def __init__(self, path: Path, model: Any = None, inputs: dict[tuple[str, str], float] | None = None):
        self.path = path
        self.model = model or formulas.ExcelModel().loads(str(path)).finish()
        given = {self.key(s, c): v for (s, c), v in (inputs or {}).items()}
        self.solution = self.model.calculate(inputs=given)

    def key(self, sheet: str, cell: str) -> str:
        return f"'[{self.path.name}]{sheet.upper()}'!{cell}"

    def changed(self, inputs: dict[tuple[str, str], float]) -> Recalculated:
        """The same workbook recalculated with ``inputs`` changed (the compiled model is reused)."""
        return Recalculated(self.path, self.model, inputs)

    def value(self, sheet: str, cell: str) -> float:
        v = self.solution[self.key(sheet, cell)].value
        return float(v[0][0] if hasattr(v, "__len__") else v)


def _rows(ws) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _totals(wb: openpyxl.Workbook, calc: Recalculated) -> pd.DataFrame:
    """The ``totals`` sheet with every formula cell replaced by its recalculated value."""
    ws = wb["totals"]
    header = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2):
        rows.append(
            [
                calc.value("totals", c.coordinate)
                if isinstance(c.value, str) and c.value.startswith("=")
                else c.value
                for c in row
            ]
        )
    return pd.DataFrame(rows, columns=header)


@pytest.fixture(scope="module")
def workbook(small):
    """The small run's capex.xlsx, recalculated once as written."""
    _, run_dir = small
    (xlsx,) = export_capex(run_dir, "xlsx")
    return xlsx, openpyxl.load_workbook(xlsx), Recalculated(xlsx)


def test_recalculated_totals_equal_summary(small, workbook):
    _, run_dir = small
    summary = json.loads((run_dir / "summary.json").read_text())
    _, wb, calc = workbook
    # the money cells are formulas, not pasted values
    items = wb["line_items"]
    header = [c.value for c in items[1]]
    for col in ("capex_usd", "crf", "annualized_capex_usd_per_yr", "annualized_cost_usd_per_yr", "wacc"):
        j = header.index(col) + 1
        assert all(items.cell(i, j).data_type == "f" for i in range(2, items.max_row + 1)), col
    totals = _totals(wb, calc).set_index("name")
    lines = totals.loc["all line items"]
    assert lines["capex_usd"] == pytest.approx(summary["capex_usd"], rel=REL)
    opex = totals.loc["all opex", "annualized_cost_usd_per_yr"]
    assert lines["annualized_cost_usd_per_yr"] + opex == pytest.approx(
        summary["annualized_cost_usd"], rel=REL
    )
    checks = totals[totals["group"] == "summary.json"]
    assert (checks["relative_difference"].abs() < REL).all() and len(checks) == 2
    # category subtotals are summary.json's capex_by_category_usd (one category system)
    cats = totals[totals["group"] == "category"]["capex_usd"]
    for category, value in summary["capex_by_category_usd"].items():
        assert cats.get(category, 0.0) == pytest.approx(value, rel=REL, abs=1e-3)
    sites = totals[totals["group"] == "site"]["capex_usd"]
    assert sites.sum() == pytest.approx(summary["capex_usd"], rel=REL)
    # phasing: year x category SUMIFS over the spend schedule add up to the schedule, with a chart
    phasing = wb["phasing"]
    schedule = wb["spend_schedule"]
    total_col = [c.value for c in phasing[1]].index("total_usd") + 1
    spend_col = [c.value for c in schedule[1]].index("capex_usd") + 1
    phased = sum(
        calc.value("phasing", phasing.cell(i, total_col).coordinate) for i in range(2, phasing.max_row + 1)
    )
    spent = sum(
        calc.value("spend_schedule", schedule.cell(i, spend_col).coordinate)
        for i in range(2, schedule.max_row + 1)
    )
    assert phased == pytest.approx(spent, rel=1e-9) and spent >= summary["capex_usd"] * (1 - REL)
    assert len(phasing._charts) == 1


def test_wacc_cell_changes_annualised_as_crf_predicts(small, workbook):
    """Raise the default WACC cell from 7% to 10%: each line using it is re-annualised at
    CRF(10%, life) (land at 10% of its value); the other lines do not move."""
    _, wb, calc = workbook
    ws = wb["assumptions"]
    header = [c.value for c in ws[1]]
    row = next(
        i
        for i, r in enumerate(_rows(ws)[1:], start=2)
        if r[header.index("parameter")] == "wacc" and str(r[header.index("source")]).startswith("finance.csv")
    )
    cell = f"E{row}"
    assert header.index("value") == 4
    items = wb["line_items"]
    head = [c.value for c in items[1]]
    col = {name: head.index(name) + 1 for name in head}
    new = 0.10
    expected_annual, before = 0.0, 0.0
    for i in range(2, items.max_row + 1):

        def v(name: str, i: int = i) -> float:
            c = items.cell(i, col[name])
            if isinstance(c.value, str) and c.value.startswith("="):
                return calc.value("line_items", c.coordinate)
            return float(c.value or 0.0)

        capex, annual, life = (
            v("capex_usd"),
            v("annualized_capex_usd_per_yr"),
            items.cell(i, col["life_years"]).value,
        )
        before += annual
        uses = items.cell(i, col["wacc"]).value == f"=assumptions!$E${row}"
        crf_formula = str(items.cell(i, col["crf"]).value).startswith("=")
        if uses and crf_formula:
            expected_annual += capex * (new if life is None else crf(new, v("life_years")))
        else:
            expected_annual += annual
    totals = _totals(wb, calc.changed({("assumptions", cell): new})).set_index("name")
    after = totals.loc["all line items", "annualized_capex_usd_per_yr"]
    assert after == pytest.approx(expected_annual, rel=1e-9)
    assert after > before * 1.05  # 7% -> 10% raises every CRF-annualised line
    # capex does not depend on the WACC
    assert totals.loc["all line items", "capex_usd"] == pytest.approx(
        _totals(wb, calc).set_index("name").loc["all line items", "capex_usd"], rel=1e-12
    )


def test_new_category_appears_without_code_changes(small, tmp_path):
    """A line item of a category the code does not know (``owner_furnished``) is summed in
    capex_by_category, subtotalled on ``totals`` and phased as a column of ``phasing``."""
    _, run_dir = small
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    items = pd.read_csv(run / "tables" / "capex_items.csv")
    extra = items.iloc[[0]].copy()
    extra["category"], extra["item_id"], extra["item"] = (
        "owner_furnished",
        "ofci",
        "owner-furnished equipment",
    )
    extra["quantity"], extra["unit"], extra["unit_cost_usd"], extra["capex_usd"] = 1.0, "lot", 2.5e6, 2.5e6
    extra["annualized_capex_usd_per_yr"] = 2.5e6 * extra["crf"]
    extra["fixed_om_usd_per_yr"], extra["fixed_om_usd_per_unit_yr"] = 0.0, 0.0
    extra["annualized_cost_usd_per_yr"] = extra["annualized_capex_usd_per_yr"]
    items = pd.concat([items, extra], ignore_index=True)
    items.to_csv(run / "tables" / "capex_items.csv", index=False)
    summary = json.loads((run / "summary.json").read_text())
    summary["capex_usd"] += 2.5e6
    summary["annualized_cost_usd"] += float(extra["annualized_cost_usd_per_yr"].iloc[0])
    (run / "summary.json").write_text(json.dumps(summary))
    assert capex_by_category(items)["owner_furnished"] == pytest.approx(2.5e6)
    (xlsx,) = export_capex(run, "xlsx")
    wb = openpyxl.load_workbook(xlsx)
    totals = _rows(wb["totals"])
    assert ["category", "owner_furnished"] in [r[:2] for r in totals]
    assert "owner_furnished" in [c.value for c in wb["phasing"][1]]


def test_whole_capex_lines_follow_their_basis(small, workbook):
    """Soft costs, owner contingency and IDC are levied on other lines (issue 23 item 4): raise the
    building shell's unit cost cell by 10% and its soft-cost line (12%), contingency line (10%) and
    IDC line (f(7%, 1.5 y)) rise by 10% with it; the IDC on the soft-cost line follows too."""
    _, wb, calc = workbook
    items = wb["line_items"]
    head = [c.value for c in items[1]]
    col = {name: head.index(name) + 1 for name in head}
    rows = {
        (items.cell(i, col["category"]).value, items.cell(i, col["item_id"]).value): i
        for i in range(2, items.max_row + 1)
    }
    site = items.cell(2, col["site_id"]).value
    shell = rows[("building_shell", "building_shell_usd_per_kw_it")]
    unit = items.cell(shell, col["unit_cost_usd"]).value
    assert unit.startswith("=assumptions!")
    cell = unit.removeprefix("=assumptions!").replace("$", "")
    base = calc.value("assumptions", cell)
    changed = calc.changed({("assumptions", cell): base * 1.1})
    levied = {
        ("soft_costs", "building_shell.building_shell_usd_per_kw_it"): 0.12,
        ("owner_contingency", "building_shell.building_shell_usd_per_kw_it"): 0.10,
        ("interest_during_construction", "building_shell.building_shell_usd_per_kw_it"): None,
        ("interest_during_construction", "soft_costs.building_shell.building_shell_usd_per_kw_it"): None,
    }
    for key, share in levied.items():
        i = rows[key]
        assert str(items.cell(i, col["quantity"]).value).startswith("="), key
        coord = items.cell(i, col["capex_usd"]).coordinate
        before, after = calc.value("line_items", coord), changed.value("line_items", coord)
        assert after == pytest.approx(1.1 * before, rel=1e-9), key
        if share is not None:
            shell_capex = calc.value("line_items", items.cell(shell, col["capex_usd"]).coordinate)
            assert before == pytest.approx(share * shell_capex, rel=1e-9), key
    assert site
