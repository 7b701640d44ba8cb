"""Short text and HTML views of a solved plan for the Python API: ``repr(result)`` and the table a
notebook shows (``result._repr_html_()``), both from ``summary.json`` and the sites table alone.

``repr``: one or two lines, e.g.::

    SolveResult(small_5_sites: optimal, 0.270 $/Mtok, 1 site: new_albany_oh)
      1.50 M tokens/s served, 0.09 B$ capex, 1.0 MW IT; .summary, .tables, .save(dir)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

MAX_SITES_SHOWN = 4
"""Sites named in the repr; more are counted (``+3 more``)."""


def _num(summary: Mapping[str, Any], key: str, scale: float, fmt: str, unit: str) -> str | None:
    """``summary[key] / scale`` formatted with ``unit``, or None when missing or not a number."""
    value = summary.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return f"{value / scale:{fmt}} {unit}"


def headline(summary: Mapping[str, Any]) -> dict[str, str]:
    """The headline numbers as text: label -> value (those present in ``summary``)."""
    gap = summary.get("mip_gap")
    rows = {
        "status": str(summary.get("status", "?")),
        "objective": str(summary.get("objective", "?")),
        "MIP gap": "n/a" if not isinstance(gap, (int, float)) else f"{gap:.2%}",
        "cost": _num(summary, "cost_usd_per_mtok", 1, ",.3f", "$/Mtok"),
        "demand served": _num(summary, "served_tokens_per_s", 1e6, ",.2f", "M tokens/s"),
        "annualised cost": _num(summary, "annualized_cost_usd", 1e6, ",.1f", "M$/yr"),
        "capex": _num(summary, "capex_usd", 1e9, ",.2f", "B$"),
        "IT power": _num(summary, "it_mw", 1, ",.1f", "MW"),
        "facility power": _num(summary, "facility_mw", 1, ",.1f", "MW"),
        "carbon": _num(summary, "gco2e_per_mtok", 1, ",.1f", "gCO2e/Mtok"),
        "energy": _num(summary, "facility_joules_per_token", 1, ",.3f", "J/token"),
    }
    return {k: v for k, v in rows.items() if v is not None}


def open_sites(summary: Mapping[str, Any], sites: pd.DataFrame | None) -> list[str]:
    """The open sites: ``summary['sites']``, else the open rows of the sites table."""
    listed = summary.get("sites")
    if isinstance(listed, list):
        return [str(s) for s in listed]
    if sites is not None and {"site_id", "open"} <= set(sites.columns):
        return [str(s) for s in sites.loc[sites["open"].astype(bool), "site_id"]]
    return []


def short_repr(kind: str, name: str, summary: Mapping[str, Any], sites: pd.DataFrame | None) -> str:
    """Two lines: scenario, status, $/Mtok and the open sites; then served tokens/s, capex, IT MW."""
    ids = open_sites(summary, sites)
    shown = ", ".join(ids[:MAX_SITES_SHOWN]) + (
        f" +{len(ids) - MAX_SITES_SHOWN} more" if len(ids) > MAX_SITES_SHOWN else ""
    )
    numbers = headline(summary)
    first = f"{kind}({name}: {numbers['status']}"
    if "cost" in numbers:
        first += f", {numbers['cost']}"
    first += f", {len(ids)} site{'s' if len(ids) != 1 else ''}" + (f": {shown}" if ids else "") + ")"
    second = [
        f"{numbers[k]} {label}".strip()
        for k, label in (("demand served", "served"), ("capex", "capex"), ("IT power", "IT"))
        if k in numbers
    ]
    return first + "\n  " + ", ".join(second) + "; .summary, .tables, .save(dir)"


def html_table(kind: str, name: str, summary: Mapping[str, Any], sites: pd.DataFrame | None) -> str:
    """A small HTML view for notebooks: the headline numbers and the open sites' table."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:right'>"
        f"{html.escape(v)}</td></tr>"
        for k, v in headline(summary).items()
    )
    parts = [
        f"<div><strong>{html.escape(kind)}</strong> <code>{html.escape(name)}</code>",
        f"<table>{rows}</table>",
    ]
    columns = ["site_id", "cooling_id", "it_mw", "gpus", "tokens_per_s", "cost_usd_per_mtok"]
    if sites is not None and "open" in sites.columns:
        chosen = sites.loc[sites["open"].astype(bool), [c for c in columns if c in sites.columns]]
        parts.append(f"<p>Open sites ({len(chosen)})</p>")
        parts.append(chosen.to_html(index=False, float_format=lambda v: f"{v:,.3f}", border=0))
    parts.append("<p><code>.summary</code>, <code>.tables</code>, <code>.save(dir)</code></p></div>")
    return "\n".join(parts)
