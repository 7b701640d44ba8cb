"""Dispatch charts of the plan report, from ``tables/dispatch.csv``.

Per open site and time slice the table holds the facility load ``facility_mw``, the IT load
``it_mw``, grid import ``grid_mw``, each generator's output ``<tech>_mw``, battery
``charge_mw`` / ``discharge_mw`` and ``curtailed_mw`` [MW]. The hourly balance the model
enforces is::

    grid + sum_tech gen_tech + discharge - charge = facility load   [MW]

so the stacked supply (grid, generators, battery discharge) minus the charge drawn below zero
meets the facility load line in every hour.

Representative days: one chart per open site, the hours of each day side by side (each day
labelled with the days of the year it stands for: ``weight_h`` of its hours). Annual mode (one
slice per site): one chart, a stacked bar of each site's annual-average supply against its
average facility load.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.report.figure import EDGE, finish, new_axes, style_axes, tech_colours

BASE = ("site_id", "slice", "day", "hour", "weight_h", "facility_mw", "it_mw")
BATTERY = ("charge_mw", "discharge_mw", "soc_mwh", "curtailed_mw")
FIRST = ("nuclear_smr", "geothermal", "ngcc", "gas_recip", "gas_ct_aero", "grid")
"""Supply stacked from the bottom in this order (firm first), then the rest, battery on top."""


def supply_columns(dispatch: pd.DataFrame) -> list[str]:
    """Supply terms of the table, bottom of the stack first: technology ids (``grid`` and every
    ``<tech>_mw`` generator column), firm ones first, then ``battery`` (discharge)."""
    techs = [c[: -len("_mw")] for c in dispatch.columns if c.endswith("_mw") and c not in BASE + BATTERY]
    found = list(techs)
    found.sort(key=lambda t: (FIRST.index(t) if t in FIRST else len(FIRST), techs.index(t)))
    return found + ["battery"]


def _mw(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A column as floats [MW], an empty or non-numeric cell (an extra, unchecked column) as 0."""
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0).to_numpy(dtype=float)


def _values(frame: pd.DataFrame, tech: str) -> np.ndarray:
    """MW of one supply term (battery: discharge)."""
    return _mw(frame, "discharge_mw" if tech == "battery" else f"{tech}_mw")


def _shown(dispatch: pd.DataFrame, techs: list[str]) -> list[str]:
    """Supply terms that deliver anything anywhere (all-zero ones are left out of the legend)."""
    return [t for t in techs if np.abs(_values(dispatch, t)).max(initial=0.0) > 1e-6]


def site_days_chart(frame: pd.DataFrame, site: str, techs: list[str]) -> str:
    """One open site over its representative days: stacked supply, charge below zero, facility
    and IT load lines [MW]; an SVG data URI."""
    frame = frame.sort_values("slice")
    n = len(frame)
    x = np.arange(n + 1)
    colours = tech_colours(techs)
    fig, ax = new_axes()
    bottom = np.zeros(n)
    for tech in techs:
        v = np.clip(_values(frame, tech), 0.0, None)
        if v.max(initial=0.0) <= 1e-6:
            continue
        top = bottom + v
        ax.fill_between(
            x, np.append(bottom, bottom[-1]), np.append(top, top[-1]), step="post",
            color=colours[tech], label=tech, linewidth=0,
        )  # fmt: skip
        bottom = top
    charge = _mw(frame, "charge_mw")
    if charge.max(initial=0.0) > 1e-6:
        ax.fill_between(
            x, 0, -np.append(charge, charge[-1]), step="post", color=colours["battery"], alpha=0.45,
            hatch="///", edgecolor="white", linewidth=0, label="battery charging",
        )  # fmt: skip
    load = _mw(frame, "facility_mw")
    ax.step(x, np.append(load, load[-1]), where="post", color="black", linewidth=1.4, label="facility load")
    it = _mw(frame, "it_mw")
    ax.step(
        x, np.append(it, it[-1]), where="post", color=EDGE, linewidth=1.0, linestyle="--", label="IT load"
    )
    days = frame["day"].to_numpy()
    starts = [i for i in range(n) if i == 0 or days[i] != days[i - 1]]
    for i in starts[1:]:
        ax.axvline(i, color="#666666", linewidth=0.6)
    weights = frame["weight_h"].to_numpy(dtype=float)
    ax.set_xticks([s + 12 if n >= s + 24 else s for s in starts])
    ax.set_xticklabels([f"day {int(days[s]) + 1}\n{weights[s]:.0f} d/yr" for s in starts], fontsize=9)
    ax.set_xlim(0, n)
    ax.set_ylabel("MW")
    ax.set_title(f"{site}: hourly supply and load on the representative days")
    style_axes(ax)
    ax.axhline(0, color=EDGE, linewidth=0.6)
    return finish(fig, ax, 2.4, xtick_lines=2)


def annual_chart(dispatch: pd.DataFrame, sites: list[str], techs: list[str]) -> str:
    """Annual mode: each open site's annual-average supply stacked, against its facility load [MW]."""
    colours = tech_colours(techs)
    shown = _shown(dispatch, techs)
    fig, ax = new_axes()
    y = np.arange(len(sites))[::-1]
    rows = dispatch.set_index("site_id").loc[sites]
    left = np.zeros(len(sites))
    for tech in shown:
        v = np.clip(_values(rows, tech), 0.0, None)
        ax.barh(y, v, left=left, color=colours[tech], label=tech, edgecolor="white", linewidth=0.5)
        left += v
    load = _mw(rows, "facility_mw")
    ax.scatter(load, y, marker="|", s=400, color="black", linewidths=2, label="facility load", zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels(sites)
    ax.set_xlabel("MW (annual average)")
    ax.set_title("Annual-average supply by site (annual mode: one slice per site)")
    style_axes(ax, "x")
    return finish(fig, ax, 0.2 + 0.36 * len(sites), ylabels=sites)


def dispatch_charts(dispatch: pd.DataFrame, sites: list[str]) -> list[tuple[str, str]]:
    """``(caption, svg data URI)`` per chart: one per open site over representative days, or one
    annual chart for every open site when each site has a single slice."""
    sites = [s for s in sites if (dispatch["site_id"] == s).any()]
    if not sites:
        return []
    techs = supply_columns(dispatch)
    per_site = dispatch.groupby("site_id").size()
    if int(per_site.max()) <= 1:
        return [("annual-average supply by site", annual_chart(dispatch, sites, techs))]
    shown = _shown(dispatch, techs)
    return [
        (f"hourly dispatch at {site}", site_days_chart(dispatch[dispatch["site_id"] == site], site, shown))
        for site in sites
    ]
