"""Hourly PUE: the cooling overhead follows the weather, electrical losses do not (the floor)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.chain.cooling import hourly_pue


@given(
    st.lists(st.floats(-30, 50), min_size=2, max_size=48),
    st.floats(0.0, 0.5),
    st.sampled_from(["air", "rdhx", "dlc", "immersion_1ph"]),
)
def test_hourly_pue_keeps_mean_and_floor(temps: list[float], overhead: float, cooling: str) -> None:
    t = np.array(temps)
    w = np.ones_like(t)
    p = hourly_pue(cooling, cooling != "air", 1.04 + overhead, t, t - 5, w, pue_floor=1.04)
    assert p.min() >= 1.04 - 1e-12
    assert float(p.mean()) == pytest.approx(1.04 + overhead, abs=1e-9)


def test_only_the_cooling_part_follows_temperature() -> None:
    """Air: shape 0.35 below 12 C, 1 above 30 C; mean of (0.35, 1) = 0.675, overhead 0.2 ->
    cold hour 1.04 + 0.2 x 0.35 / 0.675, hot hour 1.04 + 0.2 / 0.675."""
    dry, wet = np.array([0.0, 35.0]), np.array([0.0, 20.0])
    p = hourly_pue("air", False, 1.24, dry, wet, np.ones(2), pue_floor=1.04)
    assert p == pytest.approx([1.04 + 0.2 * 0.35 / 0.675, 1.04 + 0.2 / 0.675])
