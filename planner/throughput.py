"""Tokens/s per GPU for a GPU x served-model pair: MLPerf measurement first, roofline estimate next.

Measured
    Median per-GPU generated tokens/s across the submitters of the latest MLPerf version for the
    pair, ``server`` scenario preferred (latency-bounded like real serving); with only ``offline``
    results the value is scaled by the median server/offline ratio of the pairs that have both.

Estimate (design section 5), per replica of n GPUs, SI units
    F_lin  = 2 N_active                       FLOP/token in weight GEMMs
    F_attn = 4 L c d_attn                     FLOP/token in QK^T and AV (Kaplan et al. 2020 count
                                              2 n_layer n_ctx d_attn for the logits; AV doubles it)
    c      = I + O/2                          mean context attended while decoding [tokens]
    W      = N_total b(p)                     weight bytes; b = 0.5 / 1 / 2 B for fp4 / fp8 / bf16
    kv     = 2 L h_kv d_head b_kv             KV bytes/token (MLA: L x override); b_kv = 1 (fp8 cache)
                                              for fp8/fp4 models, 2 for bf16
    n      = smallest power of two <= scale-up domain with n HBM u >= max(W + B_min c kv,
             (1 + KV_TO_WEIGHTS) W) (the largest that fits if none reaches the KV share);
             infeasible (0 tokens/s) if W + B_min c kv exceeds the whole domain
    B      = min(MAX_BATCH_PER_GPU n, (n HBM u - W) / (c kv))          concurrent sequences
    t_step = max(W_read(B)/(n BW eta_bw), B F_lin/(n R_p))            weight GEMMs
           + max(B c kv/(n BW eta_bw), B F_attn/(n R_a))              attention (KV reads)
           + B t_link                                                 tensor-parallel all-reduce
    t_pre  = I (F_lin/R_p + F_attn(I/2)/R_a)/n + I t_link              prefill of one request
    tokens/s/GPU = B O / (O t_step + B t_pre) / n                      (B requests: O decode steps
                                                                       plus B prefills, serialised)
    R_p = eta_c x dense FLOP/s at the weight precision (eta_fp4 for fp4), R_a = eta_c x FLOP/s at
    fp8 (bf16 for bf16 models); t_link = 4 L d b_act (n-1)/n / link bandwidth.
    MoE: W_read = W_shared + W_experts (1 - (1 - k/E)^B), the expected share of experts touched.
    Server scenario: x the median measured server/offline ratio of the model's MLPerf benchmark
    (of all benchmarks for a model without one); a measured ratio, not a fitted factor.
    eta_c, eta_bw, eta_fp4 are fitted on the MLPerf pairs by :func:`calibrate` (robust least
    squares of the log error); :func:`calibration_report` adds a leave-one-GPU-out check.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner import physics
from planner.constants import BYTES_PER_PARAM
from planner.errors import InputError

HBM_USABLE_SHARE = 0.90
"""Share of HBM a serving engine gives to weights + KV cache [-] (vLLM's default 0.90)."""
MIN_BATCH = 8
"""Sequences whose KV cache a replica must hold besides its weights to be feasible [-]."""
KV_TO_WEIGHTS = 1.0
"""KV-cache room, as a share of the weight bytes, a deployer wants before stopping to add GPUs [-]."""
MAX_BATCH_PER_GPU = 128
LOSS_SCALE = 0.1
"""Scale of the soft-L1 loss on log residuals [-]: errors beyond ~10 % count linearly, so a few
pairs the roofline cannot describe (DeepSeek-R1) do not set the factors for all the others."""
"""Cap on concurrent sequences per GPU of a replica (scheduler limits) [-]."""
ACTIVATION_BYTES = 2.0
"""Bytes per activation element exchanged between the GPUs of a replica (bf16) [B]."""
SCALEUP_GB_PER_S: dict[str, float] = {
    # per GPU and direction, when the GPU catalog has no column for it [GB/s]: NVLink 4 (Hopper)
    # 450, NVLink 5 (Blackwell) 900 (NVIDIA); Infinity Fabric 7 x 64 = 448, MI355X 7 x 76.8 = 538
    # (AMD); Gaudi 3 21 x 200 GbE = 525 (Intel); L40S PCIe Gen4 x16 32.
    "H100": 450, "H200": 450, "B200": 900, "GB200": 900, "B300": 900, "GB300": 900,
    "MI300X": 448, "MI325X": 448, "MI355X": 538, "Gaudi3": 525, "L40S": 32,
}


@dataclass(frozen=True)
class Workload:
    """Mean request shape of a served workload [tokens]."""

    input_tokens: float
    output_tokens: float


MLPERF_WORKLOADS: dict[str, Workload] = {
    # output = MLCommons reference tokens_per_sample; input = MLCommons blog means (~ approximate)
    "llama2-70b": Workload(300.0, 294.45),  # OpenOrca, <= 1024 input tokens; input ~
    "mixtral-8x7b": Workload(350.0, 144.84),  # OpenOrca + GSM8K + MBXP; input ~
    "llama3.1-405b": Workload(9400.0, 684.68),  # LongBench, RULER, GovReport subsets
    "llama3.1-8b": Workload(778.0, 73.0),  # CNN/DailyMail
    "deepseek-r1": Workload(800.0, 3880.0),  # AIME, MATH500, GPQA, MMLU-Pro, LiveCodeBench
    "gpt-oss-120b": Workload(1000.0, 4000.0),  # AIME25, GPQA, LiveCodeBench; approximate
}


@dataclass(frozen=True)
class Factors:
    """Efficiencies of the roofline: achieved share of peak FLOP/s (eta_c; eta_fp4 for fp4 GEMMs)
    and of peak HBM bandwidth (eta_bw), and the server/offline throughput ratio [-]."""

    eta_c: float
    eta_bw: float
    eta_fp4: float
    server_ratio: float
    server_ratio_by_workload: Mapping[str, float] = field(default_factory=dict)

    def server(self, workload: str | None) -> float:
        """Server/offline ratio of an MLPerf workload, else the median over all pairs [-]."""
        r = self.server_ratio_by_workload.get(str(workload), float("nan"))
        return self.server_ratio if math.isnan(r) else r


@dataclass(frozen=True)
class Throughput:
    """Generated (output) tokens/s per GPU of one GPU x model pair and how it was obtained."""

    gpu_id: str
    model_id: str
    tokens_per_s_per_gpu: float
    source: str
    precision: str
    flop_per_token: float
    flop_per_s_per_gpu: float
    replica_gpus: int
    batch: float
    note: str = ""


@dataclass(frozen=True)
class Roofline:
    """Result of :func:`roofline`: tokens/s per GPU, replica size, batch, and the reason if 0."""

    tokens_per_s_per_gpu: float
    replica_gpus: int
    batch: float
    flop_per_token: float
    flop_per_s_per_gpu: float
    precision: str
    reason: str = ""


def _get(row: Any, key: str, default: float = 0.0) -> float:
    try:
        v = float(row.get(key, default))
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v


def attention_flop_per_token(model: Mapping[str, Any], context_tokens: float) -> float:
    """Attention FLOP per token F_attn = 4 L c d_attn [FLOP]; d_attn = heads x head_dim, or
    heads x latent width for MLA (the KV override read as 2-byte elements)."""
    override = _get(model, "kv_cache_bytes_per_token_per_layer_override")
    width = override / 2.0 if override > 0 else _get(model, "head_dim")
    return 4.0 * _get(model, "layers") * context_tokens * _get(model, "attention_heads") * width


def flop_per_token(model: Mapping[str, Any], context_tokens: float) -> float:
    """FLOP per generated token F = 2 N_active + 4 L c d_attn [FLOP] at a context of c tokens."""
    return 2e9 * _get(model, "active_params_b") + attention_flop_per_token(model, context_tokens)


def kv_bytes_per_token(model: Mapping[str, Any], precision: str) -> float:
    """KV-cache bytes per token kv = 2 L h_kv d_head b_kv, or L x MLA override x b_kv/2 [B]."""
    b_kv = 2.0 if precision == "bf16" else 1.0
    override = _get(model, "kv_cache_bytes_per_token_per_layer_override")
    if override > 0:
        return _get(model, "layers") * override * b_kv / 2.0
    return 2.0 * _get(model, "layers") * _get(model, "kv_heads") * _get(model, "head_dim") * b_kv


def weights_read_bytes(model: Mapping[str, Any], bytes_per_param: float, batch: float) -> float:
    """Weight bytes one decode step of ``batch`` tokens streams: all of them for a dense model;
    for MoE the shared part plus the expected share of experts touched, 1 - (1 - k/E)^B [B]."""
    total, active = _get(model, "total_params_b") * 1e9, _get(model, "active_params_b") * 1e9
    e, k = _get(model, "experts"), _get(model, "active_experts")
    if str(model.get("architecture", "dense")) != "moe" or not 0 < k < e:
        return total * bytes_per_param
    per_expert = (total - active) / (e - k)
    shared = max(total - e * per_expert, 0.0)
    touched = e * (1.0 - (1.0 - k / e) ** max(batch, 1.0))
    return (shared + per_expert * touched) * bytes_per_param


def _link_bytes_per_s(gpu: Any) -> float:
    for col in ("scaleup_gb_per_s", "nvlink_gb_per_s", "scaleup_bw_gb_per_s"):
        if _get(gpu, col) > 0:
            return _get(gpu, col) * 1e9
    return SCALEUP_GB_PER_S.get(str(getattr(gpu, "name", "")), 450.0) * 1e9


def roofline(gpu: Any, model: Any, precision: str, workload: Workload, factors: Factors,
             scenario: str = "server", mlperf_workload: str | None = None) -> Roofline:
    """Roofline estimate of generated tokens/s per GPU (equations in the module docstring).

    Parameters
    ----------
    gpu, model : Catalog rows (pandas Series) of the GPU and the served model.
    precision : Weight precision ``fp4`` / ``fp8`` / ``bf16``; fp4 without fp4 units runs at fp8.
    workload : Mean input and output tokens per request.
    factors : Efficiencies and the server/offline ratio.
    scenario : ``server`` (latency-bounded) or ``offline``.
    mlperf_workload : MLPerf benchmark whose measured server/offline ratio applies (server only).
    """
    p = physics.effective_precision(gpu, precision)
    i_tok, o_tok = workload.input_tokens, workload.output_tokens
    ctx = i_tok + o_tok / 2.0
    f_lin, f_attn = 2e9 * _get(model, "active_params_b"), attention_flop_per_token(model, ctx)
    peak = physics.gpu_flop_per_s(gpu, p)
    r_p = peak * (factors.eta_fp4 if p == "fp4" else factors.eta_c)
    r_a = physics.gpu_flop_per_s(gpu, "bf16" if p == "bf16" else "fp8") * factors.eta_c
    b_w = BYTES_PER_PARAM[p]
    w_bytes, kv = _get(model, "total_params_b") * 1e9 * b_w, kv_bytes_per_token(model, p)
    hbm = _get(gpu, "hbm_gb") * 1e9 * HBM_USABLE_SHARE
    bw = _get(gpu, "hbm_tb_per_s") * 1e12 * factors.eta_bw
    domain = max(int(_get(gpu, "scaleup_domain_gpus", 8)), 1)
    need = w_bytes + MIN_BATCH * ctx * kv
    sizes = [2 ** k for k in range(12) if 2 ** k <= domain and 2 ** k * hbm >= need]
    if not sizes:
        return Roofline(0.0, 0, 0.0, f_lin + f_attn, peak, p,
                        f"infeasible: weights + KV cache of {MIN_BATCH} sequences need "
                        f"{need / 1e9:,.0f} GB at {p}; one scale-up domain ({domain} GPUs) offers "
                        f"{domain * hbm / 1e9:,.0f} GB of usable HBM")
    link_tok = (4.0 * _get(model, "layers") * _get(model, "hidden_size") * ACTIVATION_BYTES
                / _link_bytes_per_s(gpu))
    pre_tok = i_tok * (f_lin / r_p + attention_flop_per_token(model, i_tok / 2.0) / r_a)

    def per_gpu(n: int) -> tuple[float, float]:
        batch = min(MAX_BATCH_PER_GPU * n, (n * hbm - w_bytes) / (ctx * kv))
        link = link_tok * (n - 1) / n
        step = (max(weights_read_bytes(model, b_w, batch) / (n * bw), batch * f_lin / (n * r_p))
                + max(batch * ctx * kv / (n * bw), batch * f_attn / (n * r_a)) + batch * link)
        t_pre = pre_tok / n + i_tok * link
        return batch * o_tok / (o_tok * step + batch * t_pre) / n, batch

    n = next((s for s in sizes if s * hbm >= (1.0 + KV_TO_WEIGHTS) * w_bytes), sizes[-1])
    tps, batch = per_gpu(n)
    if scenario == "server":
        tps *= factors.server(mlperf_workload)
    return Roofline(tps, n, batch, f_lin + f_attn, peak, p)


# --- catalog access -------------------------------------------------------------------------------
def check_id(kind: str, value: str, allowed: Sequence[str]) -> None:
    """Raise :class:`InputError` naming the closest allowed ids when ``value`` is unknown."""
    if value in allowed:
        return
    close = difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.4)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"unknown {kind} '{value}'.{hint} Allowed: {', '.join(map(str, allowed))}")


