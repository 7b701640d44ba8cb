"""Serving topologies beside the single-node replica: expert parallelism over a scale-up domain
or several nodes, disaggregated prefill and decode pools, and MTP speculative decoding.

The menu (scenario ``physics.topologies``) names building blocks: a parallelism, of which at
least one is needed,

    single_node    tensor parallel over n <= one scale-up domain (:class:`roofline.SingleNode`)
    ep_domain      expert parallel over n <= one scale-up domain (NVL72: up to 72 GPUs), all-to-all
                   over NVLink / Infinity Fabric
    ep_multinode   expert parallel over m >= 2 scale-up domains (n = m D GPUs), all-to-all partly
                   over the scale-out network

and two options that the choice may add to any of them: ``disaggregated`` (separate prefill and
decode pools) and ``mtp`` (speculative decoding with the model's MTP modules). For each GPU x
model x target every allowed combination is evaluated and the one with the most output tokens/s
per GPU wins (:class:`Menu`); the calibrated efficiency e and regime effect apply to it as to the
single-node replica (:func:`planner.chain.tokens.roofline.roofline`). Symbols as in roofline.py;
per GPU of a replica of n GPUs, SI units.

Expert parallel (EP) replica, attention and shared weights data parallel (DeepSeek's serving:
"Routed Expert EP144, MLA/Shared Expert DP144", open-infra-index day 6, 2025-03-01). Each GPU holds
the shared weights P_s (attention, dense layers, shared experts) and E / n routed experts, and
serves b = B / n sequences of its own:

    W_gpu   = (P_s + E P_e / n) b_w (1 + D m_mtp)                        weight bytes per GPU [B]
    b_max   = min(MAX_BATCH_PER_GPU, (HBM u - W_gpu) / (c kv))           sequences per GPU [-]
    t_c(b)  = max(P_s b_w / BW, 2 b q P_s / R_p)                         shared GEMMs
            + max(P_e (E/n)(1 - (1 - k/E)^(B q)) b_w / BW, 2 b q k P_e / R_p)   routed experts
            + max(b c kv / BW, b q F_attn / R_a)                         attention (own KV only)
    t_a2a(b)= L_moe [b q d k (b_disp + b_comb) max(s_up / BW_up, s_out / BW_out) / eta_a2a + 2 lambda]
    s_up    = (min(n, D) - 1) / n,  s_out = max(n - D, 0) / n            shares of a token's k
                                                                         experts reached over the
                                                                         scale-up / scale-out links
    t_step  = max(L t_layer, min(t_c + t_a2a, max(t_c + P_s b_w / BW, t_a2a)))

bytes per token per MoE layer = hidden d x (b_disp + b_comb) x k active experts (dispatch to the
experts and combine back: 2 directions; dispatch at 1 B for fp8/fp4 models and combine at 2 B,
DeepSeek's "dispatch FP8, combine BF16"; 2 + 2 B for bf16 models), over the link it crosses, plus
lambda per message (one dispatch and one combine a MoE layer: :data:`links.SCALEUP_MESSAGE_S`,
:data:`links.SCALEOUT_MESSAGE_S` when n > D); eta_a2a = :data:`links.ALL_TO_ALL_EFFICIENCY`, the
links' achieved share in DeepEP's all-to-all kernels. Network times (t_a2a, lambda, the KV
transfer, prefix loads) are the links' own: the calibrated efficiency e, fitted on single-node
MLPerf results that have none, divides the compute and memory times only
(:func:`planner.chain.tokens.roofline.roofline` runs the menu in the frame where every time is
x e: there network times are x e, ``_Replica.net_scale``). The step either runs the all-to-all after the
compute, or splits the batch into two micro-batches whose all-to-all hides behind the other's
compute (dual micro-batch overlap, day 6), reading the shared weights twice; the engine takes
the faster. Prefill of one request on its GPU (DP attention):

    t_pre,ep = I' max(F_lin/R_p + F_attn(I (1 + h)/2)/R_a, a2a per token) + 2 L_moe lambda
               + W_gpu / BW + h I kv / BW_out                       I' = (1 - h) I new tokens

Colocated serving interleaves each GPU's prefills with its decode steps:
interval = t_step / tau + b t_pre / O, tokens/s per GPU = b / interval (tau below; tau = 1 without
MTP). Replica sizes: ep_domain n = the powers of two <= D and D itself; ep_multinode n = m D,
m in :data:`EP_DOMAINS`; n <= E (at least one expert per GPU).

Disaggregated (prefill and decode pools, each of any allowed parallelism, the KV cache sent from
the prefill to the decode GPU over the scale-out network):

    r_pre   = I / (n_p t_pre(n_p))                   input tokens/s per prefill GPU (hits included)
              <= BW_out / kv                         the NICs carry each token's KV once
    TTFT    = t_pre + I kv / (n_p BW_out)            prefill, then the KV transfer
    r_dec   = B tau / (n_d t_step(B))                output tokens/s per decode GPU, B the largest
                                                     batch with t_step / tau <= h_TPOT TPOT (no
                                                     prefill interleaved)
    tokens/s per GPU = 1 / (1 / r_dec + (I / O) / r_pre)        (both pools counted)
    prefill share    = ((I / O) / r_pre) x tokens/s per GPU      GPUs in the prefill pool [-]

the prefill pool sized on TTFT (the replica with the most r_pre whose TTFT <= h_TTFT TTFT), the
decode pool on TPOT, so the GPU ratio follows the target.

MTP speculative decoding (DeepSeek-V3 report, arXiv:2412.19437 section 5.4.3: 1 MTP module, the
second token accepted 85-90% of the time): D draft modules (card ``mtp_modules``), each accepted
with probability a (``mtp_acceptance``), each one extra layer of ``mtp_params_b`` parameters:

    q       = 1 + D                                  tokens each sequence's verify step computes
    tau     = 1 + a + a^2 + ... + a^D                expected tokens a step emits per sequence
    t_step' = t_step(B, q) (1 + D / L)               verify step (GEMMs, attention FLOPs on B q
                                                     tokens, KV read once) + D draft layers
    interval = t_step' / tau (+ the prefill share)

Every rate is non-decreasing in HBM, HBM bandwidth, FLOP/s and the target: each term of a step
is non-increasing in them, the batch bound only loosens, and each choice is a maximum over
options that only gain feasibility.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.chain.tokens.fields import row_float
from planner.chain.tokens.links import (
    ALL_TO_ALL_EFFICIENCY,
    SCALEOUT_MESSAGE_S,
    SCALEUP_MESSAGE_S,
)
from planner.chain.tokens.mlperf import speculative_drafts
from planner.chain.tokens.option import Option
from planner.chain.tokens.roofline import (
    MAX_BATCH_PER_GPU,
    TPOT_HEADROOM,
    TTFT_HEADROOM,
    SingleNode,
    Target,
    _Replica,
)
from planner.errors import InputError

PARALLELISMS = ("single_node", "ep_domain", "ep_multinode")
"""How a replica spreads the model over GPUs (module docstring)."""
EXTRAS = ("disaggregated", "mtp")
"""Options the choice may add to a parallelism."""
TOPOLOGIES = PARALLELISMS + EXTRAS
"""Names a menu (scenario ``physics.topologies``) may list."""
EP_DOMAINS = (2, 3, 4, 6, 8, 12, 16, 18, 24, 32)
"""Scale-up domains per ep_multinode replica tried [-] (DeepSeek decodes on 18 nodes, prefills on 4)."""
BISECTIONS = 40
"""Bisection steps of the batch search [-]."""


def check_menu(names: Sequence[str], where: str = "physics.topologies") -> tuple[str, ...]:
    """``names`` checked: known (:data:`TOPOLOGIES`), no repeats, at least one parallelism.
    Raises :class:`InputError` naming ``where`` and the allowed values."""
    names = tuple(str(n) for n in names)
    for n in names:
        if n not in TOPOLOGIES:
            raise InputError(f"{where}: unknown topology '{n}'; allowed: {', '.join(TOPOLOGIES)}")
    if len(set(names)) != len(names):
        raise InputError(f"{where}: {', '.join(names)} names a topology twice")
    if not any(n in PARALLELISMS for n in names):
        raise InputError(
            f"{where}: {', '.join(names) or 'an empty list'} has no parallelism; "
            f"name at least one of {', '.join(PARALLELISMS)} (disaggregated and mtp add to them)"
        )
    return names


@dataclass(frozen=True)
class _Moe:
    """What expert parallelism needs of a MoE card: L_moe, d, E, k, P_s, P_e [-, -, -, -, params]."""

    moe_layers: float
    hidden: float
    experts: float
    active: float
    shared: float
    per_expert: float


def _moe(rep: _Replica) -> _Moe | None:
    """The :class:`_Moe` of the replica's model, None for a dense one (no EP)."""
    lin = rep.lin
    if lin.experts <= 0:
        return None
    layers = row_float(rep.model, "layers")
    moe_layers = row_float(rep.model, "moe_layers", layers) or layers
    return _Moe(moe_layers, row_float(rep.model, "hidden_size"), lin.experts, lin.active_experts,
                lin.shared_params, lin.expert_params)  # fmt: skip


