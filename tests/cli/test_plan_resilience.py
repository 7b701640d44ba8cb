"""The printed table of failures that are not independent: ids and numbers whole at 80 columns,
``unlimited`` for a ride-through the grid alone carries, the left-out columns named."""

from __future__ import annotations

import io

from rich.console import Console

from planner.cli.plan_resilience import resilience_table

ROW = {
    "metered_peak_mw": 85.4,
    "nameplate_peak_mw": 147.9,
    "firm_mw": 295.8,
    "gas_mw": 120.0,
    "gas_site_rating": "gas_recip 0.941",
    "no_gas_mw": 175.8,
    "battery_mw": 0.0,
    "battery_mwh": 0.0,
    "backup_mw": 27.9,
    "backup_fuel_h": 48.0,
    "gas_loss_margin_metered_mw": 90.4,
    "gas_loss_margin_nameplate_mw": 27.9,
    "gas_loss_hours_metered": None,
    "gas_loss_hours_nameplate": 0.0,
    "n11_outage": "grid",
    "n11_trip": "gas_recip",
    "n11_loss_mw": 164.9,
    "n11_margin_metered_mw": 45.5,
    "n11_margin_nameplate_mw": -17.0,
}


def _text(width: int) -> str:
    table = resilience_table({"power_resilience": {"port_washington_wi": ROW}}, width)
    out = io.StringIO()
    Console(file=out, width=width, markup=False, emoji=False, highlight=False).print(table)
    return out.getvalue()


def test_resilience_table_at_80_columns():
    text = _text(80)
    assert all(len(line) <= 80 for line in text.splitlines())
    row = next(line for line in text.splitlines() if line.startswith("port_washington_wi"))
    assert row.split()[1:5] == ["85.4", "148", "176", "90.4"] and "unlimited" in row
    assert "not shown at 80 columns" in text


def test_resilience_table_wide_shows_n11_and_nameplate():
    row = next(line for line in _text(220).splitlines() if line.startswith("port_washington_wi"))
    assert row.split() == [
        "port_washington_wi", "85.4", "148", "176", "90.4", "27.9", "unlimited", "0.0", "165", "45.5",
        "-17.0", "grid+gas_recip",
    ]  # fmt: skip


def test_no_open_site_no_table():
    assert resilience_table({"power_resilience": {}}) is None
    assert resilience_table({}) is None
