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


def test_request_shape_and_topologies_in_a_scenario(catalogs) -> None:  # type: ignore[no-untyped-def]
    """physics.request_shape overrides the card; physics.topologies restricts the menu; both are
    in tables/throughput.csv."""
    est = {"physics.throughput": "estimate"}
    base = _tps(catalogs, est)["throughput"].set_index("gpu_id")
    assert base.loc["B200", "isl"] == 2000 and base.loc["B200", "prefix_hit"] == 0  # the card's
    hits = {**est, "physics.request_shape": {"llama-3.1-70b": {"prefix_hit": 0.5, "osl": 800}}}
    shaped = _tps(catalogs, hits)["throughput"].set_index("gpu_id")
    assert shaped.loc["B200", "osl"] == 800 and shaped.loc["B200", "prefix_hit"] == 0.5
    assert shaped.loc["B200", "prefill_ms"] < base.loc["B200", "prefill_ms"]  # half the prompt is cached
    one = _tps(catalogs, {**est, "physics.topologies": ["single_node"]})["throughput"].set_index("gpu_id")
    assert (one["topology"] == "single_node").all()
    assert (one["tokens_per_s_per_gpu"] <= base["tokens_per_s_per_gpu"] * (1 + 1e-9)).all()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"physics.topologies": ["mtp"]}, "at least one parallelism"),
        ({"physics.topologies": ["ep_rack"]}, "ep_rack"),
        ({"physics.request_shape": {"llama-3.1-70b": {"prefix_hit": 1.0}}}, "prefix_hit"),
        ({"physics.request_shape": {"llama-3.1-70b": {"isl": 0}}}, "isl"),
        ({"physics.request_shape": {"llama-9": {"isl": 100}}}, "request_shape"),
    ],
)
def test_bad_shapes_and_menus_are_named(catalogs, overrides, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        load_scenario(DEFAULT_SCENARIO, catalogs, overrides=overrides)