def workload_for_model(model: Any) -> Workload:
    """The model card's typical request (falls back to its MLPerf benchmark's mean shape)."""
    ref = MLPERF_WORKLOADS.get(mlperf_key(model.get("mlperf_model", "")), Workload(1000.0, 500.0))
    return Workload(_get(model, "typical_input_tokens", ref.input_tokens),
                    _get(model, "typical_output_tokens", ref.output_tokens))


def mlperf_key(name: Any) -> str:
    """MLPerf benchmark name without its accuracy suffix (``llama2-70b-99.9`` -> ``llama2-70b``)."""
    s = str(name).lower() if isinstance(name, str) else ""
    for suffix in ("-99.9", "-99"):
        s = s.removesuffix(suffix)
    return s


def version_key(version: Any) -> tuple[int, ...]:
    """Sortable MLPerf version (``v5.1`` -> (5, 1))."""
    digits = "".join(c if c.isdigit() or c == "." else "" for c in str(version))
    return tuple(int(x) for x in digits.split(".") if x)


def benchmark_rows(catalogs: Any) -> pd.DataFrame:
    """Offline and server MLPerf rows with a positive per-GPU throughput, scenario lower-cased."""
    b = catalogs.benchmarks.copy()
    b["scenario"] = b["scenario"].astype(str).str.lower()
    b["precision"] = b["precision"].astype(str).str.lower().replace({"fp16": "bf16"})
    return b[b["scenario"].isin(["offline", "server"]) & (b["tokens_per_s_per_gpu"] > 0)]


