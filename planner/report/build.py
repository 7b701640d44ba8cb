"""The plan report page of a run directory: ``report_html(run_dir) -> str``.

Sections, in order: headline numbers, map, sites chosen, dispatch, capacity and energy mix,
cost breakdown (by category, site, served model), GPUs by type and site, spend schedule, time
to power, throughput per GPU. Everything is read from the run directory
(:func:`planner.report.data.read_report_data`); charts are drawn under one
:func:`planner.report.figure.chart_style`.
"""

from __future__ import annotations

from pathlib import Path

from planner.report.costs import cost_section, spend_section
from planner.report.data import ReportData, read_report_data
from planner.report.energy import dispatch_section, mix_section
from planner.report.figure import chart_style, series_colours
from planner.report.fleet import gpu_section, throughput_section
from planner.report.fmt import num
from planner.report.html import esc, page
from planner.report.overview import headline, map_section, sites_section
from planner.report.timeline import timeline_section

GENERATOR = "planner report"


def category_colours(data: ReportData) -> dict[str, str]:
    """A palette colour per capex category, largest capex first (shared by the spend schedule and
    the time-to-power chart)."""
    totals = data.line_items.groupby("category", sort=False)["capex_usd"].sum().sort_values(ascending=False)
    return series_colours([str(c) for c in totals.index])


def report_html(run_dir: Path | str, shown_as: Path | str | None = None) -> str:
    """The whole self-contained page of ``run_dir`` (named ``shown_as`` in the page, default its path);
    InputError (exit 2) naming a missing or broken file."""
    data = read_report_data(run_dir)
    colours = category_colours(data)
    with chart_style():
        sections = [
            headline(data),
            map_section(data),
            sites_section(data),
            dispatch_section(data),
            mix_section(data),
            cost_section(data),
            gpu_section(data),
            spend_section(data, colours),
            timeline_section(data, colours),
            throughput_section(data),
        ]
    s, scn = data.summary, data.run.scenario
    description = str(scn.get("description") or "").strip()
    intro = (
        f'<p class="muted">Scenario <b>{esc(data.run.name)}</b>: {esc(s.get("objective"))} objective; '
        f"{num(s.get('demand_tokens_per_s'), ',.2f', 1e6)} M output tokens/s demanded.</p>"
        + (f"<p>{esc(description)}</p>" if description else "")
    )
    footer = (
        f"Made by <code>{GENERATOR}</code> from the run directory {esc(shown_as or run_dir)} alone "
        "(summary.json, scenario.resolved.yaml, tables/*.csv, map.png); the tables behind every chart "
        "are in its tables/ folder, the capex workbook in capex.xlsx."
    )
    return page(f"Plan report: {data.run.name}", intro, sections, footer)
