"""Roofline estimate of generated tokens/s per GPU for a GPU x served-model pair.

Estimate (design section 5), per replica of n GPUs, SI units
    F_lin  = 2 N_active                       FLOP/token in weight GEMMs
    F_attn = 4 L c d_attn                     FLOP/token in QK^T and AV (Kaplan et al. 2020 count
                                              2 n_layer n_ctx d_attn for the logits; AV doubles it)
    c      = I + O (1 + CV^2)/2               mean context attended while decoding [tokens]: the
                                              mean over the batch's slots, each request holding a
                                              slot for its O steps (length-biased, CV = output
                                              length std / mean, OUTPUT_LENGTH_CV)
    W      = N_total b(p)                     weight bytes; b = 0.5 / 1 / 2 B for fp4 / fp8 / bf16
    kv     = 2 L h_kv d_head b_kv             KV bytes/token (MLA: L x override); b_kv = 1 (fp8 cache)
                                              for fp8/fp4 models, 2 for bf16
    n      = the power of two <= scale-up domain, among those with n HBM u >= W + B_min c kv, that
             gives the most tokens/s per GPU (infeasible, 0 tokens/s, if none holds the weights and
             B_min sequences, or none meets the latency target)
    B      = the largest batch in [1, B_max], B_max = min(MAX_BATCH_PER_GPU n, (n HBM u - W) / (c kv)),
             whose decode interval t_step(B) + B t_pre / O stays within TPOT_HEADROOM x TPOT; the
             replica qualifies only if t_pre <= TTFT_HEADROOM x TTFT (queueing takes the rest)
    t_step = t_0                                                       per-step cost, any batch
           + t_lin(B)                                                  weight GEMMs (MoE: shared +
                                                                       routed, linear.py)
           + max(B c kv/(n BW eta_bw), B F_attn/(n R_a))              attention (KV reads)
           + B t_link                                                  tensor-parallel all-reduce
    t_0    = a + b L + m L [MoE]                                       kernel launches, collective
                                                                       latency, sampling and
                                                                       scheduling (a, b), expert
                                                                       dispatch and combine (m):
                                                                       :class:`StepCost`, fitted
    t_pre  = I (F_lin/R_p + F_attn(I/2)/R_a)/n + I t_link              prefill of one request
    tokens/s/GPU = B O / (O t_step + B t_pre) / n                      (B requests: O decode steps
                                                                       plus B prefills, serialised)
    t_lin  = max(W/(n BW eta_bw), B F_lin/(n R_p)) for a dense model; for MoE the sum of the
             shared GEMMs' roofline and the routed experts' (E (1 - (1 - k/E)^B) experts touched,
             B k / E tokens each): :mod:`planner.chain.tokens.linear`
    R_p = eta_c x dense FLOP/s at the weight precision (eta_fp4 for fp4); weights narrower than
    the GPU's units (fp4 on Hopper or CDNA 3) are read at their width and computed at bf16
    (weight-only quantisation, :func:`compute_precision`). R_a = eta_c x FLOP/s at fp8 (bf16 for
    bf16 models); t_link = 4 L d b_act (n-1)/n / link bandwidth.
    Latency-bounded serving (a finite target: MLPerf server or interactive, or a production
    target): x the median measured server/offline ratio of the model's MLPerf benchmark (of all
    benchmarks for a model without one), the throughput Poisson arrivals and p99 limits cost; a
    measured ratio, not a fitted factor. Offline = no target (TTFT = TPOT = infinity).
    Calibrated estimates carry the fitted corrections of :mod:`planner.chain.tokens.corrections`:
    the efficiency e = exp(mu + a_vendor + a_family + b_model) of the configuration and the
    regime effect c(TPOT) <= 0 (their server ratio is 1: c replaces it). A configuration at
    efficiency e runs each step in t_step / e and each prefill in t_pre / e, so the batch and the
    replica are those that meet the target with the real times, and tokens/s is e x the roofline
    at them, or e x the roofline at the target x exp(c(TPOT)) if that is lower:
        B     = the largest batch with (t_step(B) + B t_pre / O) / e <= TPOT_HEADROOM x TPOT,
                and t_pre / e <= TTFT_HEADROOM x TTFT (= the batch above at e TPOT, e TTFT)
        tokens/s/GPU = e min(B O / (O t_step + B t_pre) / n, phys(target) exp(c(TPOT)))
    Network times of the other topologies (expert all-to-all, KV transfer, prefix loads) are not
    divided by e: e is fitted on single-node results, which have none (:mod:`.topology`); so
    phys(target) there is the roofline with its network times x e, and e x phys keeps them real.
    phys(target) = the same roofline at e = 1 (a target it misses is infeasible: no reference for
    c, and e > 1 gains no batch, as in the fit). The stretch (the first term's fall below phys) and
    c are two costs of the latency limit beyond the roofline's own batch, so the larger applies
    and neither is counted twice (issue 10). Offline (no limit) B = B_max whatever e, and this is
    e x the roofline. Under a limit an e < 1 also shrinks B, so tokens/s falls by more than e
    (:mod:`planner.chain.tokens.stretch`).
    ``tpot_s`` and ``ttft_s`` report the real times, interval / e and t_pre / e.
    Every rate is non-decreasing in HBM size, HBM bandwidth, FLOP/s and the latency target: B/t_step
    grows with B, the batch bound only loosens, n is chosen as the best replica, and e depends on
    the GPU's vendor and family, never on its figures.
    eta_c, eta_bw, eta_fp4 are fitted on the MLPerf pairs by
    :func:`planner.chain.tokens.calibration.calibrate`.

Pure functions of catalog rows; no catalog access and no fitting here, so both
:mod:`planner.chain.tokens.throughput` and :mod:`planner.chain.tokens.calibration` build on this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from planner.chain import physics
from planner.chain.constants import BYTES_PER_PARAM
from planner.chain.tokens.corrections import Corrections
from planner.chain.tokens.fields import row_float
from planner.chain.tokens.linear import LinearSplit, linear_split
from planner.chain.tokens.links import domain_gpus, scaleout_bytes_per_s, scaleup_bytes_per_s
from planner.chain.tokens.option import Option, Plan

HBM_USABLE_SHARE = 0.90
"""Share of HBM a serving engine gives to weights + KV cache [-] (vLLM's default 0.90)."""
MIN_BATCH = 8
"""Sequences whose KV cache a replica must hold besides its weights to be feasible [-]."""
TPOT_HEADROOM = 0.85
"""Share of a p99 TPOT limit the mean decode interval may use (p99/mean of steps with chunked
prefill ~1.1-1.2; estimate) [-]."""
TTFT_HEADROOM = 0.5
"""Share of a p99 TTFT limit one prefill may take; the rest is queueing (M/D/1 p99 wait at ~50%
load is about one service time; estimate) [-]."""
MAX_BATCH_PER_GPU = 128
"""Cap on concurrent sequences per GPU of a replica [-]. Estimate, not a scheduler limit:
MLPerf submitters configure far more (NVIDIA gpu_batch_size, TensorRT-LLM: Llama-2-70B 2,048
per GPU offline on H200 and B200, v5.0; server 896 on H200, 512 per GPU on H100 TP2, v4.1,
2,048 on B200, interactive 768 on B200, v5.1; DeepSeek-R1 server gpu_batch_size 512 at TP 8
with attention data parallel, max_concurrency 5,120 on 8 B200, v5.1. AMD vLLM max_num_seqs:
Llama-2-70B offline 1,792 on MI300X, Mixtral server 2,560 on MI325X, v5.1). Those caps rarely
bind at the latency limits (Little's law: B <= tokens/s x TPOT, e.g. ~150 per GPU for
DeepSeek-R1 server on B200). 128 is kept because the roofline's step at large batches is too
fast for the measured rates: with 2,048 per GPU (or per replica) and the KV limit the fit's
leave-one-out errors all get worse (docs/benchmarks.md, issue 10: the two levers)."""
STEP_COST_PRIOR_PER_LAYER_S = 30e-6
"""Prior estimate of the per-layer step cost b [s], the fit's starting point
(:data:`planner.chain.tokens.calibration.STEP_GRID`): about ten kernels a layer at ~2 us each when
replayed from a CUDA graph, plus two collectives at ~5 us (NCCL or a custom all-reduce over
NVLink, small messages)."""
OUTPUT_LENGTH_CV = 1.0
"""Coefficient of variation of output lengths [-] (estimate: a stop token emitted with about the
same chance at every step gives geometric lengths, CV ~ 1; MLPerf's datasets cap the longest)."""
ACTIVATION_BYTES = 2.0
"""Bytes per activation element exchanged between the GPUs of a replica (bf16) [B]."""


@dataclass(frozen=True)
class Workload:
    """Mean request shape of a served workload: input (ISL) and output (OSL) tokens per request
    [tokens], and the share of input tokens served from a prefix / KV cache, h [-] (their KV is
    loaded, not computed: :meth:`_Replica.prefill_s`); MLPerf's workloads have h = 0."""

    input_tokens: float
    output_tokens: float
    prefix_hit: float = 0.0


@dataclass(frozen=True)
class Target:
    """Latency target of a served model: p99 time to first token and p99 time per output token [s];
    infinity = unbounded (MLPerf offline). Tokens/s per user = 1 / TPOT."""

    ttft_s: float = math.inf
    tpot_s: float = math.inf

    @property
    def bounded(self) -> bool:
        """True when either limit is finite (latency-bounded serving)."""
        return math.isfinite(self.ttft_s) or math.isfinite(self.tpot_s)

    def scaled(self, factor: float) -> Target:
        """Both limits x ``factor`` [s] (infinity stays infinity): the target a step of t meets iff a
        step of t / factor meets this one."""
        return Target(self.ttft_s * factor, self.tpot_s * factor)

    def label(self) -> str:
        """``TTFT 450 ms / TPOT 40 ms`` or ``offline (no latency limit)``."""
        if not self.bounded:
            return "offline (no latency limit)"
        return f"TTFT {self.ttft_s * 1e3:g} ms / TPOT {self.tpot_s * 1e3:g} ms"


OFFLINE = Target()
"""No latency limit (MLPerf offline)."""


@dataclass(frozen=True)
class StepCost:
    """Time every decode step takes whatever its batch, t_0 = a + b L + m L [MoE] [s]: a per step
    (sampling, scheduling, host-device sync), b per layer (kernel launches replayed from a CUDA
    graph, the small-message latency of the tensor-parallel collectives), m per layer of a MoE
    model (expert routing, token permutation, dispatch and combine; every layer of a MoE card is
    counted: DeepSeek-R1 has 58 MoE layers of 61). Added to the step's bytes and FLOPs, so it
    bounds the fastest rate per user, 1 / (t_0 + t(B = 1)), and weighs on small batches only.
    Fitted on the MLPerf interactive pairs (:func:`planner.chain.tokens.calibration.fit_effects`);
    zero = the bare roofline."""

    per_step_s: float = 0.0
    per_layer_s: float = 0.0
    per_moe_layer_s: float = 0.0

    def seconds(self, model: Mapping[str, Any]) -> float:
        """t_0 of one decode step of ``model`` [s]."""
        layers = row_float(model, "layers")
        moe = str(model.get("architecture", "dense")) == "moe"
        return self.per_step_s + layers * (self.per_layer_s + (self.per_moe_layer_s if moe else 0.0))

    def label(self) -> str:
        """``a 0 us + b 30 us x L + m 0 us x L_moe``."""
        return (
            f"a {self.per_step_s * 1e6:g} us + b {self.per_layer_s * 1e6:g} us x L"
            f" + m {self.per_moe_layer_s * 1e6:g} us x L_moe"
        )


@dataclass(frozen=True)
class Factors:
    """Efficiencies of the roofline: achieved share of peak FLOP/s (eta_c; eta_fp4 for fp4 GEMMs)
    and of peak HBM bandwidth (eta_bw), the server/offline throughput ratio applied to bounded
    targets [-], the fitted hardware, model and regime corrections (none = physics only) and the
    per-step cost (:class:`StepCost`; default none)."""

    eta_c: float
    eta_bw: float
    eta_fp4: float
    server_ratio: float
    server_ratio_by_workload: Mapping[str, float] = field(default_factory=dict)
    corrections: Corrections | None = None
    step: StepCost = field(default_factory=StepCost)

    def server(self, workload: str | None) -> float:
        """Server/offline ratio of an MLPerf workload, else the median over all pairs [-]."""
        r = self.server_ratio_by_workload.get(str(workload), float("nan"))
        return self.server_ratio if math.isnan(r) else r


@dataclass(frozen=True)
class Roofline:
    """Result of :func:`roofline`: tokens/s per GPU, replica size, batch, and the reason if 0;
    ``precision`` is the weights', ``flop_per_s_per_gpu`` the dense peak they are computed at."""

    tokens_per_s_per_gpu: float
    replica_gpus: int
    batch: float
    flop_per_token: float
    flop_per_s_per_gpu: float
    precision: str
    reason: str = ""
    tpot_s: float = float("nan")
    ttft_s: float = float("nan")
    topology: str = ""
    prefill_gpu_share: float = 0.0
    prefill_replica_gpus: int = 0
    prefill_topology: str = ""

    @property
    def tokens_per_s_per_user(self) -> float:
        """Generated tokens/s one user sees, 1 / TPOT [tokens/s]."""
        return 1.0 / self.tpot_s if self.tpot_s > 0 else float("nan")


def decode_context(workload: Workload, cv: float = OUTPUT_LENGTH_CV) -> float:
    """Mean context a decode step attends per sequence, c = I + O (1 + CV^2) / 2 [tokens].

    Under continuous batching a request holds a batch slot for its O decode steps, so slots
    sample requests in proportion to O (length-biased) and, within one, the position uniformly:
    c = I + E[O^2] / (2 E[O]) = I + E[O] (1 + CV^2) / 2 (I independent of O). CV = 0 (all
    outputs alike) gives the request mean I + O/2."""
    return workload.input_tokens + workload.output_tokens * (1.0 + cv * cv) / 2.0


def attention_flop_per_token(model: Mapping[str, Any], context_tokens: float) -> float:
    """Attention FLOP per token F_attn = 4 L c d_attn [FLOP]; d_attn = heads x head_dim, or
    heads x latent width for MLA (the KV override read as 2-byte elements)."""
    override = row_float(model, "kv_cache_bytes_per_token_per_layer_override")
    width = override / 2.0 if override > 0 else row_float(model, "head_dim")
    return 4.0 * row_float(model, "layers") * context_tokens * row_float(model, "attention_heads") * width


def flop_per_token(model: Mapping[str, Any], context_tokens: float) -> float:
    """FLOP per generated token F = 2 N_active + 4 L c d_attn [FLOP] at a context of c tokens."""
    return 2e9 * row_float(model, "active_params_b") + attention_flop_per_token(model, context_tokens)


def kv_bytes_per_token(model: Mapping[str, Any], precision: str) -> float:
    """KV-cache bytes per token kv = 2 L h_kv d_head b_kv, or L x MLA override x b_kv/2 [B]."""
    b_kv = 2.0 if precision == "bf16" else 1.0
    override = row_float(model, "kv_cache_bytes_per_token_per_layer_override")
    if override > 0:
        return row_float(model, "layers") * override * b_kv / 2.0
    return (
        2.0 * row_float(model, "layers") * row_float(model, "kv_heads") * row_float(model, "head_dim") * b_kv
    )


def weights_read_bytes(model: Mapping[str, Any], bytes_per_param: float, batch: float) -> float:
    """Weight bytes one decode step of ``batch`` tokens streams: all of them for a dense model;
    for MoE the shared part plus the expected share of experts touched, 1 - (1 - k/E)^B [B]
    (:class:`planner.chain.tokens.linear.LinearSplit`)."""
    return linear_split(model).read_bytes(bytes_per_param, batch)


@dataclass(frozen=True)
class _Replica:
    """Rates and sizes of one GPU x served model at one precision, per GPU (SI units; symbols as
    in the module docstring)."""

    gpu: Any
    model: Any
    i_tok: float  # I: input tokens per request
    o_tok: float  # O: output tokens per request
    ctx: float  # c = I + O (1 + CV^2) / 2: mean context attended while decoding [tokens]
    f_lin: float  # F_lin: FLOP/token in weight GEMMs
    f_attn: float  # F_attn at context c [FLOP/token]
    r_p: float  # R_p: achieved FLOP/s at the weight precision
    r_a: float  # R_a: achieved FLOP/s of attention
    b_w: float  # b(p): bytes per weight [B]
    w_bytes: float  # W: weight bytes [B]
    kv: float  # KV-cache bytes per token [B]
    hbm: float  # usable HBM [B]
    bw: float  # achieved HBM bandwidth [B/s]
    lin: LinearSplit  # weight GEMMs split into shared and routed-expert parameters
    t_link: float  # 4 L d b_act / link bandwidth: all-reduce time per token on many GPUs [s]
    fixed_s: float  # t_0 = a + b L + m L [MoE]: per-step cost whatever the batch [s]
    pre_tok: float  # F_lin/R_p + F_attn(I (1 + h)/2)/R_a: prefill compute per new token on one GPU [s]
    moe: bool  # architecture: moe (no closed-form batch)
    layers: float = 0.0  # L: transformer layers [-]
    up_bw: float = 0.0  # scale-up link bandwidth per GPU and direction [B/s]
    out_bw: float = 0.0  # scale-out (NIC) bandwidth per GPU and direction [B/s]
    domain: int = 1  # GPUs of one scale-up domain [-]
    new_tok: float = 0.0  # (1 - h) I: input tokens a prefill computes (h = prefix hit share)
    hit_s: float = 0.0  # h I kv / BW_net: loading the hit tokens' KV over one GPU's NIC [s]
    net_scale: float = 1.0  # e: network times in the frame where the efficiency e divides the rest

    def link_s_per_token(self, n: int) -> float:
        """Tensor-parallel all-reduce time per token, t_link (n-1)/n [s]."""
        return self.t_link * (n - 1) / n

    def prefill_s(self, n: int) -> float:
        """Prefill of one request on the replica [s]:
        t_pre = I' (F_lin/R_p + F_attn(I (1 + h)/2)/R_a)/n + I' t_link + h I kv/(n BW_net), with
        I' = (1 - h) I the input tokens not served from the prefix cache: they attend the whole
        prefix, a mean context of (h I + I)/2; the hit tokens' KV (h I kv bytes) is loaded from
        the cache tier over the replica's n NICs (a network time: x ``net_scale``, :func:`roofline`).
        h = 0: I (F_lin/R_p + F_attn(I/2)/R_a)/n + I t_link."""
        hits = self.hit_s * self.net_scale / n
        return self.new_tok * self.pre_tok / n + self.new_tok * self.link_s_per_token(n) + hits

    def max_batch(self, n: int) -> float:
        """B_max = min(MAX_BATCH_PER_GPU n, (n HBM u - W) / (c kv)) concurrent sequences [-]."""
        return min(MAX_BATCH_PER_GPU * n, (n * self.hbm - self.w_bytes) / (self.ctx * self.kv))

    def step_s(self, n: int, batch: float, queries: float = 1.0) -> float:
        """One decode step of ``batch`` sequences, t_step (module docstring) [s]. With ``queries``
        q > 1 tokens per sequence (a speculative verify step, :mod:`planner.chain.tokens.topology`)
        the GEMMs, attention FLOPs and all-reduce see B q tokens; the KV cache is read once."""
        tokens = batch * queries
        weights = self.lin.step_s(tokens, self.b_w, n * self.bw, n * self.r_p)
        attention = max(batch * self.ctx * self.kv / (n * self.bw), tokens * self.f_attn / (n * self.r_a))
        return self.fixed_s + weights + attention + tokens * self.link_s_per_token(n)

    def interval_s(self, n: int, batch: float) -> float:
        """Mean time between a user's tokens with prefills interleaved, t_step(B) + B t_pre / O [s]."""
        return self.step_s(n, batch) + batch * self.prefill_s(n) / self.o_tok

    def tokens_per_s(self, n: int, batch: float) -> float:
        """Generated tokens/s per GPU, B / (t_step + B t_pre / O) / n [tokens/s]."""
        return batch / self.interval_s(n, batch) / n

    def batch_for(self, n: int, target: Target) -> float:
        """Largest B in [1, B_max] with interval_s(B) <= TPOT_HEADROOM x TPOT (bisection; the interval
        grows with B); 0 when even B = 1 misses the target or the prefill misses TTFT_HEADROOM x TTFT."""
        b_max = self.max_batch(n)
        if b_max < 1.0 or self.prefill_s(n) > TTFT_HEADROOM * target.ttft_s:
            return 0.0
        limit = TPOT_HEADROOM * target.tpot_s
        if self.interval_s(n, b_max) <= limit:
            return b_max
        if self.interval_s(n, 1.0) > limit:
            return 0.0
        if not self.moe:
            return self._dense_batch(n, limit)
        lo, hi = 1.0, b_max
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.interval_s(n, mid) <= limit else (lo, mid)
        return lo

    def _dense_batch(self, n: int, limit: float) -> float:
        """Closed form of :meth:`batch_for` for a dense model, whose interval is piecewise linear,
        interval(B) = t_0 + max(A, a1 B) + a2 B, t_0 = the per-step cost, A = W/(n BW),
        a1 = F_lin/(n R_p), a2 = the rest per sequence (prefill share included):
        B = (limit - t_0 - A)/a2 while a1 B <= A, else (limit - t_0)/(a1 + a2) [-]."""
        big_a, a1 = self.w_bytes / (n * self.bw), self.f_lin / (n * self.r_p)
        a2 = self._per_seq_s(n)
        room = limit - self.fixed_s
        b = (room - big_a) / a2
        return b if a1 * b <= big_a else room / (a1 + a2)

    def _per_seq_s(self, n: int) -> float:
        """Interval per sequence besides the weight GEMMs: attention, all-reduce, prefill share [s]."""
        attention = max(self.ctx * self.kv / (n * self.bw), self.f_attn / (n * self.r_a))
        return attention + self.link_s_per_token(n) + self.prefill_s(n) / self.o_tok


def compute_precision(gpu: Any, weights: str) -> str:
    """Precision the weight GEMMs run at for weights stored at ``weights``: the weights' own where
    the GPU has units for it, else bf16 (weight-only quantisation: the weights are read at their
    width and dequantised to bf16 in the GEMM, as vLLM's Marlin kernels run fp4 weights on GPUs
    without fp4 units, "Weight-only FP4 compression will be used", vllm
    model_executor/layers/quantization/utils/marlin_utils_fp4.py, 2025)."""
    w = physics.effective_precision(gpu, weights)
    return w if w == weights else physics.effective_precision(gpu, "bf16")


def _replica(gpu: Any, model: Any, w: str, workload: Workload, factors: Factors) -> _Replica:
    """The :class:`_Replica` of ``gpu`` x ``model`` with weights stored at ``w``, computed at
    p = :func:`compute_precision`: R_p = eta x FLOP/s at p (eta_fp4 for fp4, else eta_c),
    R_a = eta_c x FLOP/s at fp8 (bf16 for bf16 weights; the card's ``attention_precision`` if
    given), W = N_total b(w), kv at b_kv(w),
    HBM usable = u x HBM, bandwidth = eta_bw x HBM TB/s."""
    i_tok, o_tok, hit = workload.input_tokens, workload.output_tokens, workload.prefix_hit
    ctx = decode_context(workload)
    b_w = BYTES_PER_PARAM[w]
    p = compute_precision(gpu, w)
    card = str(model.get("attention_precision") or "").lower()
    attn = card if card in ("fp8", "bf16") else "bf16" if w == "bf16" else "fp8"
    attn = physics.effective_precision(gpu, attn)
    r_p = physics.gpu_flop_per_s(gpu, p) * (factors.eta_fp4 if p == "fp4" else factors.eta_c)
    r_a = physics.gpu_flop_per_s(gpu, attn) * factors.eta_c
    f_lin = 2e9 * row_float(model, "active_params_b")
    link = 4.0 * row_float(model, "layers") * row_float(model, "hidden_size") * ACTIVATION_BYTES
    up, out = scaleup_bytes_per_s(gpu), scaleout_bytes_per_s(gpu)
    return _Replica(
        gpu=gpu,
        model=model,
        i_tok=i_tok,
        o_tok=o_tok,
        ctx=ctx,
        f_lin=f_lin,
        f_attn=attention_flop_per_token(model, ctx),
        r_p=r_p,
        r_a=r_a,
        b_w=b_w,
        w_bytes=row_float(model, "total_params_b") * 1e9 * b_w,
        kv=kv_bytes_per_token(model, w),
        hbm=row_float(gpu, "hbm_gb") * 1e9 * HBM_USABLE_SHARE,
        bw=row_float(gpu, "hbm_tb_per_s") * 1e12 * factors.eta_bw,
        lin=linear_split(model),
        t_link=link / up,
        fixed_s=factors.step.seconds(model),
        pre_tok=f_lin / r_p + attention_flop_per_token(model, i_tok * (1.0 + hit) / 2.0) / r_a,
        moe=str(model.get("architecture", "dense")) == "moe",
        layers=row_float(model, "layers"),
        up_bw=up,
        out_bw=out,
        domain=domain_gpus(gpu),
        new_tok=(1.0 - hit) * i_tok,
        hit_s=hit * i_tok * kv_bytes_per_token(model, w) / out,
    )


class SingleNode:
    """Today's replica: tensor parallel over n GPUs of one scale-up domain (an 8-GPU node, or up to
    64 of an NVL72 rack), n the power of two <= the domain whose usable HBM holds the weights and
    MIN_BATCH sequences' KV; the ``single_node`` topology (what MLPerf's closed systems run and the
    calibration fits)."""

    name = "single_node"

    def sizes(self, rep: _Replica) -> list[int]:
        """Replica sizes n whose n HBM u holds W + MIN_BATCH c kv [GPUs]."""
        need = rep.w_bytes + MIN_BATCH * rep.ctx * rep.kv
        return [2**k for k in range(12) if 2**k <= rep.domain and 2**k * rep.hbm >= need]

    def options(self, rep: _Replica, target: Target) -> list[Option]:
        """One :class:`Option` per replica size that meets ``target`` (batch: :meth:`_Replica.batch_for`)."""
        return [
            Option(rep.tokens_per_s(n, b), n, b, rep.interval_s(n, b), rep.prefill_s(n))
            for n in self.sizes(rep)
            if (b := rep.batch_for(n, target)) > 0
        ]

    def why(self, rep: _Replica, target: Target, e: float, at: str) -> str:
        """Why no replica serves: the HBM a replica lacks, or the prefill and step at efficiency e."""
        sizes, domain = self.sizes(rep), domain_gpus(rep.gpu)
        if not sizes:
            need = rep.w_bytes + MIN_BATCH * rep.ctx * rep.kv
            return (
                f"infeasible: weights + KV cache of {MIN_BATCH} sequences need "
                f"{need / 1e9:,.0f} GB at {at}; one scale-up domain ({domain} GPUs) offers "
                f"{domain * rep.hbm / 1e9:,.0f} GB of usable HBM"
            )
        return (
            f"infeasible: no replica of {sizes[0]}-{sizes[-1]} GPUs meets {target.label()} at {at} "
            f"(one prefill takes {rep.prefill_s(sizes[-1]) / e * 1e3:,.0f} ms on {sizes[-1]} GPUs, "
            f"one decode step of one sequence {rep.interval_s(sizes[-1], 1.0) / e * 1e3:,.1f} ms)"
        )


def roofline(
    gpu: Any,
    model: Any,
    precision: str,
    workload: Workload,
    factors: Factors,
    target: Target = OFFLINE,
    mlperf_workload: str | None = None,
    plan: Plan | None = None,
) -> Roofline:
    """Roofline estimate of generated tokens/s per GPU (equations in the module docstring).

    Parameters
    ----------
    gpu, model : Catalog rows (pandas Series) of the GPU and the served model.
    precision : Weight precision ``fp4`` / ``fp8`` / ``bf16``; weights narrower than the GPU's
        units are computed at bf16 (weight-only quantisation, :func:`compute_precision`).
    workload : Mean input and output tokens per request and the prefix-cache hit share.
    factors : Efficiencies and the server/offline ratio.
    target : Latency target (TTFT, TPOT); :data:`OFFLINE` = no limit.
    mlperf_workload : MLPerf benchmark whose measured server/offline ratio applies (bounded targets).
    plan : The topologies to choose from (:mod:`planner.chain.tokens.topology`); default
        :class:`SingleNode`, the one the calibration fits.

    Returns
    -------
    :class:`Roofline` with the topology, replica size n, batch B, mean decode interval (``tpot_s``)
    and prefill time (``ttft_s``, without queueing) of the best option.
    """
    physics.effective_precision(gpu, precision)  # an unknown precision stops here
    w = "bf16" if precision == "fp16" else precision
    p = compute_precision(gpu, w)
    peak = physics.gpu_flop_per_s(gpu, p)
    at = w if w == p else f"{w} weights, {p} compute"
    rep = _replica(gpu, model, w, workload, factors)
    plan = plan or SingleNode()
    flop = rep.f_lin + rep.f_attn
    c = factors.corrections
    log_e = 0.0 if c is None else c.efficiency_log(gpu, model)
    e = math.exp(log_e)
    # the step and prefill take t / e: t / e <= h x limit  <=>  t <= h x (e x limit); network
    # times (expert all-to-all, KV transfer, prefix loads) are the links', not e's: x e in this frame
    framed = replace(rep, net_scale=e)
    options = plan.options(framed, target.scaled(e))
    if not options:
        return Roofline(0.0, 0, 0.0, flop, peak, w, plan.why(rep, target, e, at))
    best = max(options, key=Option.rank)
    tps = best.tokens_per_s_per_gpu * e
    if target.bounded:
        tps *= factors.server(mlperf_workload)
    if c is not None and target.bounded:
        at_e1 = max((o.tokens_per_s_per_gpu for o in plan.options(framed, target)), default=0.0)
        if at_e1 <= 0:
            reason = (
                f"infeasible: no replica meets {target.label()} at {at} with the roofline's own step (e = 1)"
            )
            return Roofline(0.0, 0, 0.0, flop, peak, w, reason)
        tps = min(tps, e * at_e1 * math.exp(c.regime_log(target.tpot_s, mlperf_workload)))
    return Roofline(
        tps, best.replica_gpus, best.batch, flop, peak, w, "", best.interval_s / e, best.prefill_s / e,
        best.topology, best.prefill_gpu_share, best.prefill_replica_gpus, best.prefill_topology,
    )  # fmt: skip
