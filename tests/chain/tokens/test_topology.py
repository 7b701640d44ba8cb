"""Serving topologies and request shapes by hand: one EP decode step, one prefill/decode pair, one
MTP step, a prefix-hit prefill; the menu's checks; the DeepSeek production anchor."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planner.chain.tokens.calibration import calibrate
from planner.chain.tokens.corrections import Corrections
from planner.chain.tokens.mlperf import MLPERF_WORKLOADS, scenario_target, speculative_drafts
from planner.chain.tokens.roofline import (
    MAX_BATCH_PER_GPU,
    OFFLINE,
    TPOT_HEADROOM,
    Factors,
    Target,
    Workload,
    _replica,
    roofline,
)
from planner.chain.tokens.shape import ShapeOverride, request_shape
from planner.chain.tokens.throughput import throughput
from planner.chain.tokens.topology import NO_MTP, Menu, _Ep, _moe, card_mtp, check_menu, mlperf_plan
from planner.errors import InputError

UNIT = Factors(1.0, 1.0, 1.0, 1.0)
GPU = pd.Series(
    {"name": "X", "dense_fp4_tflops": 0.0, "dense_fp8_tflops": 1000.0, "dense_bf16_tflops": 500.0,
     "hbm_gb": 100.0, "hbm_tb_per_s": 1.0, "scaleup_domain_gpus": 2, "scaleup_gb_per_s": 100.0,
     "scaleout_gb_per_s": 10.0}
)  # fmt: skip
# MoE by hand: P_e = (5 - 3) / (4 - 2) = 1e9 per routed expert, P_s = 5 - 4 x 1 = 1e9 shared
MOE = pd.Series(
    {"architecture": "moe", "total_params_b": 5.0, "active_params_b": 3.0, "layers": 2, "moe_layers": 2,
     "hidden_size": 1000, "attention_heads": 8, "kv_heads": 1, "head_dim": 128, "experts": 4,
     "active_experts": 2}
)  # fmt: skip
DENSE = pd.Series(
    {"architecture": "dense", "total_params_b": 1.0, "active_params_b": 1.0, "layers": 1, "hidden_size": 1024,
     "attention_heads": 8, "kv_heads": 1, "head_dim": 128}
)  # fmt: skip
WL = Workload(100.0, 100.0)


def _ep_step_by_hand(b: float, out_gb_per_s: float) -> float:
    """4 GPUs (2 domains of 2), b sequences per GPU at fp8 (1 B weights), 1 TB/s, 1 PFLOP/s.
    c = 100 + 100 = 200, kv = 2 x 2 x 1 x 128 x 1 = 512 B, F_attn = 4 x 2 x 200 x 8 x 128.
    shared = max(1e9 / 1e12, 2 b 1e9 / 1e15); routed = max((4/4)(1 - 0.5^(4 b)) 1e9 / 1e12,
    2 b 2 1e9 / 1e15); attention = max(b 200 512 / 1e12, b F_attn / 1e15);
    a2a = 2 layers x b x 1000 x 2 experts x (1 + 2) B x max(0.25 / 100 GB/s, 0.5 / out) / 0.8 (the
    links' achieved share in the all-to-all) + 2 x 2 x 15 us."""
    shared = max(1e-3, 2 * b * 1e9 / 1e15)
    routed = max((1 - 0.5 ** (4 * b)) * 1e-3, 4 * b * 1e9 / 1e15)
    attention = max(b * 200 * 512 / 1e12, b * 4 * 2 * 200 * 8 * 128 / 1e15)
    compute = shared + routed + attention
    comm = 2 * b * 1000 * 2 * 3 * max(0.25 / 100e9, 0.5 / (out_gb_per_s * 1e9)) / 0.8 + 4 * 15e-6
    return min(compute + comm, max(compute + 1e-3, comm))  # UNIT factors: no per-step cost


@pytest.mark.parametrize("out_gb_per_s", [10.0, 0.01], ids=["after-compute", "overlapped"])
def test_one_ep_decode_step_by_hand(out_gb_per_s: float) -> None:
    gpu = GPU.copy()
    gpu["scaleout_gb_per_s"] = out_gb_per_s
    rep = _replica(gpu, MOE, "fp8", WL, UNIT)
    ep = _Ep(rep, _moe(rep), 4, NO_MTP)
    assert ep.weight_bytes() == pytest.approx(1e9 + 4 * 1e9 / 4)  # P_s + E P_e / n
    assert ep.max_batch() == MAX_BATCH_PER_GPU  # (90 GB - 2 GB) / (200 x 512 B) is far above
    assert ep.step_s(10) == pytest.approx(_ep_step_by_hand(10, out_gb_per_s), rel=1e-12)
    # a slow network: the two micro-batches hide the all-to-all (7.5 ms) behind compute, which then
    # pays the shared weights twice: max(2 ms + 1 ms, 7.56 ms)
    if out_gb_per_s < 1:
        assert ep.step_s(10) == pytest.approx(2 * 10 * 1000 * 2 * 3 * 0.5 / 1e7 / 0.8 + 60e-6, rel=1e-12)


def test_the_fitted_efficiency_does_not_speed_the_network_by_hand() -> None:
    """The calibrated efficiency e (fitted on single-node MLPerf results) divides compute and memory
    times, not the links': on a 10 MB/s network the EP step of 128 sequences per GPU (4 GPUs, 2
    domains, offline) is its all-to-all, comm = 2 x 128 x 1000 x 2 x 3 x 0.5 / 1e7 / 0.8 + 60 us,
    at e = 1 and at e = 2 alike; the colocated prefill of one request (I = 100) adds, per step and
    sequence, 128 (100 x a2a per token + 2 x 2 x 15 us + W_gpu / BW / e) / O, a2a per token =
    2 x 1000 x 2 x 3 x 0.5 / 1e7 / 0.8, W_gpu / BW = 2 GB / 1 TB/s."""
    gpu = GPU.copy()
    gpu["scaleout_gb_per_s"] = 0.01
    comm = 2 * 128 * 1000 * 2 * 3 * 0.5 / 1e7 / 0.8 + 60e-6
    per_token = 2 * 1000 * 2 * 3 * 0.5 / 1e7 / 0.8
    menu = Menu(("ep_multinode",))
    for e in (1.0, 2.0):
        f = Factors(1.0, 1.0, 1.0, 1.0, {}, Corrections(math.log(e)))
        r = roofline(gpu, MOE, "fp8", WL, f, OFFLINE, None, menu)
        interval = comm + 128 * (100 * per_token + 60e-6 + 2e-3 / e) / 100
        assert r.topology == "ep_multinode" and r.replica_gpus == 4 and r.batch == 4 * 128
        assert r.tpot_s == pytest.approx(interval, rel=1e-9)
        assert r.tokens_per_s_per_gpu == pytest.approx(128 / interval, rel=1e-9)


def test_one_prefill_decode_pair_by_hand() -> None:
    """Dense 1B model on one GPU, offline. Prefill pool: t_pre = 100 (2e9 / 1e15 + 4 x 50 x 8 x
    128 / 1e15), r_pre = 100 / t_pre input tokens/s; decode pool: B = 128 (the cap), t_step =
    max(1e9 / 1e12, 2 x 128 x 1e9 / 1e15) + 128 x 200 x 256 / 1e12, r_dec = 128 / t_step;
    tokens/s per GPU = 1 / (1 / r_dec + (I / O) / r_pre); TTFT = t_pre + I kv / BW_out."""
    gpu = GPU.copy()
    gpu["scaleup_domain_gpus"] = 1
    t_pre = 100 * (2e-6 + 4 * 50 * 8 * 128 / 1e15)
    r_pre, step = 100 / t_pre, 1e-3 + 128 * 200 * 256 / 1e12
    r_dec = 128 / step
    tps = 1 / (1 / r_dec + 1 / r_pre)
    rep = _replica(gpu, DENSE, "fp8", WL, UNIT)
    opts = {o.topology: o for o in Menu(("single_node", "disaggregated")).options(rep, OFFLINE)}
    pair = opts["single_node+disaggregated"]
    assert pair.tokens_per_s_per_gpu == pytest.approx(tps, rel=1e-12)
    assert pair.prefill_gpu_share == pytest.approx(tps / r_pre, rel=1e-12)  # GPU-s of prefill per token
    assert pair.prefill_s == pytest.approx(t_pre + 100 * 256 / 10e9, rel=1e-12)
    assert pair.interval_s == pytest.approx(step, rel=1e-12) and pair.batch == 128
    assert pair.prefill_replica_gpus == 1 and pair.prefill_topology == "single_node"
    # colocated, the same GPU interleaves the prefills: B / (t_step + B t_pre / O)
    assert opts["single_node"].tokens_per_s_per_gpu == pytest.approx(128 / (step + 128 * t_pre / 100))
    # offline the two are alike (1 GPU either way); at a 1.1 ms mean interval the colocated batch
    # shrinks to ~48 (each sequence's prefill share, 2 us a step, counts) while the decode pool keeps 128
    menu = Menu(("single_node", "disaggregated"))
    tight = roofline(gpu, DENSE, "fp8", WL, UNIT, Target(1.0, 1.1e-3 / TPOT_HEADROOM), None, menu)
    assert tight.topology == "single_node+disaggregated" and tight.batch == 128
    assert tight.tokens_per_s_per_gpu == pytest.approx(tps, rel=1e-12)


def test_one_mtp_step_by_hand() -> None:
    """One MTP module accepted at 0.8: q = 2 tokens verified, tau = 1.8 emitted a step, one draft
    layer on a 1-layer model (x 2). t_step(128, q = 2) = max(1e9 / 1e12, 2 x 256 x 1e9 / 1e15) +
    max(128 x 200 x 256 / 1e12, 256 x F_attn / 1e15), interval = 2 t_step / 1.8 + 128 t_pre / 100."""
    gpu = GPU.copy()
    gpu["scaleup_domain_gpus"] = 1
    model = DENSE.copy()
    model["mtp_modules"], model["mtp_acceptance"], model["mtp_params_b"] = 1, 0.8, 0.1
    mtp = card_mtp(model)
    assert mtp is not None and mtp.queries == 2 and mtp.tau == pytest.approx(1.8)
    f_attn = 4 * 1 * 200 * 8 * 128
    step = max(1e-3, 2 * 256 * 1e9 / 1e15) + max(128 * 200 * 256 / 1e12, 256 * f_attn / 1e15)
    t_pre = 100 * (2e-6 + 4 * 50 * 8 * 128 / 1e15)
    interval = 2 * step / 1.8 + 128 * t_pre / 100
    rep = _replica(gpu, model, "fp8", WL, UNIT)
    opts = {o.topology: o for o in Menu(("single_node", "mtp")).options(rep, OFFLINE)}
    assert opts["single_node+mtp"].interval_s == pytest.approx(interval, rel=1e-12)
    assert opts["single_node+mtp"].tokens_per_s_per_gpu == pytest.approx(128 / interval, rel=1e-12)
    assert card_mtp(DENSE) is None  # no MTP modules on the card: the option is not offered
    plain = _replica(gpu, DENSE, "fp8", WL, UNIT)
    assert {o.topology for o in Menu(("single_node", "mtp")).options(plain, OFFLINE)} == {"single_node"}


def test_prefix_hits_cut_prefill_by_hand() -> None:
    """Half the 100 input tokens hit the cache: 50 are computed, at a mean context of 100 (1 + 0.5)
    / 2 = 75, and the KV of the other 50 (50 x 256 B) is loaded over the 10 GB/s NIC."""
    gpu = GPU.copy()
    gpu["scaleup_domain_gpus"] = 1
    hit = roofline(gpu, DENSE, "fp8", Workload(100.0, 100.0, 0.5), UNIT)
    assert hit.ttft_s == pytest.approx(50 * (2e-6 + 4 * 75 * 8 * 128 / 1e15) + 50 * 256 / 10e9, rel=1e-12)
    cold = roofline(gpu, DENSE, "fp8", WL, UNIT)
    assert cold.ttft_s == pytest.approx(100 * (2e-6 + 4 * 50 * 8 * 128 / 1e15), rel=1e-12)
    assert hit.tokens_per_s_per_gpu > cold.tokens_per_s_per_gpu  # less prefill interleaved


def test_menu_checks_name_the_allowed_values() -> None:
    assert check_menu(["ep_domain", "mtp"]) == ("ep_domain", "mtp")
    with pytest.raises(InputError, match="unknown topology 'ep_rack'.*single_node, ep_domain"):
        check_menu(["ep_rack"])
    with pytest.raises(InputError, match="no parallelism"):
        check_menu(["disaggregated", "mtp"], "--topologies")
    with pytest.raises(InputError, match="twice"):
        check_menu(["single_node", "single_node"])


def test_request_shape_defaults_and_checks(catalogs) -> None:  # type: ignore[no-untyped-def]
    ds = catalogs.models.loc["deepseek-r1"]
    card, basis = request_shape(ds)
    assert (card.input_tokens, card.output_tokens, card.prefix_hit) == (800, 3900, 0.563)
    assert "open-infra-index" in basis
    assert request_shape(ds, mlperf=True)[0].prefix_hit == 0  # MLPerf requests share no prefix
    assert request_shape(ds, ShapeOverride(isl=3910, prefix_hit=0.1))[0] == Workload(3910, 3900, 0.1)
    with pytest.raises(InputError, match="--prefix-hit 1: allowed a share"):
        request_shape(ds, ShapeOverride(prefix_hit=1.0))
    with pytest.raises(InputError, match="--isl 0"):
        request_shape(ds, ShapeOverride(isl=0))


def test_mlperf_scenarios_stay_single_node_and_targets_choose(catalogs) -> None:  # type: ignore[no-untyped-def]
    server = throughput("H200", "deepseek-r1", catalogs, estimate_only=True, scenario="server")
    assert server.topology == "single_node" and server.prefix_hit == 0 and server.replica_gpus <= 8
    tp = throughput("H200", "deepseek-r1", catalogs, estimate_only=True)
    assert tp.topology.startswith("ep_") and tp.tokens_per_s_per_gpu > server.tokens_per_s_per_gpu * 0
    only = throughput("H200", "deepseek-r1", catalogs, estimate_only=True, topologies=["single_node"])
    assert only.topology == "single_node" and only.tokens_per_s_per_gpu <= tp.tokens_per_s_per_gpu
    # a dense model has no expert parallelism: the menu falls back on what applies
    dense = throughput("H200", "llama-3.1-70b", catalogs, estimate_only=True, topologies=["ep_domain"])
    assert dense.tokens_per_s_per_gpu == 0 and "topologies tried: ep_domain" in dense.note


# DeepSeek's production figure (open-infra-index day 6, 2025-03-01): 168B output tokens in 24 h on
# 226.75 nodes x 8 H800 on average = 1,072 output tokens/s per GPU, prefill and decode pools together,
# at 20-22 tokens/s per user. Their request shape: input / output = 608B / 168B = 3.62, and "the
# average kvcache length per output token was 4,989 tokens" = the decode context I + O (1 + CV^2)/2
# = I + O (CV = 1) -> O = 4,989 / 4.62 = 1,080, I = 3,910; 56.3% of input tokens hit the KV cache.
ANCHOR = 1_072.0
SERVICE = ShapeOverride(isl=3910, osl=1080, prefix_hit=0.563)
TARGET = Target(2.0, 0.048)  # p99 TPOT 48 ms: a mean interval <= 0.85 x 48 = 41 ms, >= 24 tokens/s per user


def test_deepseek_production_serving_needs_the_multinode_topologies(catalogs) -> None:  # type: ignore[no-untyped-def]
    """At DeepSeek's service shape and latency, H200 picks expert parallelism across nodes with
    disaggregated pools, and one 8-GPU node alone delivers well under half of what they give."""
    h200 = throughput("H200", "deepseek-r1", catalogs, estimate_only=True, target=TARGET, shape=SERVICE)
    assert h200.topology.startswith("ep_multinode") and "disaggregated" in h200.topology
    single = throughput(
        "H200",
        "deepseek-r1",
        catalogs,
        estimate_only=True,
        target=TARGET,
        shape=SERVICE,
        topologies=["single_node"],
    )
    assert single.tokens_per_s_per_gpu < 0.6 * ANCHOR < h200.tokens_per_s_per_gpu
    assert h200.tokens_per_s_per_gpu > 3 * single.tokens_per_s_per_gpu


@pytest.mark.xfail(
    strict=True,
    reason="issue 21 open: the physics fixes (network not sped by the fitted efficiency, DeepEP's "
    "all-to-all share, bf16 MLA attention, MTP in MLPerf v6.0 DeepSeek interactive) bring H200 "
    "from 2,318 to 1,636 tokens/s per GPU (+53%) and H800 to 1,588 (+48%) against DeepSeek's "
    "1,072; the rest is the fitted efficiency e = 1.29 (2026 MLPerf software, single node) applied "
    "to a 2025 production fleet, which no MLPerf row can test",
)
def test_deepseek_production_anchor_on_h200_and_h800(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Within +-40% of 1,072 tokens/s per GPU with the multi-node topologies allowed. H200 as the
    issue asks; and an H800 row (H100's compute and HBM, the same 400 Gb/s NIC per GPU, NVLink
    400 GB/s both ways = 200 per direction against H100's 450) for the like-for-like figure. Both
    rest on the physics of issue 21's fix: the fitted efficiency does not speed the network, the
    all-to-all runs at DeepEP's achieved share of the links, MLA attention computes in bf16
    (FlashMLA), and MLPerf v6.0's DeepSeek-R1 interactive results are fitted with the MTP decoding
    their rules allowed (so the fit no longer counts MTP's gain into the model's efficiency)."""
    h200 = throughput("H200", "deepseek-r1", catalogs, estimate_only=True, target=TARGET, shape=SERVICE)
    assert 0.6 * ANCHOR <= h200.tokens_per_s_per_gpu <= 1.4 * ANCHOR, h200
    h800 = catalogs.gpus.loc["H100"].copy()  # its name keeps the Hopper effects of the fit
    h800["scaleup_gb_per_s"] = 200.0
    shape = request_shape(catalogs.models.loc["deepseek-r1"], SERVICE)[0]
    f = calibrate(catalogs).factors
    est = roofline(h800, catalogs.models.loc["deepseek-r1"], "fp8", shape, f, TARGET, "deepseek-r1", Menu())
    assert 0.6 * ANCHOR <= est.tokens_per_s_per_gpu <= 1.4 * ANCHOR, est


def test_mlperf_rules_allow_mtp_for_deepseek_interactive_from_v6(catalogs) -> None:  # type: ignore[no-untyped-def]
    """MLPerf v6.0's rules let DeepSeek-R1 Interactive decode with its MTP head chained to 3 drafts
    (EAGLE-style): the calibration estimates those results with that option, q = 4 tokens verified,
    tau = 1 + a + a^2 + a^3 emitted (a = 0.85, the card's), one 14B module held; not before v6.0,
    not the server scenario, not gpt-oss-120b (its rule came after v6.0)."""
    assert speculative_drafts("deepseek-r1", "interactive", "v6.0") == 3
    assert speculative_drafts("deepseek-r1", "interactive", "v5.1") == 0
    assert speculative_drafts("deepseek-r1", "server", "v6.0") == 0
    assert speculative_drafts("gpt-oss-120b", "interactive", "v6.0") == 0
    assert mlperf_plan("deepseek-r1", "server", "v6.0") is None
    plan = mlperf_plan("deepseek-r1", "interactive", "v6.0")
    assert plan == Menu(("single_node", "mtp"), 3)
    mtp = card_mtp(catalogs.models.loc["deepseek-r1"], 3)
    assert mtp is not None and (mtp.queries, mtp.modules) == (4, 1)
    assert mtp.tau == pytest.approx(1 + 0.85 + 0.85**2 + 0.85**3)
    assert mtp.weight_factor == pytest.approx(1 + 14 / 671)
    gpu, ds = catalogs.gpus.loc["GB200"], catalogs.models.loc["deepseek-r1"]
    wl = MLPERF_WORKLOADS["deepseek-r1"]
    target = scenario_target("deepseek-r1", "interactive")
    plain = roofline(gpu, ds, "fp4", wl, UNIT, target, "deepseek-r1")
    spec = roofline(gpu, ds, "fp4", wl, UNIT, target, "deepseek-r1", plan)
    assert spec.topology == "single_node+mtp" and spec.tokens_per_s_per_gpu > plain.tokens_per_s_per_gpu
