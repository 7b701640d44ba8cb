"""The site formulation's valid inequalities (flow <= demand * open, the share limit times open,
the cooling covers) change the LP relaxation, never the integer optimum.

Each check solves the same small instance with the strengthening rows active and deactivated:
the MIP optima agree (an invalid cut would cut the optimum off and raise the cost), and the LP
relaxation with the rows is at least as high, and strictly higher on this instance (so the rows
do something).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from planner.api import resolve_scenario
from planner.catalogs.load import load_catalogs
from planner.model.build import build_model
from planner.model.fleet import cooling_subsets
from planner.model.highs import compile_to_highs
from planner.model.inputs import build_inputs
from planner.paths import PROJECT_ROOT
from tests.helpers import highs_optimum

STRENGTHENING = ("demand.flow_needs_site", "fleet.cover_it", "fleet.cover_idle")


@pytest.fixture(scope="module")
def instance() -> dict:
    """small_5_sites with a liquid-only GPU (GB200), immersion and a two-site share policy."""
    data = yaml.safe_load((PROJECT_ROOT / "scenarios" / "small_5_sites.yaml").read_text())
    data = copy.deepcopy(data)
    data["technologies"]["gpus"] = ["H200", "B200", "GB200"]  # H100 is no longer sold in 2028
    data["technologies"]["cooling"] = ["air", "dlc", "immersion_1ph"]
    data["policy"] = {"min_sites": 2, "max_share_per_site": 0.6}
    return data


def _solve(data: dict, strengthened: bool, relax: bool) -> float:
    """Objective [MUSD/yr] of the MIP (gap 1e-7) or of its LP relaxation."""
    catalogs = load_catalogs()
    m = build_model(build_inputs(resolve_scenario(data, catalogs), catalogs))
    if not strengthened:
        for name in STRENGTHENING:
            m.find_component(name).deactivate()
    lp, _, _ = compile_to_highs(m)
    return highs_optimum(lp, relax)[0]


def test_cuts_keep_the_integer_optimum(instance: dict) -> None:
    weak, strong = _solve(instance, False, False), _solve(instance, True, False)
    assert strong == pytest.approx(weak, rel=1e-5)


def test_cuts_raise_the_lp_relaxation(instance: dict) -> None:
    weak, strong = _solve(instance, False, True), _solve(instance, True, True)
    mip = _solve(instance, True, False)
    assert weak * (1 + 1e-3) < strong <= mip * (1 + 1e-9)  # measured: 19.99 -> 20.05 (MIP 20.25)


def test_cooling_subsets_list_the_gpus_only_they_host(instance: dict) -> None:
    catalogs = load_catalogs()
    inp = build_inputs(resolve_scenario(instance, catalogs), catalogs)
    subsets = dict(cooling_subsets(inp))
    liquid = tuple(c for c in inp.coolings if inp.compatible["GB200", c])
    assert "air" not in liquid
    assert "GB200" in subsets[liquid]
    for sub, gpus in subsets.items():  # H200 runs under air and DLC (not immersion)
        assert ("H200" in gpus) == ("air" in sub and "dlc" in sub)
