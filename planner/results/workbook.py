"""The live capex workbook (``capex.xlsx``): the export's tables with spreadsheet formulas.

Sheets, in order:

``totals``          subtotals by category and by site (``SUMIFS`` over ``line_items`` and ``opex``),
                    and the reconciliation against ``summary.json`` (workbook total, summary value,
                    relative difference)
``phasing``         capex by calendar year x category (``SUMIFS`` over ``spend_schedule``), with a
                    stacked column chart
``line_items``      one row per capex line item; per row (Excel columns by name)::

                        quantity                    = the basis lines' capex_usd (soft costs,
                                                      contingency, IDC, sales tax: levied on them)
                        unit_cost_usd               = assumptions!value  (its "unit cost" row)
                        capex_usd                   = quantity x unit_cost_usd
                        wacc, life_years            = assumptions!value  ("wacc", "life" rows)
                        crf                         = r (1 + r)^n / ((1 + r)^n - 1),  r = wacc, n = life
                                                      (land, not depreciated: crf = wacc)
                        annualized_capex_usd_per_yr = capex_usd x crf
                        fixed_om_usd_per_yr         = quantity x fixed_om_usd_per_unit_yr (assumptions)
                        annualized_cost_usd_per_yr  = annualized_capex + fixed_om
``spend_schedule``  capex_usd = the line's capex_usd x its share in that year (construction spread
                    over the lead time; a replacement is the whole line again)
``opex``            opex_usd_per_yr = quantity x unit_cost_usd (the assumptions' "unit price" row)
``assumptions``     the input cells: change a WACC, a life or a unit cost here and every formula
                    above follows
``summary``         ``summary.json`` as values (the reference the ``totals`` sheet checks against)

A line whose annualisation is not capex x CRF(wacc, life) in the model (the kept bridge units:
purchase annualised with their fuel premium) keeps the model's factor as a value in ``crf``, with a
cell comment. Categories are those of the line items (data-driven, :func:`category_order`). Text
cells are made inert (:func:`planner.results.cells.inert`); formula cells are the writer's own.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.catalogs.load import crf
from planner.results.capex import OPEX_CATEGORIES, category_order
from planner.results.cells import inert

WHOLE_CAPEX = ("soft_costs", "owner_contingency", "interest_during_construction", "sales_tax")
"""Line categories levied on other lines' capex (their quantity is a formula)."""
GPU_LINES = ("gpus", "servers_network")


@dataclass(frozen=True)
class Formula:
    """A cell formula written by the planner (never made inert, unlike text from the run), held in a
    table cell (pandas keeps the object; a ``str`` would become the string dtype)."""

    text: str


TOL = 1e-6
"""A line's ``crf`` within this relative distance of CRF(wacc, life) is written as the formula."""
HEADER_FILL = "DDE4EE"


def _cell(value: Any) -> Any:
    """One xlsx value cell: Python scalars, NaN as empty, formula-like text made inert, control
    characters (which xlsx cannot hold) written as ``\\xNN``."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Formula):
        return value.text
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return None if isinstance(value, float) and math.isnan(value) else inert(value)


def _column_format(col: str) -> str | None:
    """Number format of a column, by its name (units are in the names)."""
    if col in ("wacc", "crf"):
        return "0.00%"
    if col == "year" or col.endswith("_year"):
        return "0"
    if col.endswith("_years"):
        return "0.0#"
    if col in ("unit_cost_usd", "fixed_om_usd_per_unit_yr", "quantity"):
        return "#,##0.00"
    if col == "relative_difference":
        return "0.00E+00"
    return "#,##0" if "usd" in col or col == "summary_json" else None


def _value_format(value: Any, hint: str) -> str:
    """Number format of one value of the summary/assumptions ``value`` column (``hint``: metric or unit)."""
    if hint.startswith("fraction") or "share" in hint or hint.endswith("mip_gap"):
        return "0.00%"
    if hint.endswith("year") or hint.endswith("base_year"):
        return "0"
    if isinstance(value, float) and value.is_integer() or hint.endswith(("_usd", "_usd_per_yr")):
        return "#,##0"
    return "#,##0.00##"


def letter(df: pd.DataFrame, col: str) -> str:
    """Excel column letter of ``col`` in a sheet written from ``df``."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(list(df.columns).index(col) + 1)


def _span(sheet: str, df: pd.DataFrame, col: str) -> str:
    """Absolute range of ``col``'s data cells (rows 2..n+1; one empty row when ``df`` is empty)."""
    c = letter(df, col)
    return f"{sheet}!${c}$2:${c}${max(len(df), 1) + 1}"