def server_offline_ratio(rows: pd.DataFrame, workload: str | None = None) -> float:
    """Median over (gpu, model, version) of median server / median offline tokens/s per GPU [-],
    over the pairs of one MLPerf ``workload`` if given; NaN without such pairs."""
    if workload is not None:
        rows = rows[rows["workload"] == workload]
    med = rows.groupby(["gpu_id", "model_id", "version", "scenario"])["tokens_per_s_per_gpu"].median()
    wide = med.unstack("scenario") if len(med) else pd.DataFrame()
    if not {"server", "offline"} <= set(wide.columns):
        return float("nan")
    ratio = (wide["server"] / wide["offline"]).dropna()
    return float(ratio.median()) if len(ratio) else float("nan")


def measured(gpu_id: str, model_id: str, catalogs: Any) -> Throughput | None:
    """MLPerf-measured generated tokens/s per GPU for the pair, or None without a result."""
    b = benchmark_rows(catalogs)
    rows = b[(b["gpu_id"] == gpu_id) & (b["model_id"] == model_id)]
    if rows.empty:
        return None
    version = max(rows["version"], key=version_key)
    latest = rows[rows["version"] == version]
    use = latest[latest["scenario"] == "server"]
    scale, note = 1.0, f"MLPerf {version} server"
    if use.empty:
        use, scale = latest, server_offline_ratio(b)
        scale = 1.0 if math.isnan(scale) else scale
        note = f"MLPerf {version} offline x {scale:.3f} (median server/offline ratio of other pairs)"
    note += f"; median of {len(use)} result(s), {use['submitter'].nunique()} submitter(s)"
    gpu, model = catalogs.gpus.loc[gpu_id], catalogs.models.loc[model_id]
    prec = str(use["precision"].mode().iloc[0])
    wl = workload_for_model(model)
    return Throughput(gpu_id, model_id, float(use["tokens_per_s_per_gpu"].median()) * scale,
                      "measured", prec, flop_per_token(model, wl.input_tokens + wl.output_tokens / 2),
                      physics.gpu_flop_per_s(gpu, prec), int(use["n_gpu"].median()),
                      float("nan"), note)


