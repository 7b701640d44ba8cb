"""Audited site facts (2026-11): each changed field matches its dated public record."""

from __future__ import annotations

import pytest

from planner.catalogs.load import load_catalogs


def test_susquehanna_colocated_load_is_the_ferc_approved_300_mw() -> None:
    """FERC rejected raising co-located load above 300 MW (2024-11-01); PJM large loads take 4-7 y."""
    s = load_catalogs().sites.loc["susquehanna_pa"]
    assert s["grid_mw_available"] == 300
    assert 4 <= s["grid_lead_time_years"] <= 7
    assert "ER24-2172" in s["source"] and "2024-11-01" in s["source"]


def test_quincy_price_is_the_local_utility_rate() -> None:
    """Grant County PUD Rate 15 at 90% load factor: 33 USD/MWh energy + 6.03 USD/kW-month demand."""
    s = load_catalogs().sites.loc["quincy_wa"]
    assert s["electricity_price_usd_per_mwh"] == pytest.approx(33 + 6.03 / (0.9 * 730) * 1000, abs=0.1)
    assert "Grant County PUD" in s["source"]