def _write_table(
    wb: Any,
    name: str,
    df: pd.DataFrame,
    formulas: Mapping[tuple[int, str], str] | None = None,
    hints: pd.Series | None = None,
) -> Any:
    """Sheet ``name`` from ``df``: values (or ``formulas[(row index, column)]``), a bold frozen header
    with filters, number formats by column and readable widths."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    formulas = formulas or {}
    ws = wb.create_sheet(name)
    ws.append([_cell(c) for c in df.columns])
    cols = list(df.columns)
    for i, row in enumerate(df.itertuples(index=False)):
        ws.append([formulas.get((i, c), _cell(v)) for c, v in zip(cols, row)])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for j, col in enumerate(cols, start=1):
        fmt = _column_format(col)
        cells = [r[0] for r in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
        for i, cell in enumerate(cells):
            if cell.value is None:
                continue
            if col == "value" and hints is not None:
                cell.number_format = _value_format(df[col].iloc[i], str(hints.iloc[i]))
            elif fmt:
                cell.number_format = fmt
        sample = [_shown_width(v) for v in (c.value for c in cells[:500]) if v is not None]
        width = max([len(str(col)), *sample]) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(
            max(width, 8), 60 if col.endswith("source") else 48
        )
    return ws


def _shown_width(value: Any) -> int:
    """Characters a value takes on screen (a formula: as a 14-digit number)."""
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return 14 if isinstance(value, str) and value.startswith("=") else len(str(value))


Lookup = Callable[..., "str | None"]
"""``ref(parameter, site_id, value, unit, source)`` -> ``=assumptions!$E$<row>`` of that input, or None."""


def _refs(assumptions: pd.DataFrame, rows: Callable[[str, str, Any, str, str], int | None]) -> Lookup:
    value = letter(assumptions, "value")

    def ref(*key: Any) -> str | None:
        row = rows(*key)
        return None if row is None else f"=assumptions!${value}${row}"

    return ref


def _line_formulas(items: pd.DataFrame, ref: Lookup) -> tuple[dict[tuple[int, str], str], list[int]]:
    """Formulas of the line items (see the module docstring) and the rows keeping the model's crf."""
    L = {c: letter(items, c) for c in items.columns}
    out: dict[tuple[int, str], str] = {}
    fixed_crf: list[int] = []
    basis = _basis_rows(items)
    for i, r in enumerate(items.itertuples(index=False)):
        x = i + 2

        def put(col: str, formula: str | None, i: int = i) -> bool:
            if formula is not None:
                out[(i, col)] = formula
            return formula is not None

        if basis.get(i):
            put("quantity", "=" + "+".join(f"{L['capex_usd']}{j + 2}" for j in basis[i]))

        unit = ref("unit cost", r.site_id, r.unit_cost_usd, f"USD/{r.unit}", r.unit_cost_source)
        if put("unit_cost_usd", unit if r.quantity else None):
            put("capex_usd", f"={L['quantity']}{x}*{L['unit_cost_usd']}{x}")
        wacc = ref("wacc", r.site_id, r.wacc, "fraction/yr (real)", r.wacc_source)
        life = ref("life", r.site_id, r.life_years, "years", r.life_source)
        put("wacc", wacc)
        put("life_years", life)
        w, n = f"{L['wacc']}{x}", f"{L['life_years']}{x}"
        if wacc and pd.isna(r.life_years) and math.isclose(r.crf, r.wacc, rel_tol=TOL):
            put("crf", f"={w}")
        elif wacc and life and r.capex_usd and math.isclose(r.crf, crf(r.wacc, r.life_years), rel_tol=TOL):
            put("crf", f"=IF({w}=0,1/{n},{w}*(1+{w})^{n}/((1+{w})^{n}-1))")
        elif r.capex_usd:
            fixed_crf.append(i)
        if r.capex_usd:
            put("annualized_capex_usd_per_yr", f"={L['capex_usd']}{x}*{L['crf']}{x}")
        if r.fixed_om_usd_per_yr and r.quantity:
            rate = ref(
                "fixed O&M",
                r.site_id,
                r.fixed_om_usd_per_unit_yr,
                f"USD/{r.unit}-yr",
                r.fixed_om_source,
            )
            if put("fixed_om_usd_per_unit_yr", rate):
                put("fixed_om_usd_per_yr", f"={L['quantity']}{x}*{L['fixed_om_usd_per_unit_yr']}{x}")
        put(
            "annualized_cost_usd_per_yr",
            f"={L['annualized_capex_usd_per_yr']}{x}+{L['fixed_om_usd_per_yr']}{x}",
        )
    return out, fixed_crf