def throughput(gpu_id: str, model_id: str, catalogs: Any, *,
               estimate_only: bool = False) -> Throughput:
    """Generated tokens/s per GPU of a GPU x model pair: measured if MLPerf has it, else estimated.

    Parameters
    ----------
    gpu_id, model_id : Ids of ``catalogs.gpus`` and ``catalogs.models``.
    catalogs : :class:`planner.catalogs.Catalogs`.
    estimate_only : Ignore measurements; return the calibrated roofline estimate (server).

    Returns
    -------
    :class:`Throughput`, tokens/s in generated (output) tokens per second per GPU; 0 with the
    reason in ``note`` when the model does not fit in one scale-up domain.
    """
    check_id("GPU", gpu_id, list(catalogs.gpus.index))
    check_id("model", model_id, list(catalogs.models.index))
    if not estimate_only:
        found = measured(gpu_id, model_id, catalogs)
        if found is not None:
            return found
    cal = calibrate(catalogs)
    gpu, model = catalogs.gpus.loc[gpu_id], catalogs.models.loc[model_id]
    prec = str(model.get("default_precision", "fp8")).lower()
    r = roofline(gpu, model, prec, workload_for_model(model), cal.factors, "server",
                 mlperf_key(model.get("mlperf_model", "")))
    note = r.reason or (f"roofline estimate, server (eta_c {cal.eta_c:.2f}, eta_bw {cal.eta_bw:.2f}, "
                        f"eta_fp4 {cal.eta_fp4:.2f}; MLPerf median APE {cal.median_ape:.0%})")
    if r.precision != prec.replace("fp16", "bf16"):
        note += f"; no {prec} units, computed at {r.precision}"
    return Throughput(gpu_id, model_id, r.tokens_per_s_per_gpu, "estimate", r.precision,
                      r.flop_per_token, r.flop_per_s_per_gpu, r.replica_gpus, r.batch, note)