@dataclass(frozen=True)
class Mtp:
    """Speculative decoding with D MTP modules accepted at a each: q = 1 + D tokens verified a
    step, tau = 1 + a + ... + a^D emitted, the step x (1 + D / L), weights x (1 + M m) with M the
    modules held (M = D, or one module chained D times: EAGLE-style, as MLPerf's rules run it) [-]."""

    drafts: int = 0
    acceptance: float = 0.0
    weight_share: float = 0.0  # m = mtp_params_b / total_params_b
    modules: int = 0  # M: MTP modules held in HBM

    @property
    def weight_factor(self) -> float:
        """Weights x (1 + M m) [-]."""
        return 1.0 + self.modules * self.weight_share

    @property
    def queries(self) -> float:
        return 1.0 + self.drafts

    @property
    def tau(self) -> float:
        return sum(self.acceptance**j for j in range(self.drafts + 1))

    def step_factor(self, layers: float) -> float:
        return 1.0 + self.drafts / layers

    @property
    def label(self) -> str:
        return "+mtp" if self.drafts else ""


NO_MTP = Mtp()


def card_mtp(model: object, drafts: int = 0) -> Mtp | None:
    """The card's MTP modules (``mtp_modules``, ``mtp_acceptance``, ``mtp_params_b``), None without;
    with ``drafts`` > 0, its modules chained to that many draft tokens (EAGLE-style: the last
    module reapplied, each draft accepted at the card's rate; estimate, the card states it for the
    first draft)."""
    d = int(row_float(model, "mtp_modules"))
    a = row_float(model, "mtp_acceptance")
    if d <= 0 or not 0 < a < 1:
        return None
    share = row_float(model, "mtp_params_b") / max(row_float(model, "total_params_b"), 1e-9)
    return Mtp(drafts or d, a, share, d)


