"""Throughput at a latency target: one decode step and one prefill by hand, the batch the target
allows, and monotonicity in HBM, bandwidth, FLOP/s and the target over every catalog GPU x model,
for the physics alone and with the calibrated corrections."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain.tokens.calibration import calibrate
from planner.chain.tokens.mlperf import mlperf_key, workload_for_model
from planner.chain.tokens.roofline import (
    OFFLINE,
    TPOT_HEADROOM,
    TTFT_HEADROOM,
    Factors,
    StepCost,
    Target,
    Workload,
    decode_context,
    roofline,
)
from planner.chain.tokens.throughput import default_precision

UNIT = Factors(1.0, 1.0, 1.0, 1.0)
GPU = pd.Series(
    {"name": "X", "dense_fp4_tflops": 0.0, "dense_fp8_tflops": 1000.0, "dense_bf16_tflops": 500.0,
     "hbm_gb": 100.0, "hbm_tb_per_s": 1.0, "scaleup_domain_gpus": 1}
)  # fmt: skip
MODEL = pd.Series(
    {"architecture": "dense", "total_params_b": 1.0, "active_params_b": 1.0, "layers": 1, "hidden_size": 1024,
     "attention_heads": 8, "kv_heads": 1, "head_dim": 128}
)  # fmt: skip
WL = Workload(100.0, 100.0)


def _interval(batch: float) -> float:
    """By hand: W = 1e9 B at fp8, 1 TB/s, 1 PFLOP/s; c = I + O (1 + CV^2) / 2 = 100 + 100 = 200
    tokens (CV = 1: the batch's slots are length-biased), kv = 2 x 1 x 1 x 128 x 1 = 256 B.
    t_step = max(1e9/1e12, B 2e9/1e15) + max(B 200 256 / 1e12, B 4 200 8 128 / 1e15);
    t_pre = 100 (2e9/1e15 + 4 x 50 x 8 x 128 / 1e15); interval = t_step + B t_pre / 100."""
    step = max(1e-3, batch * 2e-6) + max(batch * 200 * 256 / 1e12, batch * 819200 / 1e15)
    t_pre = 100 * (2e-6 + 4 * 50 * 8 * 128 / 1e15)
    return step + batch * t_pre / 100


def test_offline_one_decode_step_and_prefill_by_hand() -> None:
    r = roofline(GPU, MODEL, "fp8", WL, UNIT, OFFLINE)
    assert r.replica_gpus == 1 and r.batch == pytest.approx(128)  # MAX_BATCH_PER_GPU; HBM allows 1.7 million
    assert r.tpot_s == pytest.approx(_interval(128), rel=1e-12)
    assert r.ttft_s == pytest.approx(100 * (2e-6 + 204800 / 1e15), rel=1e-12)
    assert r.tokens_per_s_per_gpu == pytest.approx(128 / _interval(128), rel=1e-12)  # ~101,500
    assert r.tokens_per_s_per_user == pytest.approx(1 / _interval(128))


def test_tpot_target_sets_the_batch() -> None:
    target = Target(10.0, _interval(64) / TPOT_HEADROOM)
    r = roofline(GPU, MODEL, "fp8", WL, UNIT, target)
    assert r.batch == pytest.approx(64, rel=1e-6)
    assert r.tokens_per_s_per_gpu == pytest.approx(64 / _interval(64), rel=1e-6)


def test_targets_out_of_reach_give_zero_with_the_reason() -> None:
    too_fast = roofline(GPU, MODEL, "fp8", WL, UNIT, Target(10.0, 0.9 * _interval(1) / TPOT_HEADROOM))
    assert too_fast.tokens_per_s_per_gpu == 0 and "meets TTFT 10000 ms" in too_fast.reason
    t_pre = 100 * (2e-6 + 204800 / 1e15)
    no_ttft = roofline(GPU, MODEL, "fp8", WL, UNIT, Target(0.9 * t_pre / TTFT_HEADROOM, 1.0))
    assert no_ttft.tokens_per_s_per_gpu == 0 and "prefill" in no_ttft.reason


def test_step_cost_by_hand() -> None:
    """100 layers, the same 1 GB of weights, t_0 = a + b L + m L [MoE] = 0.5 ms + 100 x 20 us = 2.5 ms
    (dense: m does not count). The step is t_0 + max(1 ms, B 2 us) + B 200 x 25,600 B / 1e12 (KV,
    5.12 us a sequence); t_pre = 100 (2e-6 + 4 x 100 x 50 x 8 x 128 / 1e15) = 0.202 ms, so
    interval(B) = 2.5 ms + 1 ms + B (5.12 + 2.02) us while B 2 us <= 1 ms."""
    deep = MODEL.copy()
    deep["layers"] = 100
    step = StepCost(per_step_s=0.5e-3, per_layer_s=20e-6, per_moe_layer_s=1.0)
    assert step.seconds(deep) == pytest.approx(2.5e-3)
    f = Factors(1.0, 1.0, 1.0, 1.0, step=step)
    t_pre = 100 * (2e-6 + 4 * 100 * 50 * 8 * 128 / 1e15)

    def interval(batch: float) -> float:
        return 2.5e-3 + max(1e-3, batch * 2e-6) + batch * 200 * 25_600 / 1e12 + batch * t_pre / 100

    offline = roofline(GPU, deep, "fp8", WL, f, OFFLINE)
    assert offline.batch == pytest.approx(128) and offline.tpot_s == pytest.approx(interval(128), rel=1e-12)
    assert offline.tokens_per_s_per_gpu == pytest.approx(128 / interval(128), rel=1e-12)
    bare = roofline(GPU, deep, "fp8", WL, UNIT, OFFLINE)
    assert bare.tpot_s == pytest.approx(interval(128) - 2.5e-3, rel=1e-12)  # StepCost() = none
    bounded = roofline(GPU, deep, "fp8", WL, f, Target(10.0, interval(64) / TPOT_HEADROOM))
    assert bounded.batch == pytest.approx(64, rel=1e-9)  # the dense closed form, t_0 included
    assert bounded.tokens_per_s_per_gpu == pytest.approx(64 / interval(64), rel=1e-9)
    # the fastest rate per user: one sequence still pays t_0 + the 1 ms weight read
    below = roofline(GPU, deep, "fp8", WL, f, Target(10.0, 0.99 * interval(1) / TPOT_HEADROOM))
    assert below.tokens_per_s_per_gpu == 0 and "meets TTFT" in below.reason


def test_moe_step_cost_counts_every_layer() -> None:
    moe = pd.Series({"layers": 61, "architecture": "moe"})
    step = StepCost(per_step_s=1e-3, per_layer_s=10e-6, per_moe_layer_s=25e-6)
    assert step.seconds(moe) == pytest.approx(1e-3 + 61 * 35e-6)  # 3.135 ms
    assert StepCost().seconds(moe) == 0.0


def test_decode_context_is_length_biased_by_hand() -> None:
    # outputs of 50 or 150 tokens, equally often: E[O] = 100, CV^2 = 0.25. A slot holds a request
    # for O steps, so 3/4 of the slots hold 150-token ones; mid-way on average, a slot attends
    # I + (1/4 x 25 + 3/4 x 75) = I + 62.5 tokens = I + 100 (1 + 0.25) / 2
    assert decode_context(Workload(300.0, 100.0), cv=0.5) == pytest.approx(362.5)
    assert decode_context(Workload(300.0, 100.0), cv=0.0) == pytest.approx(350.0)  # all alike: I + O/2
    assert decode_context(WL) == pytest.approx(200.0)  # OUTPUT_LENGTH_CV = 1: I + O


def _pairs(catalogs):  # type: ignore[no-untyped-def]
    return [(g, m) for g in catalogs.gpus.index for m in catalogs.models.index]


FACTORS = Factors(0.6, 0.6, 0.5, 0.9)


def _tps(gpu, model, target, precision="fp8", factors=FACTORS):  # type: ignore[no-untyped-def]
    wl = mlperf_key(model.get("mlperf_model", "")) or None
    return roofline(
        gpu, model, precision, workload_for_model(model), factors, target, wl
    ).tokens_per_s_per_gpu


@pytest.mark.parametrize("calibrated", [False, True], ids=["physics", "calibrated"])
@settings(max_examples=5, deadline=None)
@given(
    hbm=st.floats(1.0, 3.0),
    bw=st.floats(1.0, 3.0),
    flops=st.floats(1.0, 3.0),
    looser=st.floats(1.0, 4.0),
    ttft_ms=st.sampled_from([300.0, 1000.0, 4000.0]),
    tpot_ms=st.sampled_from([15.0, 40.0, 200.0]),
)
def test_more_hardware_or_a_looser_target_never_lowers_tokens_per_s(
    catalogs, calibrated, hbm, bw, flops, looser, ttft_ms, tpot_ms
) -> None:  # type: ignore[no-untyped-def]
    """Physics alone and with the fitted corrections (hardware, model and regime effects: the
    regime effect is non-decreasing in TPOT and 0 offline), over every GPU x model."""
    f = calibrate(catalogs).factors if calibrated else FACTORS
    target = Target(ttft_ms / 1e3, tpot_ms / 1e3)
    loose = Target(target.ttft_s * looser, target.tpot_s * looser)
    for g, m in _pairs(catalogs):
        gpu, model = catalogs.gpus.loc[g], catalogs.models.loc[m]
        for p in (default_precision(gpu, model),):
            base = _tps(gpu, model, target, p, f)
            bigger = gpu.copy()
            bigger["hbm_gb"] *= hbm
            bigger["hbm_tb_per_s"] *= bw
            for col in ("dense_fp4_tflops", "dense_fp8_tflops", "dense_bf16_tflops"):
                bigger[col] *= flops
            assert _tps(bigger, model, target, p, f) >= base * (1 - 1e-6), (g, m, p, "hardware")
            assert _tps(gpu, model, loose, p, f) >= base * (1 - 1e-6), (g, m, p, "target")
            assert _tps(gpu, model, OFFLINE, p, f) >= base * (1 - 1e-6) / f.server_ratio


def test_every_pair_positive_or_explained(catalogs) -> None:  # type: ignore[no-untyped-def]
    for g, m in _pairs(catalogs):
        r = roofline(catalogs.gpus.loc[g], catalogs.models.loc[m], "fp8", Workload(1000, 500), FACTORS)
        assert (r.tokens_per_s_per_gpu > 0) != bool(r.reason), (g, m)
        assert math.isfinite(r.tokens_per_s_per_gpu)