def throughput_table(catalogs: Any, gpu_ids: Sequence[str] | None = None,
                     model_ids: Sequence[str] | None = None, *,
                     estimate_only: bool = False) -> pd.DataFrame:
    """One row per GPU x model pair, the :class:`Throughput` fields as columns."""
    gpu_ids = list(catalogs.gpus.index) if gpu_ids is None else list(gpu_ids)
    model_ids = list(catalogs.models.index) if model_ids is None else list(model_ids)
    rows = [asdict(throughput(g, m, catalogs, estimate_only=estimate_only))
            for g in gpu_ids for m in model_ids]
    return pd.DataFrame(rows, columns=list(Throughput.__dataclass_fields__))


# --- calibration ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    """Fitted efficiencies and the estimate's absolute percentage error (APE, 0.1 = 10 %) against
    the median MLPerf result of each (GPU, model, scenario) pair of the latest version."""

    eta_c: float
    eta_bw: float
    eta_fp4: float
    server_ratio: float
    server_ratio_by_workload: Mapping[str, float]
    n_rows: int
    n_pairs: int
    median_ape: float
    worst_ape: float
    per_gpu_median_ape: Mapping[str, float]
    loo_median_ape: float = float("nan")
    loo_per_gpu_median_ape: Mapping[str, float] | None = None

    @property
    def factors(self) -> Factors:
        return Factors(self.eta_c, self.eta_bw, self.eta_fp4, self.server_ratio,
                       self.server_ratio_by_workload)


def calibration_rows(catalogs: Any) -> pd.DataFrame:
    """MLPerf rows matched to catalog GPUs, models and a known benchmark workload; ``fit`` marks the
    latest version of each (gpu, model, scenario), the rows the pairs are built from."""
    b = benchmark_rows(catalogs)
    b = b[b["gpu_id"].isin(catalogs.gpus.index) & b["model_id"].isin(catalogs.models.index)].copy()
    names = b["mlperf_model"] if "mlperf_model" in b else b["model_id"].map(catalogs.models["mlperf_model"])
    b["workload"] = names.map(mlperf_key)
    b = b[b["workload"].isin(list(MLPERF_WORKLOADS))]
    # An fp16 label on a GPU with fp8 units is read as fp8: the label is the declared data type,
    # and the same software gave the same throughput under both labels (MI300X vLLM 0.4.3 runs,
    # v4.1: fp8 by AMD, fp16 by Dell); TensorRT-LLM quantised Hopper LLM runs to fp8.
    has_fp8 = b["gpu_id"].map(catalogs.gpus["dense_fp8_tflops"]).fillna(0) > 0
    b["precision_submitted"] = b["precision"]
    b.loc[has_fp8 & (b["precision"] == "bf16"), "precision"] = "fp8"
    latest = b.groupby(["gpu_id", "model_id", "scenario"])["version"].transform(
        lambda v: max(v, key=version_key))
    b["fit"] = b["version"] == latest
    return b.reset_index(drop=True)


def calibration_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Median tokens/s per GPU of each (gpu, model, scenario) over its latest-version rows, as
    :func:`measured` reports it; precision = the one most often submitted."""
    g = rows[rows["fit"]].groupby(["gpu_id", "model_id", "scenario"], sort=True)
    return g.agg(tokens_per_s_per_gpu=("tokens_per_s_per_gpu", "median"),
                 version=("version", "first"), workload=("workload", "first"),
                 precision=("precision", lambda s: s.mode().iloc[0]),
                 n_rows=("gpu_id", "size")).reset_index()


