"""Serving targets in a scenario: the fleet's tokens/s per GPU follow each model's latency target."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.model.inputs import throughput_inputs
from planner.paths import DEFAULT_SCENARIO
from planner.scenario.load import load_scenario

GPUS = ["H100", "B200"]


def _tps(catalogs, overrides):  # type: ignore[no-untyped-def]
    s = load_scenario(DEFAULT_SCENARIO, catalogs, overrides=overrides)
    return throughput_inputs(s, catalogs, GPUS, ["dlc"], ["llama-3.1-70b"])


def test_a_looser_target_gives_more_tokens_per_gpu(catalogs) -> None:  # type: ignore[no-untyped-def]
    card = _tps(catalogs, {"physics.throughput": "estimate"})
    loose = _tps(
        catalogs,
        {"physics.throughput": "estimate", "physics.serving_targets": {"llama-3.1-70b": {"tpot_ms": 200}}},
    )
    table = card["throughput"].set_index("gpu_id")
    assert table.loc["B200", "precision"] == "fp4" and table.loc["H100", "precision"] == "fp8"
    assert table.loc["B200", "tpot_ms"] == pytest.approx(40.0)  # the model card's target
    for g in GPUS:
        assert loose["tps"][g, "llama-3.1-70b"] > card["tps"][g, "llama-3.1-70b"] > 0
    pinned = _tps(catalogs, {"physics.throughput": "estimate", "physics.precision": {"llama-3.1-70b": "fp8"}})
    assert pinned["throughput"].set_index("gpu_id").loc["B200", "precision"] == "fp8"


def test_unknown_model_in_serving_targets_is_named(catalogs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="serving_targets"):
        load_scenario(
            DEFAULT_SCENARIO, catalogs, overrides={"physics.serving_targets": {"llama-9": {"tpot_ms": 40}}}
        )