def _largest(interval: Callable[[float], float], hi: float, limit: float) -> float:
    """Largest b in [1, hi] with interval(b) <= limit (interval non-decreasing), 0 if none."""
    if hi < 1.0 or interval(1.0) > limit:
        return 0.0
    if interval(hi) <= limit:
        return hi
    lo = 1.0
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if interval(mid) <= limit else (lo, mid)
    return lo


@dataclass(frozen=True)
class _Ep:
    """One expert-parallel replica of n GPUs (module docstring); rates per GPU."""

    rep: _Replica
    moe: _Moe
    n: int
    mtp: Mtp

    @property
    def domain(self) -> int:
        return self.rep.domain

    def weight_bytes(self) -> float:
        """W_gpu = (P_s + E P_e / n) b_w (1 + D m) [B]."""
        m = self.moe
        return (m.shared + m.experts * m.per_expert / self.n) * self.rep.b_w * self.mtp.weight_factor

    def max_batch(self) -> float:
        """b_max = min(MAX_BATCH_PER_GPU, (HBM u - W_gpu) / (c kv)) sequences per GPU [-]."""
        return min(
            float(MAX_BATCH_PER_GPU), (self.rep.hbm - self.weight_bytes()) / (self.rep.ctx * self.rep.kv)
        )

    def _a2a_s_per_token(self) -> float:
        """Dispatch + combine time per token per MoE layer over the busier link [s/token]."""
        rep, n, d = self.rep, self.n, self.domain
        per_elem = (1.0 if rep.b_w < 2 else 2.0) + 2.0  # dispatch fp8 (bf16 for bf16 models) + combine bf16
        s_up, s_out = (min(n, d) - 1) / n, max(n - d, 0) / n
        link = max(s_up / rep.up_bw, s_out / rep.out_bw)
        return self.moe.hidden * self.moe.active * per_elem * link / ALL_TO_ALL_EFFICIENCY * rep.net_scale

    def _latency_s(self) -> float:
        """2 L_moe lambda: one dispatch and one combine message per MoE layer [s]."""
        lam = SCALEOUT_MESSAGE_S if self.n > self.domain else SCALEUP_MESSAGE_S
        return 2.0 * self.moe.moe_layers * lam * self.rep.net_scale

    def step_s(self, b: float) -> float:
        """t_step of b sequences per GPU with the MTP verify tokens and draft layers [s]."""
        rep, m, q = self.rep, self.moe, self.mtp.queries
        tokens = b * q
        shared_w = m.shared * rep.b_w / rep.bw
        shared = max(shared_w, 2.0 * tokens * m.shared / rep.r_p)
        touched = (m.experts / self.n) * (1.0 - (1.0 - m.active / m.experts) ** max(b * self.n * q, 1.0))
        routed = max(
            m.per_expert * touched * rep.b_w / rep.bw, 2.0 * tokens * m.active * m.per_expert / rep.r_p
        )
        attention = max(b * rep.ctx * rep.kv / rep.bw, tokens * rep.f_attn / rep.r_a)
        compute = shared + routed + attention
        comm = m.moe_layers * tokens * self._a2a_s_per_token() + self._latency_s()
        step = rep.fixed_s + min(compute + comm, max(compute + shared_w, comm))
        return step * self.mtp.step_factor(rep.layers)

    def prefill_s(self) -> float:
        """t_pre,ep of one request on its GPU (module docstring) [s]."""
        rep = self.rep
        per_token = max(rep.pre_tok, self.moe.moe_layers * self._a2a_s_per_token())
        hits = rep.hit_s * rep.net_scale  # the prefix's KV loaded over the NIC (a network time)
        return rep.new_tok * per_token + self._latency_s() + self.weight_bytes() / rep.bw + hits


