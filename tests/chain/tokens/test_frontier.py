"""The throughput-interactivity frontier: hand-computed decode and prefill cases on a synthetic GPU
and model, monotone curves on the shipped catalogs, and the MLPerf points placed at their rate."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain.tokens import throughput as throughput_module
from planner.chain.tokens.calibration import Calibration
from planner.chain.tokens.frontier import TABLE_RATES, frontier, measured_points, throughput_curve
from planner.errors import InputError

# A GPU streaming 1 TB/s from 10 GB of HBM at 1 PFLOP/s fp8, two per scale-up domain; a 10 B
# parameter dense model with one tiny layer of attention (its KV reads and FLOPs are ~1e-4 of the
# weight read). fp8: weights W = 10 GB do not fit in 0.9 x 10 GB, so a replica is n = 2 GPUs.
GPU = {
    "hbm_gb": 10.0, "hbm_tb_per_s": 1.0, "dense_fp4_tflops": 0.0, "dense_fp8_tflops": 1000.0,
    "dense_bf16_tflops": 500.0, "scaleup_domain_gpus": 2, "scaleup_gb_per_s": 1000.0,
}  # fmt: skip
MODEL = {
    "architecture": "dense", "total_params_b": 10.0, "active_params_b": 10.0, "layers": 1,
    "hidden_size": 1, "attention_heads": 1, "kv_heads": 1, "head_dim": 1, "min_precision": "fp8",
    "serving_ttft_ms": 1000.0, "serving_tpot_ms": 40.0, "mlperf_model": "",
}  # fmt: skip
ONE_NODE = ("single_node",)
"""The colocated single-node replica alone (the hand cases below)."""
BENCH_COLUMNS = ["version", "submitter", "gpu_id", "model_id", "mlperf_model", "scenario", "n_gpu",
                 "tokens_per_s_per_gpu", "precision"]  # fmt: skip


def _catalogs(input_tokens: float, output_tokens: float) -> SimpleNamespace:
    model = dict(MODEL, typical_input_tokens=input_tokens, typical_output_tokens=output_tokens)
    return SimpleNamespace(
        gpus=pd.DataFrame([GPU], index=pd.Index(["X1"], name="gpu_id")),
        models=pd.DataFrame([model], index=pd.Index(["toy"], name="model_id")),
        benchmarks=pd.DataFrame(columns=BENCH_COLUMNS),
    )


@pytest.fixture
def ideal(monkeypatch):
    """Efficiencies 1 and no server/offline derating, so the roofline is the bare formula."""
    cal = Calibration(1.0, 1.0, 1.0, 1.0, {}, 0, 0, 0.0, 0.0, {})
    monkeypatch.setattr(throughput_module, "calibrate", lambda catalogs: cal)


def test_one_decode_step_by_hand(ideal):
    """I = 1, O = 20,000 tokens: one step reads the weights once, split over n = 2 GPUs:
    t_step = 10 GB / (2 x 1 TB/s) = 5 ms (the KV reads, 256 x 10,000 tokens x 2 B / 2 TB/s = 2.6 us,
    and the prefill share, 256 x 10 us / 20,000, are below 1e-3 of it), so each user gets
    1000 / 5 = 200 tokens/s;
    the batch is the per-GPU cap 128 x 2 = 256, so each GPU serves 256 x 200 / 2 = 25,600 tokens/s.
    A TPOT below 5 ms / 0.85 (headroom) = 5.88 ms (170 tokens/s per user) has no replica: the
    curve ends there."""
    sweep = frontier(_catalogs(1.0, 2e4), "toy", topologies=ONE_NODE)
    assert len(sweep) and (sweep["replica_gpus"] == 2).all() and (sweep["batch"] == 256).all()
    assert sweep["mean_interval_ms"].tolist() == pytest.approx([5.0] * len(sweep), rel=2e-3)
    assert sweep["tokens_per_s_per_gpu"].tolist() == pytest.approx([25_600] * len(sweep), rel=2e-3)
    assert sweep["tokens_per_s_per_user"].max() <= 1000 / (5.0 / 0.85)
    assert sweep["tokens_per_s_per_user"].max() > 150  # the sweep reaches close to the end
    assert (sweep["tpot_ms"] * sweep["tokens_per_s_per_user"]).tolist() == pytest.approx(
        [1000.0] * len(sweep)
    )


def test_one_prefill_by_hand(ideal):
    """I = O = 1000: one prefill takes t_pre = I x 2 N / (n R) = 1000 x 2e10 / (2 x 1e15) = 10 ms,
    B = 256 prefills spread over O = 1000 steps add 256 x 10 / 1000 = 2.56 ms to each 5 ms step:
    the user sees one token every 7.56 ms and each GPU serves 256 / 7.56 ms / 2 = 16,931 tokens/s."""
    sweep = frontier(_catalogs(1000.0, 1000.0), "toy", topologies=ONE_NODE)
    loose = sweep[sweep["tpot_ms"] >= 7.56 / 0.85]
    assert len(loose)
    assert loose["mean_interval_ms"].tolist() == pytest.approx([7.56] * len(loose), rel=2e-3)
    assert loose["tokens_per_s_per_gpu"].tolist() == pytest.approx([256 / 7.56e-3 / 2] * len(loose), rel=2e-3)
    # tighter targets cut the batch: interval(B) = 5 ms + B x 10 ms / 1000 <= 0.85 TPOT
    tight = sweep[sweep["tpot_ms"] < 7.56 / 0.85]
    for r in tight.itertuples():
        batch = (0.85 * r.tpot_ms - 5.0) / 0.01
        assert r.batch == pytest.approx(batch, rel=2e-3)
        assert r.tokens_per_s_per_gpu == pytest.approx(batch / (0.85 * r.tpot_ms * 1e-3) / 2, rel=2e-3)
    # with every topology allowed, a separate prefill pool keeps the decode batch at 256 there: the
    # decode replica 256 / 5 ms / 2 = 25,600 tokens/s per GPU, the prefill replica 1000 / 10 ms / 2 =
    # 50,000 input tokens/s per GPU, one input token per output token: 1 / (1/25,600 + 1/50,000)
    every = frontier(_catalogs(1000.0, 1000.0), "toy")
    split = every[(every["tpot_ms"] < 7.56 / 0.85) & (every["tpot_ms"] * 0.85 >= 5.0)]
    assert len(split) and (split["topology"] == "single_node+disaggregated").all()
    expected = [1 / (1 / 25_600 + 1 / 50_000)] * len(split)
    assert split["tokens_per_s_per_gpu"].tolist() == pytest.approx(expected, rel=2e-3)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_frontier_is_monotone_for_every_gpu_and_model(catalogs, data):
    """More tokens/s per user never gives more tokens/s per GPU (shipped catalogs)."""
    model = data.draw(st.sampled_from(list(catalogs.models.index)))
    gpu = data.draw(st.sampled_from(list(catalogs.gpus.index)))
    sweep = frontier(catalogs, model, [gpu]).sort_values("tokens_per_s_per_user")
    tps = sweep["tokens_per_s_per_gpu"].to_numpy()
    assert (tps[1:] <= tps[:-1] * (1 + 1e-9)).all(), (gpu, model)


def test_measured_points_sit_at_their_limits(catalogs):
    """llama-2-70b: server at 1000 / 200 ms = 5 tokens/s per user, interactive at 1000 / 40 ms = 25."""
    pts = measured_points(catalogs, "llama-2-70b", ["H200"])
    assert set(pts["scenario"]) == {"offline", "server", "interactive"}
    rate = pts.groupby("scenario")["tokens_per_s_per_user"].unique()
    assert list(rate["server"]) == [5.0] and list(rate["interactive"]) == [25.0]
    assert len(rate["offline"]) == 1 and rate["offline"][0] > 5.0


def test_curve_table_and_measured_vs_estimate(catalogs):
    curve = throughput_curve(catalogs, "llama-2-70b", ["H200", "B200"])
    assert list(curve.table.index) == ["H200", "B200"]
    assert [c for c in curve.table.columns if isinstance(c, float)] == list(TABLE_RATES)
    assert set(curve.points["precision"]) <= {"fp8", "fp4"}
    # B200 runs fp4: its fp8 MLPerf rows are left out of the comparison
    assert set(curve.points.loc[curve.points["gpu_id"] == "B200", "precision"]) == {"fp4"}
    m = curve.measured.set_index(["gpu_id", "scenario"])
    assert m.loc[("H200", "server"), "error"] == pytest.approx(
        m.loc[("H200", "server"), "estimate"] / m.loc[("H200", "server"), "measured"] - 1
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", None, None), "unknown model 'nope'"),
        (("llama-2-70b", ["H10"], None), "unknown GPU 'H10'. Did you mean 'H100'"),
        (("llama-2-70b", None, "fp6"), "unknown precision 'fp6'"),
        (("llama-3.1-405b", ["L40S"], None), "L40S can serve it at none of the swept targets"),
    ],
)
def test_bad_requests_are_input_errors(catalogs, args, message):
    with pytest.raises(InputError, match=message):
        throughput_curve(catalogs, *args)


def test_mlperf_results_are_compared_at_their_own_conditions(catalogs):
    """llama-3.1-8b: the curve holds the card's request and TTFT, MLPerf ran another request (the
    CNN/DailyMail mean shape) at its scenario's TTFT/TPOT limits. Each result is compared with the
    estimate at the benchmark's shape and its scenario's limits, the very estimate the calibration
    fits to that result (calibration.estimate), not with the card-shape estimate at those limits;
    an offline result sits at the per-user rate of that estimate."""
    from planner.chain.tokens.calibration import calibrate, estimate
    from planner.chain.tokens.frontier import mlperf_estimate
    from planner.chain.tokens.mlperf import MLPERF_LIMITS, MLPERF_WORKLOADS
    from planner.chain.tokens.throughput import throughput

    model = catalogs.models.loc["llama-3.1-8b"]
    curve = throughput_curve(catalogs, "llama-3.1-8b", ["H200", "B200"])
    assert (curve.shape.input_tokens, curve.shape.output_tokens) == (
        model["typical_input_tokens"],
        model["typical_output_tokens"],
    )
    assert curve.ttft_ms == model["serving_ttft_ms"] and curve.mlperf_shape == MLPERF_WORKLOADS["llama3.1-8b"]
    m = curve.measured
    assert set(m["scenario"]) >= {"offline", "server"}
    fitted = estimate(
        m.assign(model_id="llama-3.1-8b", workload="llama3.1-8b"), catalogs, calibrate(catalogs).factors
    )
    assert m["estimate"].tolist() == pytest.approx(list(fitted), rel=1e-12)
    for r in m.itertuples():
        card = throughput(r.gpu_id, "llama-3.1-8b", catalogs, estimate_only=True, precision=r.precision,
                          scenario=r.scenario).tokens_per_s_per_gpu  # fmt: skip
        assert abs(card / r.estimate - 1) > 0.05, r  # the card's request is another condition
        if r.scenario == "offline":
            assert r.ttft_ms == r.tpot_ms == float("inf")
            own = mlperf_estimate(catalogs, r.gpu_id, "llama-3.1-8b", r.precision, "offline")
            assert r.tokens_per_s_per_user == pytest.approx(own.tokens_per_s_per_user)
        else:
            limits = MLPERF_LIMITS["llama3.1-8b"][r.scenario]
            assert (r.ttft_ms, r.tpot_ms) == pytest.approx((limits.ttft_s * 1e3, limits.tpot_s * 1e3))
            assert r.tokens_per_s_per_user == pytest.approx(1 / limits.tpot_s)