def estimate(rows: pd.DataFrame, catalogs: Any, factors: Factors) -> np.ndarray:
    """Roofline tokens/s per GPU for every row (gpu_id, model_id, precision, workload, scenario)."""
    keys = ["gpu_id", "model_id", "precision", "workload", "scenario"]
    cache: dict[tuple[Any, ...], float] = {}
    for k in rows[keys].drop_duplicates().itertuples(index=False):
        cache[tuple(k)] = roofline(catalogs.gpus.loc[k.gpu_id], catalogs.models.loc[k.model_id],
                                   k.precision, MLPERF_WORKLOADS[k.workload], factors,
                                   k.scenario, k.workload).tokens_per_s_per_gpu
    return np.array([cache[tuple(k)] for k in rows[keys].itertuples(index=False)])


def fit_factors(pairs: pd.DataFrame, rows: pd.DataFrame, catalogs: Any) -> Factors:
    """Robust least squares (soft-L1, scale LOSS_SCALE) of log(estimate / measured) over the pairs:
    a 5 x 4 x 5 grid, then Nelder-Mead on logit-transformed efficiencies (each kept in (0, 1)).
    Deterministic. The server ratios are measured medians of ``rows`` (not fitted)."""
    from scipy.optimize import minimize

    ratio = server_offline_ratio(rows)
    ratio = 1.0 if math.isnan(ratio) else ratio
    by_wl = {w: server_offline_ratio(rows, w) for w in sorted(rows["workload"].unique())}
    y = np.log(pairs["tokens_per_s_per_gpu"].to_numpy(float))

    def unpack(x: np.ndarray) -> Factors:
        c, bw, f4 = 1.0 / (1.0 + np.exp(-np.asarray(x, float)))
        return Factors(float(c), float(bw), float(f4), ratio, by_wl)

    def loss(x: np.ndarray) -> float:
        r = np.log(np.maximum(estimate(pairs, catalogs, unpack(x)), 1e-9)) - y
        z = (r / LOSS_SCALE) ** 2  # soft-L1: quadratic for |r| << scale, linear beyond
        return float(np.sum(2.0 * (np.sqrt(1.0 + z) - 1.0))) if LOSS_SCALE > 0 else float(r @ r)

    logit = [math.log(v / (1 - v)) for v in (0.2, 0.35, 0.5, 0.65, 0.8)]
    grid = [np.array((c, b, f)) for c in logit for b in logit[1:] for f in logit]
    x0 = min(grid, key=loss)
    res = minimize(loss, x0, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-7})
    return unpack(res.x)