def _ep_sizes(rep: _Replica, moe: _Moe, parallelism: str) -> list[int]:
    """Replica sizes of an EP parallelism (module docstring), at most E GPUs."""
    d = rep.domain
    if parallelism == "ep_domain":
        sizes = sorted({2**k for k in range(1, 12) if 2**k <= d} | ({d} if d > 1 else set()))
    else:
        sizes = [m * d for m in EP_DOMAINS]
    return [n for n in sizes if n <= moe.experts]


def _eps(rep: _Replica, parallelism: str, mtp: Mtp) -> list[_Ep]:
    """The EP replicas of ``parallelism`` whose GPUs each hold their weights and one sequence."""
    moe = _moe(rep)
    if moe is None:
        return []
    reps = [_Ep(rep, moe, n, mtp) for n in _ep_sizes(rep, moe, parallelism)]
    return [r for r in reps if r.max_batch() >= 1.0]


@dataclass(frozen=True)
class _Decoder:
    """A decode replica: its GPUs, the interval of b sequences per GPU (the whole step / tau) and
    its prefill time for colocated serving [s]."""

    gpus: int
    b_max: float  # sequences per GPU
    step: Callable[[float], float]  # t_step' / tau at b sequences per GPU [s]
    prefill_s: float  # one request's prefill, colocated [s]
    prefill_per_gpu: float  # prefills a GPU runs per sequence it serves (TP: b n requests share n GPUs)


def _decoders(rep: _Replica, parallelism: str, mtp: Mtp) -> list[_Decoder]:
    """Decode replicas of a parallelism; b is per GPU (TP: B = b n over the replica)."""
    if parallelism == "single_node":
        out = []
        for n in SingleNode().sizes(rep):
            w = rep.w_bytes * mtp.weight_factor
            b_max = min(float(MAX_BATCH_PER_GPU), (n * rep.hbm - w) / (rep.ctx * rep.kv) / n)
            layers = rep.layers

            def step(b: float, n: int = n, layers: float = layers) -> float:
                return rep.step_s(n, b * n, mtp.queries) * mtp.step_factor(layers) / mtp.tau

            out.append(_Decoder(n, b_max, step, rep.prefill_s(n), float(n)))
        return out
    return [_Decoder(e.n, e.max_batch(), lambda b, e=e: e.step_s(b) / mtp.tau, e.prefill_s(), 1.0)
            for e in _eps(rep, parallelism, mtp)]  # fmt: skip


def _colocated(rep: _Replica, dec: _Decoder, target: Target, name: str) -> Option | None:
    """Decode with prefills interleaved: interval(b) = step(b) + b p t_pre / O <= h TPOT, t_pre <=
    h TTFT (p = GPUs sharing one request's prefill: n for TP, 1 for EP)."""
    if dec.prefill_s > TTFT_HEADROOM * target.ttft_s:
        return None

    def interval(b: float) -> float:
        return dec.step(b) + b * dec.prefill_per_gpu * dec.prefill_s / rep.o_tok

    b = _largest(interval, dec.b_max, TPOT_HEADROOM * target.tpot_s)
    if b <= 0:
        return None
    return Option(b / interval(b), dec.gpus, b * dec.gpus, interval(b), dec.prefill_s, name)


