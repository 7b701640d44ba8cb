"""The report's money sections: annualised cost by category, site and served model, and the
capex spend schedule by year and category.

Annualised cost [USD/yr] by site and category is ``tables/costs.csv``; by served model it is
``tables/models.csv`` (GPU cost by GPUs allocated, energy cost by the energy each model's tokens
draw, the rest of each site by IT share: :mod:`planner.results.accounts`), and both add up to
``summary.json`` ``annualized_cost_usd``. The spend schedule is the capex export's
(:func:`planner.results.export.spend_schedule`): each line item's capex spread evenly over its
lead time, then bought again at end of life within the default horizon, constant USD.
"""

from __future__ import annotations

import pandas as pd

from planner.report.bars import pivot, stacked
from planner.report.data import ReportData
from planner.report.figure import money, series_colours
from planner.report.fmt import num, share
from planner.report.html import Column, Section, chart, table

MODEL_PARTS = {"gpu_cost_usd": "GPUs", "site_cost_usd": "site and power plant", "energy_cost_usd": "energy"}
"""``models.csv`` cost columns and their legend names."""


def cost_section(data: ReportData) -> Section:
    """Annualised cost by category (chart + table), by site (stacked by category), by served model."""
    costs = data.tables["costs"]
    total = float(costs["annualized_cost_usd"].sum())
    scale, unit = money(total)
    by_cat = costs.groupby("category", sort=False)["annualized_cost_usd"].sum().sort_values(ascending=False)
    by_cat = by_cat[by_cat.abs() > 1e-9]
    colours = series_colours(list(by_cat.index))
    parts = [
        chart(
            stacked(by_cat.to_frame("cost"), {"cost": "#0072B2"}, "By category", f"{unit}/yr", scale),
            "Annualised cost by category",
        ),
        table(
            [Column("category", "id"), Column(f"{unit}/yr", "num"), Column("share", "num")],
            [[c, num(v, ",.2f", scale), share(v / total if total else None)] for c, v in by_cat.items()],
            ["total", num(total, ",.2f", scale), share(1.0 if total else None)],
        ),
    ]
    sites = [str(s) for s in data.open_sites["site_id"]]
    by_site = pivot(costs, "site_id", "category", "annualized_cost_usd", sites)
    by_site = by_site[[c for c in colours if c in by_site.columns]]
    if len(by_site.index):
        parts.append(
            chart(stacked(by_site, colours, "By site", f"{unit}/yr", scale), "Annualised cost by site")
        )
    parts.append(model_costs(data.tables["models"], scale, unit))
    note = (
        '<p class="note">Annualised capex (capex x capital recovery factor) plus fixed and variable '
        "O&amp;M, fuel, grid energy, water and carbon price, in constant USD.</p>"
    )
    return Section("costs", "Cost breakdown (annualised)", note + "".join(parts))


def model_costs(models: pd.DataFrame, scale: float, unit: str) -> str:
    """Per served model: a stacked chart of GPU, site and energy cost, and its table with $/Mtok."""
    if models.empty:
        return ""
    frame = models.set_index("model_id")[list(MODEL_PARTS)].rename(columns=MODEL_PARTS)
    frame.index = frame.index.astype(str)
    colours = series_colours(list(MODEL_PARTS.values()))
    rows = [
        [
            r.model_id,
            num(r.tokens_per_s, ",.2f", 1e6),
            num(r.gpu_cost_usd, ",.2f", scale),
            num(r.site_cost_usd, ",.2f", scale),
            num(r.energy_cost_usd, ",.2f", scale),
            num(r.annualized_cost_usd, ",.2f", scale),
            num(r.cost_usd_per_mtok, ",.3f"),
            num(r.facility_joules_per_token, ",.3f"),
            num(r.gco2e_per_mtok, ",.1f"),
        ]
        for r in models.itertuples()
    ]
    cols = [
        Column("model", "id"),
        Column("Mtok/s", "num"),
        Column(f"GPUs {unit}/yr", "num"),
        Column(f"site {unit}/yr", "num"),
        Column(f"energy {unit}/yr", "num"),
        Column(f"total {unit}/yr", "num"),
        Column("$/Mtok", "num"),
        Column("J/token", "num"),
        Column("gCO2e/Mtok", "num"),
    ]
    return chart(
        stacked(frame, colours, "By served model", f"{unit}/yr", scale), "Annualised cost by model"
    ) + table(cols, rows)


def spend_section(data: ReportData, colours: dict[str, str]) -> Section:
    """Capex by calendar year, stacked by category (``colours``), and a year table (construction,
    replacement, cumulative)."""
    sched = data.schedule
    if sched.empty:
        return Section("spend", "Spend schedule", "<p>No capex.</p>")
    scale, unit = money(float(sched.groupby("year")["capex_usd"].sum().abs().max()))
    years = sorted(int(y) for y in sched["year"].unique())
    frame = sched.assign(year=sched["year"].astype(int))
    by_year = pivot(frame, "year", "category", "capex_usd", years)
    by_year = by_year.reindex(range(years[0], years[-1] + 1), fill_value=0.0)
    split = frame.pivot_table(
        index="year", columns="spend_type", values="capex_usd", aggfunc="sum", fill_value=0.0
    )
    rows, cumulative = [], 0.0
    for year in by_year.index:
        build = float(split.loc[year].get("construction", 0.0)) if year in split.index else 0.0
        renew = float(split.loc[year].get("replacement", 0.0)) if year in split.index else 0.0
        cumulative += build + renew
        rows.append(
            [
                str(year),
                num(build, ",.2f", scale),
                num(renew, ",.2f", scale),
                num(build + renew, ",.2f", scale),
                num(cumulative, ",.2f", scale),
            ]
        )
    cols = [
        Column("year", "id"),
        Column(f"construction {unit}", "num"),
        Column(f"replacement {unit}", "num"),
        Column(f"total {unit}", "num"),
        Column(f"cumulative {unit}", "num"),
    ]
    dollar = int(frame["dollar_year"].iloc[0])
    note = (
        f'<p class="note">Capex in constant {dollar} USD by calendar year: construction spread over each '
        "item's lead time, replacements (GPUs every life) within the capex export's horizon "
        "(<code>planner export --capex</code> has the line items).</p>"
    )
    title = f"Capex by year and category ({unit}, constant {dollar} USD)"
    return Section(
        "spend",
        "Spend schedule",
        note
        + chart(stacked(by_year, colours, title, unit, scale, horizontal=False), title)
        + table(cols, rows),
    )
