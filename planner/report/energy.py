"""The report's energy sections: dispatch per open site, and the capacity and energy mix.

Capacity [MW] per open site and technology is ``tables/energy_capacity.csv`` ``capacity_mw``
(battery: its power rating; its energy ``energy_mwh`` is in the table below the chart), plus
the grid connection ``sites.csv`` ``grid_connection_mw`` when the capacity table has no grid row.
Energy [GWh/yr] per site and supply is taken from the dispatch, the same numbers the dispatch
charts draw::

    E[site, tech] = sum_t P[site, tech, t] x weight_h[t] / 1000     [GWh/yr]

(battery: discharge), so the chart and the plan-wide shares of ``summary.json``
``energy_mix_share`` describe the same dispatch.
"""

from __future__ import annotations

import pandas as pd

from planner.report.bars import pivot, stacked
from planner.report.data import ReportData
from planner.report.dispatch import dispatch_charts, supply_columns
from planner.report.figure import tech_colours
from planner.report.fmt import num, share, sig
from planner.report.html import Column, Section, chart, esc, table


def dispatch_section(data: ReportData) -> Section:
    """The dispatch charts (one per open site, or one annual chart) with how to read them."""
    sites = [str(s) for s in data.open_sites["site_id"]]
    charts = dispatch_charts(data.tables["dispatch"], sites)
    annual = len(charts) == 1 and charts[0][0].startswith("annual")
    if annual:
        note = (
            "Annual mode: each site is one annual slice, so the bars are annual averages (PV and wind "
            "capped at the scenario's annual_variable_share_max); solve with time.mode representative_days "
            "for hourly dispatch."
        )
    else:
        note = (
            "Each representative day's 24 hours side by side (d/yr: the days of the year it stands for). "
            "Stacked supply (grid import, plants, battery discharge) meets the facility load (solid line) "
            "every hour; battery charging is drawn below zero; the dashed line is the IT load."
        )
    body = f'<p class="note">{esc(note)}</p>' + "".join(chart(uri, caption) for caption, uri in charts)
    return Section("dispatch", "Dispatch", body or "<p>No open site.</p>")


def supply_energy(dispatch: pd.DataFrame) -> pd.DataFrame:
    """Long table ``site_id, tech, gwh_per_yr``: each supply term's energy over the year."""
    weight = pd.to_numeric(dispatch["weight_h"], errors="coerce").fillna(0.0)
    rows = []
    for tech in supply_columns(dispatch):
        col = "discharge_mw" if tech == "battery" else f"{tech}_mw"
        mw = pd.to_numeric(dispatch[col], errors="coerce").fillna(0.0).clip(lower=0.0)
        energy = (mw * weight).groupby(dispatch["site_id"], sort=False).sum() / 1e3
        rows += [{"site_id": s, "tech": tech, "gwh_per_yr": float(e)} for s, e in energy.items()]
    return pd.DataFrame(rows, columns=["site_id", "tech", "gwh_per_yr"])


def capacity_long(data: ReportData) -> pd.DataFrame:
    """Long table ``site_id, tech, capacity_mw`` of the open sites (grid: the connection MW)."""
    cap = data.tables["energy_capacity"][["site_id", "tech_id", "capacity_mw"]].rename(
        columns={"tech_id": "tech"}
    )
    if not (cap["tech"] == "grid").any():
        grid = data.open_sites[["site_id", "grid_connection_mw"]].rename(
            columns={"grid_connection_mw": "capacity_mw"}
        )
        cap = pd.concat([grid.assign(tech="grid"), cap], ignore_index=True)
    return cap.fillna({"capacity_mw": 0.0})


def mix_section(data: ReportData) -> Section:
    """Capacity and annual energy by site and technology, and the plan's energy mix shares."""
    sites = [str(s) for s in data.open_sites["site_id"]]
    cap = pivot(capacity_long(data), "site_id", "tech", "capacity_mw", sites)
    energy = pivot(supply_energy(data.tables["dispatch"]), "site_id", "tech", "gwh_per_yr", sites)
    colours = tech_colours(list(dict.fromkeys([*cap.columns, *energy.columns])))
    parts = []
    if len(cap.columns):
        parts.append(
            chart(stacked(cap, colours, "Capacity by site", "MW"), "Capacity by site and technology")
        )
    if len(energy.columns):
        parts.append(chart(stacked(energy, colours, "Energy supplied by site", "GWh/yr"), "Energy by site"))
    ec = data.tables["energy_capacity"]
    rows = [
        [
            r.site_id,
            r.tech_id,
            sig(r.capacity_mw),
            num(r.modules, ",.0f"),
            sig(r.energy_mwh),
            sig(r.generation_mwh_per_yr / 1e3),
            share(r.capacity_factor),
        ]
        for r in ec.itertuples()
        if float(r.capacity_mw or 0.0) > 1e-6 or float(r.energy_mwh or 0.0) > 1e-6
    ]
    cols = [
        Column("site", "id"),
        Column("technology", "id"),
        Column("MW", "num"),
        Column("modules", "num"),
        Column("MWh (battery)", "num"),
        Column("GWh/yr", "num"),
        Column("capacity factor", "num"),
    ]
    parts.append("<h3>Energy capacity (tables/energy_capacity.csv)</h3>" + table(cols, rows))
    mix = sorted((data.summary.get("energy_mix_share") or {}).items(), key=lambda kv: -float(kv[1] or 0))
    parts.append(
        "<h3>Energy mix of the plan (share of supply)</h3>"
        + table([Column("technology", "id"), Column("share", "num")], [[t, share(v)] for t, v in mix])
    )
    return Section("mix", "Capacity and energy mix", "".join(parts))