def _ape(est: Any, meas: Any) -> np.ndarray:
    meas = np.asarray(meas, float)
    return np.abs(np.asarray(est, float) - meas) / meas


class _ById:
    """Identity-hashed handle, so a Catalogs object (DataFrames inside) can key an lru_cache."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ById) and other.obj is self.obj


@functools.lru_cache(maxsize=4)
def _calibrate(handle: _ById) -> Calibration:
    rows = calibration_rows(handle.obj)
    pairs = calibration_pairs(rows)
    if pairs.empty:
        raise InputError("benchmarks catalog: no MLPerf result matches a catalog GPU and model "
                         "with a known workload; the roofline estimate cannot be calibrated")
    f = fit_factors(pairs, rows, handle.obj)
    ape = _ape(estimate(pairs, handle.obj, f), pairs["tokens_per_s_per_gpu"])
    per_gpu = pd.Series(ape).groupby(pairs["gpu_id"].to_numpy()).median().to_dict()
    return Calibration(f.eta_c, f.eta_bw, f.eta_fp4, f.server_ratio, dict(f.server_ratio_by_workload),
                       int(pairs["n_rows"].sum()),
                       len(pairs), float(np.median(ape)), float(ape.max()), per_gpu)


def calibrate(catalogs: Any) -> Calibration:
    """Fit eta_c, eta_bw and eta_fp4 on the shipped MLPerf results (cached per catalogs object).

    Returns
    -------
    :class:`Calibration`: the factors, rows and pairs used, and the median / worst APE of the
    estimate against the pairs' median measured tokens/s per GPU.
    """
    return _calibrate(_ById(catalogs))


@functools.lru_cache(maxsize=4)
def _report(handle: _ById) -> tuple[Calibration, pd.DataFrame, pd.DataFrame]:
    catalogs, cal = handle.obj, calibrate(handle.obj)
    rows = calibration_rows(catalogs)
    pairs = calibration_pairs(rows)
    for df in (rows, pairs):
        df["estimate"] = estimate(df, catalogs, cal.factors)
        df["loo_estimate"] = np.nan
    for g in sorted(pairs["gpu_id"].unique()):  # leave one GPU out: refit without its pairs
        keep = rows[rows["gpu_id"] != g]
        train = pairs[pairs["gpu_id"] != g].reset_index(drop=True)
        if train.empty:
            continue
        f = fit_factors(train, keep, catalogs)
        for df in (rows, pairs):
            df.loc[df["gpu_id"] == g, "loo_estimate"] = estimate(df[df["gpu_id"] == g], catalogs, f)
    for df in (rows, pairs):
        df["ape"] = _ape(df["estimate"], df["tokens_per_s_per_gpu"])
        df["loo_ape"] = _ape(df["loo_estimate"], df["tokens_per_s_per_gpu"])
    loo = pairs["loo_ape"]
    cal = Calibration(**{**asdict(cal), "loo_median_ape": float(loo.median()),
                         "loo_per_gpu_median_ape": loo.groupby(pairs["gpu_id"]).median().to_dict()})
    return cal, rows, pairs


def calibration_report(catalogs: Any) -> tuple[Calibration, pd.DataFrame, pd.DataFrame]:
    """Calibration with its leave-one-GPU-out error, plus every matched MLPerf row and every pair,
    each with ``estimate``, ``ape``, ``loo_estimate`` and ``loo_ape`` (from factors fitted
    without any result of that GPU)."""
    cal, rows, pairs = _report(_ById(catalogs))
    return cal, rows.copy(), pairs.copy()
