"""Weight GEMMs of a decode step (shared + routed-expert rooflines) and weight-only quantisation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain import physics
from planner.chain.tokens.linear import LinearSplit, linear_split
from planner.chain.tokens.roofline import compute_precision
from planner.chain.tokens.throughput import throughput

TOY = LinearSplit(shared_params=1e9, shared_active=1e9, expert_params=1e8, experts=16, active_experts=2)
"""1 B shared parameters, 16 experts of 0.1 B, 2 per token."""


def test_moe_step_is_the_sum_of_the_shared_and_the_expert_roofline():
    # 1 B/param, 1 TB/s, 100 TFLOP/s, B = 64 tokens:
    # shared GEMMs: max(1e9/1e12, 2*64*1e9/1e14) = max(1.0 ms, 1.28 ms) = 1.28 ms (compute-bound)
    # experts: 16 (1 - (14/16)^64) = 15.9988 touched -> 1.59988 ms of reads vs 2*64*2*1e8/1e14 = 0.256 ms
    touched = 16 * (1 - (14 / 16) ** 64)
    assert TOY.touched(64) == pytest.approx(touched)
    assert TOY.step_s(64, 1.0, 1e12, 1e14) == pytest.approx(1.28e-3 + touched * 1e8 / 1e12)
    # one max over the summed bytes and FLOPs would give max(2.6 ms, 1.536 ms): less than the sum
    assert TOY.step_s(64, 1.0, 1e12, 1e14) > max(TOY.read_bytes(1.0, 64) / 1e12, 2 * 64 * 1.2e9 / 1e14)


def test_dense_step_is_one_roofline(catalogs):
    dense = linear_split(catalogs.models.loc["llama-3.1-70b"])
    assert dense.expert_params == 0 and dense.touched(100) == 0
    w, f = dense.shared_params, dense.shared_active
    assert dense.step_s(256, 0.5, 8e12, 2e15) == pytest.approx(max(w * 0.5 / 8e12, 2 * 256 * f / 2e15))


def test_split_of_the_cards_adds_up(catalogs):
    # shared + E experts = N_total and shared + k experts = N_active, e.g. DeepSeek-R1 671 B / 37 B
    for m in ("deepseek-r1", "gpt-oss-120b", "mixtral-8x7b", "qwen3-235b-a22b"):
        card, s = catalogs.models.loc[m], linear_split(catalogs.models.loc[m])
        assert s.shared_params + s.experts * s.expert_params == pytest.approx(card["total_params_b"] * 1e9)
        assert s.shared_params + s.active_experts * s.expert_params == pytest.approx(
            card["active_params_b"] * 1e9
        )


RATES = st.tuples(st.floats(1, 4096), st.floats(1e11, 1e13), st.floats(1e13, 1e16))
"""(batch [-], replica HBM bandwidth [B/s], replica FLOP/s)."""


@settings(max_examples=60, deadline=None)
@given(rates=RATES, grow=st.floats(1.0, 4.0))
def test_step_grows_with_batch_and_shrinks_with_bandwidth_and_flops(rates, grow):
    b, bw, r = rates
    t = TOY.step_s(b, 0.5, bw, r)
    assert TOY.step_s(b * grow, 0.5, bw, r) >= t * (1 - 1e-12)
    assert TOY.step_s(b, 0.5, bw * grow, r) <= t * (1 + 1e-12)
    assert TOY.step_s(b, 0.5, bw, r * grow) <= t * (1 + 1e-12)


def test_fp4_weights_without_fp4_units_are_weight_only(catalogs):
    h100, b200 = catalogs.gpus.loc["H100"], catalogs.gpus.loc["B200"]
    assert compute_precision(h100, "fp4") == "bf16" and compute_precision(b200, "fp4") == "fp4"
    assert compute_precision(h100, "fp8") == "fp8"
    # DeepSeek-R1 at fp8 (671 GB) does not fit 8 x 80 GB x 0.9; its fp4 weights (336 GB) do, computed at bf16
    fp8 = throughput("H100", "deepseek-r1", catalogs, estimate_only=True, precision="fp8", scenario="offline")
    fp4 = throughput("H100", "deepseek-r1", catalogs, estimate_only=True, precision="fp4", scenario="offline")
    assert fp8.tokens_per_s_per_gpu == 0 and "672 GB at fp8" in fp8.note
    assert fp4.tokens_per_s_per_gpu > 0 and fp4.precision == "fp4"
    assert fp4.flop_per_s_per_gpu == physics.gpu_flop_per_s(h100, "bf16")
