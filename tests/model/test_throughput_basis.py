"""``physics.throughput_basis``: the fleet sized on the median or the conservative tokens/s per GPU,
and the summary's GPUs at both."""

from __future__ import annotations

import pytest

from planner.api import resolve_scenario, solve
from planner.errors import InputError
from planner.model.inputs import build_inputs
from tests.helpers import TINY, with_changes


@pytest.fixture(scope="module")
def both():
    """The tiny scenario solved on each basis."""
    return {b: solve(with_changes(TINY, {"physics.throughput_basis": b})) for b in ("median", "conservative")}


def test_conservative_rates_by_hand(catalogs):
    """Fleet rate = median estimate x (1 - shortfall) for estimated pairs; measured pairs unchanged."""
    scn = resolve_scenario(with_changes(TINY, {"physics.throughput_basis": "conservative"}), catalogs)
    inp = build_inputs(scn, catalogs)
    t = inp.throughput.set_index(["gpu_id", "model_id"])
    for (g, m), tps in inp.tps.items():
        row = t.loc[(g, m)]
        factor = 1.0 if row["source"] == "measured" else 1.0 - row["conservative_shortfall"]
        assert tps * 1e6 == pytest.approx(row["tokens_per_s_per_gpu"] * factor)
        assert row["shortfall_quantile"] == 0.8
    assert (t.loc[t["source"] == "estimate", "conservative_shortfall"] > 0).all()


def test_conservative_never_needs_fewer_gpus(both):
    med, con = both["median"].summary, both["conservative"].summary
    assert sum(con["gpus"].values()) >= sum(med["gpus"].values())
    for s in (med, con):
        by = s["gpus_by_basis"]
        for g, n in by["median"].items():
            assert by["conservative"][g] >= n
        assert s["gpus_total_by_basis"]["conservative"] >= s["gpus_total_by_basis"]["median"]
    assert med["throughput_basis"] == "median" and con["throughput_basis"] == "conservative"


def test_gpus_on_the_sized_basis_are_the_installed_ones(both):
    """On the basis the fleet was sized on, the recomputed need (peak tokens/s / rate, plus spares,
    rounded up to blocks) is what the optimiser installed: the formula reproduces the fleet block."""
    for basis, result in both.items():
        s = result.summary
        for g, n in s["gpus"].items():
            assert s["gpus_by_basis"][basis].get(g, 0) == n, (basis, g)


def test_quantile_out_of_range_is_an_input_error(catalogs):
    with pytest.raises(InputError, match=r"physics.conservative_quantile"):
        resolve_scenario(with_changes(TINY, {"physics.conservative_quantile": 0.3}), catalogs)
    with pytest.raises(InputError, match=r"physics.throughput_basis"):
        resolve_scenario(with_changes(TINY, {"physics.throughput_basis": "p80"}), catalogs)
