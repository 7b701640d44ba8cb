"""The plan's failures that are not independent, as ``planner solve`` and ``planner show`` print
them: per open site, the loss of gas supply and N-1-1, each at metered peak and at nameplate
(``summary.json`` ``power_resilience``, :mod:`planner.results.resilience`)."""

from __future__ import annotations

from rich.table import Table

from planner.cli.console import Col, console, fitted_table


def print_resilience(summary: dict) -> None:
    """Print :func:`resilience_table` (nothing without open sites)."""
    table = resilience_table(summary)
    if table is not None:
        console.print(table)


def _mw(value: object) -> str:
    """MW whole above 100, with one decimal below (a small plan's margins are a few MW)."""
    if value is None:
        return ""
    mw = float(value)
    return f"{mw:,.0f}" if abs(mw) >= 100 else f"{mw:,.1f}"


def _hours(row: dict, basis: str) -> str:
    """Ride-through after the loss of gas [h]: ``unlimited`` when grid and non-gas plant carry it."""
    hours = row.get(f"gas_loss_hours_{basis}")
    return "unlimited" if hours is None else f"{float(hours):,.1f}"


def resilience_table(summary: dict, width: int | None = None) -> Table | None:
    """Per open site: metered and nameplate peak, the firm supply left without gas, its margin
    over each peak and how long it lasts, and the N-1-1 loss with its margins (MW, h)."""
    rows = summary.get("power_resilience") or {}
    if not rows:
        return None
    cols = [
        Col("site", "id", 0),
        Col("metered peak MW", "num", 0),
        Col("nameplate peak MW", "num", 0),
        Col("no-gas firm MW", "num", 1),
        Col("no-gas margin metered", "num", 0),
        Col("no-gas margin nameplate", "num", 2),
        Col("lasts h metered", "num", 1),
        Col("lasts h nameplate", "num", 4),
        Col("N-1-1 MW", "num", 3),
        Col("N-1-1 margin metered", "num", 1),
        Col("N-1-1 margin nameplate", "num", 2),
        Col("N-1-1 outage + trip", "id", 5),
    ]
    table = [
        [
            str(s),
            _mw(r["metered_peak_mw"]),
            _mw(r["nameplate_peak_mw"]),
            _mw(r["no_gas_mw"]),
            _mw(r["gas_loss_margin_metered_mw"]),
            _mw(r["gas_loss_margin_nameplate_mw"]),
            _hours(r, "metered"),
            _hours(r, "nameplate"),
            _mw(r["n11_loss_mw"]),
            _mw(r["n11_margin_metered_mw"]),
            _mw(r["n11_margin_nameplate_mw"]),
            "+".join(x for x in (r.get("n11_outage"), r.get("n11_trip")) if x),
        ]
        for s, r in rows.items()
    ]
    title = "Failures that are not independent (loss of gas, N-1-1; MW, h)"
    return fitted_table(title, cols, table, width)
