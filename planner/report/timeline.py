"""The report's time-to-power section: each open site's assets against its online year.

One bar per open site and capex category from ``tables/capex_items.csv``, from construction start
to in service (years)::

    start = base_year + start_offset_years,   in service = start + lead_time_years

(the category's earliest start to its latest in-service date), a diamond at the site's
in-service year and a dashed line at the year it committed to serve by (``summary.json``
``sites_in_service``: ``in_service_year``, ``online_year``), then the table ``planner solve``
prints: what bounds the in-service year, bridge and backup MW, redundancy, largest contingency.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner.report.data import ReportData
from planner.report.figure import finish, new_axes, style_axes
from planner.report.fmt import num
from planner.report.html import Column, Section, chart, table
from planner.results.readiness import bridge_text


def asset_spans(items: pd.DataFrame, sites: list[str]) -> pd.DataFrame:
    """``site_id, category, start, end`` [year, fractional]: construction start to in service of
    each open site's capex categories, in site order then by start."""
    start = items["base_year"] + items["start_offset_years"]
    frame = items.assign(start=start, end=start + items["lead_time_years"].fillna(0.0))
    frame = frame[frame["site_id"].isin(sites) & (frame["capex_usd"].abs() > 0)]
    spans = frame.groupby(["site_id", "category"], sort=False).agg(start=("start", "min"), end=("end", "max"))
    spans = spans.reset_index()
    spans["order"] = spans["site_id"].map({s: i for i, s in enumerate(sites)})
    return spans.sort_values(["order", "start", "end"], kind="stable").drop(columns="order")


def _year(value: Any) -> float | None:
    """A year from ``summary.json`` (a number), else None (no deadline, or not a number)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def timeline_chart(spans: pd.DataFrame, ready: dict[str, dict[str, Any]], colours: dict[str, str]) -> str:
    """Gantt-like bars per site and category, the in-service diamond and the online-year line."""
    labels, y = [], 0.0
    fig, ax = new_axes()
    for site, group in spans.groupby("site_id", sort=False):
        top = y
        labels.append((y, str(site), True))
        y += 1
        for r in group.itertuples():
            width = max(r.end - r.start, 0.04)
            ax.barh(-y, width, left=r.start, height=0.7, color=colours.get(r.category, "#777777"))
            labels.append((y, str(r.category), False))
            y += 1
        info = ready.get(str(site), {})
        done, online = _year(info.get("in_service_year")), _year(info.get("online_year"))
        if done is not None:
            ax.plot([done], [-top], marker="D", color="black", markersize=6)
            ax.annotate(
                f"in service {done:.0f}", (done, -top), xytext=(7, 0), textcoords="offset points",
                va="center", fontsize=9.5,
            )  # fmt: skip
        if online is not None:
            ax.vlines(online, -y + 0.5, -top + 0.5, colors="#D55E00", linestyles="--", linewidth=1.4)
        y += 0.4
    ax.set_yticks([-p for p, _, _ in labels])
    ax.set_yticklabels([t for _, t, _ in labels])
    for tick, (_, _, bold) in zip(ax.get_yticklabels(), labels):
        tick.set_fontweight("bold" if bold else "normal")
    lo = float(np.floor(spans["start"].min()))
    deadlines = [y for y in (_year(r.get("online_year")) for r in ready.values()) if y is not None]
    hi = float(np.ceil(max(spans["end"].max(), *deadlines, lo + 1)))
    ax.set_xlim(lo - 0.2, hi + 1.2)
    ax.set_xticks(np.arange(lo, hi + 1))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}")
    ax.set_xlabel("year (construction starts 1 January of the first)")
    ax.set_title("Construction to in service per asset (dashed: online year)")
    style_axes(ax, "x")
    ax.set_ylim(-y + 0.8, 0.6)
    return finish(fig, ax, 0.24 * y, ylabels=[t for _, t, _ in labels], legend=False)


def timeline_section(data: ReportData, colours: dict[str, str]) -> Section:
    """The time-to-power chart and table."""
    ready = data.summary.get("sites_in_service") or {}  # checked by read_report_data
    sites = [str(s) for s in data.open_sites["site_id"]]
    spans = asset_spans(data.line_items, sites)
    parts = []
    if len(spans):
        parts.append(chart(timeline_chart(spans, ready, colours), "Time to power per site"))
    cols = [
        Column("site", "id"),
        Column("online by", "num"),
        Column("in service", "num"),
        Column("bound by"),
        Column("grid in service", "num"),
        Column("bridge MW", "num"),
        Column("backup MW", "num"),
        Column("redundancy", "id"),
        Column("largest loss MW", "num"),
        Column("largest loss", "id"),
    ]
    rows = [
        [
            s,
            num(r.get("online_year"), ".0f"),
            num(r.get("in_service_year"), ".0f"),
            str(r.get("in_service_bound") or ""),
            num(r.get("grid_in_service_year"), ".0f"),
            bridge_text(r),
            num(r.get("backup_mw"), ",.0f"),
            str(r.get("power_redundancy") or ""),
            num(r.get("largest_contingency_mw"), ",.0f"),
            str(r.get("largest_contingency") or ""),
        ]
        for s, r in ready.items()
    ]
    start = data.summary.get("start_year")
    note = f'<p class="note">Construction from {num(start, ".0f")}.</p>' if start is not None else ""
    return Section("time-to-power", "Time to power", note + "".join(parts) + table(cols, rows))
