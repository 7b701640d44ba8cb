"""Every shipped scenario: no NVL72-class rack may go under immersion (or any cooling its vendors do
not support), and no facility PUE (annual mean, any slice, hottest hour) falls below the documented
floor; the annual scenarios' solved plans are checked the same way in
``test_shipped_time_to_power.py``."""

from __future__ import annotations

import pytest

from planner.api import resolve_scenario
from planner.catalogs.load import cooling_supported, pue_floor
from planner.model.inputs import build_inputs
from planner.paths import shipped_scenarios

NVL72 = ("GB200", "GB300", "VR200", "VR300", "MI455X")
"""Rack-scale systems (72- and 144-GPU scale-up domains): direct liquid cooling only."""


@pytest.mark.parametrize("name", shipped_scenarios())
def test_shipped_scenario_inputs_respect_support_and_floor(catalogs, name):
    inp = build_inputs(resolve_scenario(name, catalogs), catalogs)
    floor = pue_floor(catalogs.facility)
    for g in inp.gpus:
        for c in inp.coolings:
            if inp.compatible[g, c]:
                assert c in cooling_supported(catalogs, g), (g, c)
            if g in NVL72 and c.startswith("immersion"):
                assert not inp.compatible[g, c], (g, c)
    assert min(inp.pue.values()) >= floor
    assert min(inp.pue_t.values()) >= floor - 1e-12
    for s, c in inp.pue:
        assert inp.pue_peak[s, c] >= max(inp.pue_t[s, c, t] for t in range(inp.slices.n)) - 1e-12