def _basis_rows(items: pd.DataFrame) -> dict[int, list[int]]:
    """Rows of the lines each whole-capex line is levied on (:mod:`planner.results.capex_whole`: item_id
    ``<category>.<item_id>`` of its basis line, whose capex is its quantity; sales tax: the GPU type's
    accelerator and server lines), so that its ``quantity`` is their live ``capex_usd``."""
    rows = list(items[["site_id", "category", "item_id"]].itertuples(index=False, name=None))
    capex, quantity = items["capex_usd"].to_numpy(float), items["quantity"].to_numpy(float)
    out: dict[int, list[int]] = {}
    for i, (site, category, item_id) in enumerate(rows):
        if category not in WHOLE_CAPEX or "." not in str(item_id):
            continue
        head, rest = str(item_id).split(".", 1)
        wanted = GPU_LINES if category == "sales_tax" else (head,)
        hits = [j for j, r in enumerate(rows) if r[0] == site and r[2] == rest and r[1] in wanted]
        if category != "sales_tax":  # one line of the item (a battery has two): the one it is levied on
            hits = [j for j in hits if math.isclose(capex[j], quantity[i], rel_tol=1e-9)][:1]
        if hits and math.isclose(sum(capex[j] for j in hits), quantity[i], rel_tol=1e-9):
            out[i] = hits
    return out


def _opex_formulas(opex: pd.DataFrame, ref: Lookup) -> dict[tuple[int, str], str]:
    """``opex_usd_per_yr = quantity x unit_cost_usd``, the unit price from the assumptions."""
    L = {c: letter(opex, c) for c in opex.columns}
    out: dict[tuple[int, str], str] = {}
    for i, r in enumerate(opex.itertuples(index=False)):
        price = ref("unit price", r.site_id, r.unit_cost_usd, r.unit_cost_unit, r.unit_cost_source)
        if r.cost_type == "variable" and r.quantity and price:
            out[(i, "unit_cost_usd")] = price
            out[(i, "opex_usd_per_yr")] = f"={L['quantity']}{i + 2}*{L['unit_cost_usd']}{i + 2}"
    return out


def _schedule_formulas(items: pd.DataFrame, schedule: pd.DataFrame) -> dict[tuple[int, str], str]:
    """Each spend row as its line's ``capex_usd`` cell x the share spent that year."""
    key = ["site_id", "category", "item_id", "item"]
    rows = {k: i for i, k in enumerate(items[key].itertuples(index=False, name=None))}
    unique = len(rows) == len(items)
    cap = letter(items, "capex_usd")
    out: dict[tuple[int, str], str] = {}
    for j, r in enumerate(schedule.itertuples(index=False)):
        i = rows.get((r.site_id, r.category, r.item_id, r.item)) if unique else None
        if i is None or not items["capex_usd"].iloc[i]:
            continue
        share = float(r.capex_usd) / float(items["capex_usd"].iloc[i])
        out[(j, "capex_usd")] = f"=line_items!${cap}${i + 2}" + ("" if share == 1.0 else f"*{share!r}")
    return out