def _prefill_pool(
    rep: _Replica, parallelisms: Sequence[str], target: Target
) -> tuple[float, float, int, str]:
    """Best prefill replica: input tokens/s per GPU (hits included), its TTFT [s], GPUs and
    parallelism; (0, inf, 0, "") when none meets h TTFT (module docstring)."""
    best = (0.0, float("inf"), 0, "")
    out_bw = rep.out_bw / rep.net_scale  # real NIC bandwidth in the e-frame
    cap = out_bw / rep.kv
    for par in parallelisms:
        if par == "single_node":
            cands = [(rep.prefill_s(n), n, n) for n in SingleNode().sizes(rep)]
        else:
            cands = [(e.prefill_s(), e.n, 1) for e in _eps(rep, par, NO_MTP)]
        for t_pre, n, share in cands:
            ttft = t_pre + rep.i_tok * rep.kv / (share * out_bw)
            rate = min(rep.i_tok / (t_pre * share), cap)
            if ttft <= TTFT_HEADROOM * target.ttft_s and rate > best[0]:
                best = (rate, ttft, n, par)
    return best


def _disaggregated(
    rep: _Replica, dec: _Decoder, pre: tuple[float, float, int, str], target: Target, name: str
) -> Option | None:
    """Decode pool at h TPOT without prefills, joined with the prefill pool (module docstring)."""
    r_pre, ttft, n_pre, par = pre
    if r_pre <= 0:
        return None
    b = _largest(dec.step, dec.b_max, TPOT_HEADROOM * target.tpot_s)
    if b <= 0:
        return None
    r_dec = b / dec.step(b)
    per_out = rep.i_tok / rep.o_tok / r_pre  # prefill GPU-seconds per output token
    tps = 1.0 / (1.0 / r_dec + per_out)
    return Option(tps, dec.gpus, b * dec.gpus, dec.step(b), ttft, name, per_out * tps, n_pre, par)


@dataclass(frozen=True)
class Menu:
    """The allowed parallelisms and options (:func:`check_menu`); a :class:`roofline.Plan`.
    ``drafts``: MTP draft tokens a step (0 = one per card module; MLPerf's rules chain more)."""

    names: tuple[str, ...] = TOPOLOGIES
    drafts: int = 0

    def options(self, rep: _Replica, target: Target) -> list[Option]:
        """Every allowed combination's :class:`Option` that meets ``target``."""
        pars = [p for p in PARALLELISMS if p in self.names]
        mtps = [NO_MTP]
        card = card_mtp(rep.model, self.drafts)
        if "mtp" in self.names and card is not None:
            mtps.append(card)
        pre = _prefill_pool(rep, pars, target) if "disaggregated" in self.names else (0.0, 0.0, 0, "")
        out: list[Option] = []
        for par in pars:
            for mtp in mtps:
                decoders = _decoders(rep, par, mtp)
                if par == "single_node" and mtp is NO_MTP:
                    out += SingleNode().options(rep, target)  # today's replica, its closed-form batch
                else:
                    out += [o for d in decoders if (o := _colocated(rep, d, target, par + mtp.label))]
                if "disaggregated" in self.names:
                    name = f"{par}+disaggregated{mtp.label}"
                    out += [o for d in decoders if (o := _disaggregated(rep, d, pre, target, name))]
        return out

    def why(self, rep: _Replica, target: Target, e: float, at: str) -> str:
        """Why none of the menu serves (the single-node reason, and the menu tried)."""
        return f"{SingleNode().why(rep, target, e, at)}; topologies tried: {', '.join(self.names)}"


def mlperf_plan(workload: str | None, scenario: str, version: object) -> Menu | None:
    """The topologies an MLPerf closed result is estimated with: the single-node replica (None,
    the roofline's default), with MTP speculative decoding of the drafts the round's rules allow
    (:func:`planner.chain.tokens.mlperf.speculative_drafts`: DeepSeek-R1 Interactive from v6.0)."""
    drafts = speculative_drafts(workload, scenario, version)
    return Menu(("single_node", "mtp"), drafts) if drafts else None