def _subtotals(items: pd.DataFrame, opex: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The ``totals`` sheet: line-item money by category and by site (``SUMIFS``), all line items,
    opex by category, and the two reconciliation rows (workbook total, ``summary.json`` value,
    relative difference)."""
    money = ("capex_usd", "annualized_capex_usd_per_yr", "fixed_om_usd_per_yr", "annualized_cost_usd_per_yr")
    columns = ["group", "name", *money, "summary_json", "relative_difference"]
    rows: list[dict[str, Any]] = []
    for group, by in (("category", "category"), ("site", "site_id")):
        names = category_order(items[by]) if by == "category" else list(dict.fromkeys(items[by]))
        crit = _span("line_items", items, by)
        for name in names:
            x = len(rows) + 2  # criteria: this row's name cell
            rows.append(
                {"group": group, "name": name}
                | {m: Formula(f"=SUMIFS({_span('line_items', items, m)},{crit},$B{x})") for m in money}
            )
    rows.append(
        {"group": "total", "name": "all line items"}
        | {m: Formula(f"=SUM({_span('line_items', items, m)})") for m in money}
    )
    lines_row = len(rows) + 1
    opex_sum, opex_cat = _span("opex", opex, "opex_usd_per_yr"), _span("opex", opex, "category")
    for name in category_order(opex["category"], OPEX_CATEGORIES):
        x = len(rows) + 2
        rows.append(
            {
                "group": "opex",
                "name": name,
                "annualized_cost_usd_per_yr": Formula(f"=SUMIFS({opex_sum},{opex_cat},$B{x})"),
            }
        )
    rows.append(
        {"group": "opex", "name": "all opex", "annualized_cost_usd_per_yr": Formula(f"=SUM({opex_sum})")}
    )
    opex_row = len(rows) + 1
    frame = pd.DataFrame(columns=columns)
    C, A, S = (letter(frame, c) for c in ("capex_usd", "annualized_cost_usd_per_yr", "summary_json"))
    values = summary.set_index("metric")["value"]
    for name, workbook, key in (
        ("capex_usd", f"={C}{lines_row}", "capex_usd"),
        ("annualized_cost_usd", f"={A}{lines_row}+{A}{opex_row}", "annualized_cost_usd"),
    ):
        x = len(rows) + 2
        rows.append(
            {
                "group": "summary.json",
                "name": name,
                "capex_usd": Formula(workbook),
                "summary_json": float(values.get(key, math.nan)),
                "relative_difference": Formula(f"=({C}{x}-{S}{x})/{S}{x}"),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _write_phasing(wb: Any, schedule: pd.DataFrame) -> None:
    """Year x category capex (``SUMIFS`` over the spend schedule) and a stacked column chart."""
    from openpyxl.chart import BarChart, Reference

    cats = category_order(schedule["category"])
    years = list(range(int(schedule["year"].min()), int(schedule["year"].max()) + 1)) if len(schedule) else []
    frame = pd.DataFrame({"year": years, **dict.fromkeys(cats, math.nan), "total_usd": math.nan})
    capex, year, cat = (_span("spend_schedule", schedule, c) for c in ("capex_usd", "year", "category"))
    formulas: dict[tuple[int, str], str] = {}
    for i in range(len(years)):
        for c in cats:
            col = letter(frame, c)
            formulas[(i, c)] = f"=SUMIFS({capex},{year},$A{i + 2},{cat},{col}$1)"
        if cats:
            formulas[(i, "total_usd")] = f"=SUM(B{i + 2}:{letter(frame, cats[-1])}{i + 2})"
    ws = _write_table(wb, "phasing", frame, formulas)
    for j in range(2, len(cats) + 3):
        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            row[0].number_format = "#,##0"
    if not years or not cats:
        return
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title, chart.y_axis.title, chart.x_axis.title = "Capex by year and category", "USD", "year"
    chart.height, chart.width = 10, 22
    chart.add_data(
        Reference(ws, min_col=2, max_col=len(cats) + 1, min_row=1, max_row=len(years) + 1),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(years) + 1))
    ws.add_chart(chart, f"{letter(frame, 'total_usd')}{len(years) + 4}")


def write_workbook(
    sheets: Mapping[str, pd.DataFrame], rows: Callable[[str, str, Any, str, str], int | None], path: Path
) -> None:
    """Write the live workbook of the export ``sheets`` to ``path`` (see the module docstring).

    ``rows(parameter, site_id, value, unit, source)`` gives the Excel row of an input on the
    ``assumptions`` sheet (None when the export has no such row).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    items, opex, schedule = sheets["line_items"], sheets["opex"], sheets["spend_schedule"]
    wb = Workbook()
    wb.remove(wb.active)
    _write_table(wb, "totals", _subtotals(items, opex, sheets["summary"]))
    _write_phasing(wb, schedule)
    ref = _refs(sheets["assumptions"], rows)
    line_f, kept = _line_formulas(items, ref)
    ws = _write_table(wb, "line_items", items, line_f)
    col = list(items.columns).index("crf") + 1
    for i in kept:
        ws.cell(i + 2, col).comment = Comment(
            "the model's annualisation factor for this line (not capex x CRF(wacc, life)); a value", "planner"
        )
    _write_table(wb, "spend_schedule", schedule, _schedule_formulas(items, schedule))
    _write_table(wb, "opex", opex, _opex_formulas(opex, ref))
    assumptions = sheets["assumptions"]
    _write_table(wb, "assumptions", assumptions, hints=assumptions["unit"])
    summary = sheets["summary"]
    _write_table(wb, "summary", summary, hints=summary["metric"])
    buffer = io.BytesIO()  # zipped in memory, then written in one go: a full disk cannot leave a
    wb.save(buffer)  # half-closed ZipFile whose clean-up prints a traceback at exit
    Path(path).write_bytes(buffer.getvalue())
