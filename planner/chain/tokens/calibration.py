"""Calibration of the roofline estimate against MLPerf: efficiencies and shrunk corrections.

The roofline (:func:`planner.chain.tokens.roofline.roofline`) is fitted on the median MLPerf
result of each (GPU, model, scenario) pair of the latest version:

* eta_c, eta_bw, eta_fp4 from a small grid (ETA_GRID, every point), chosen by leave-one-GPU-out
  error;
* then log(measured / roofline) = u + min(D(u), c_scenario + d_(benchmark, scenario)), with
  u = mu + a_vendor + a_family + b_model the log efficiency, which also stretches the step the
  latency target checks (D(u) = log roofline(e^u x target) - log roofline(target), 0 offline:
  :mod:`planner.chain.tokens.stretch`); of the two costs of the latency limit, the stretch's D
  and the regime's c + d, the larger applies; each effect but mu and c shrunk toward 0 with prior
  strengths chosen by leave-one-GPU-out error (:mod:`planner.chain.tokens.shrinkage`, Gauss-Newton
  for D). A GPU without results
  inherits its vendor's and family's effects; a model's measured/estimated ratio carries to GPUs
  it was not run on; the regime effect replaces the server/offline ratio
  (:mod:`planner.chain.tokens.corrections`).

:func:`calibrate` caches the fit per catalogs object and on disk by content;
:func:`calibration_report` adds leave-one-GPU-out (effects refitted without each GPU, same
efficiencies and prior strengths) and :func:`leave_one_round_out` fits everything on the rounds
before one and predicts it.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.chain.tokens import shrinkage
from planner.chain.tokens.corrections import DEFAULT_REGIME, Corrections, gpu_family, monotone_anchors
from planner.chain.tokens.fit_cache import cached, content_key
from planner.chain.tokens.mlperf import (
    MLPERF_LIMITS,
    MLPERF_WORKLOADS,
    benchmark_rows,
    mlperf_key,
    pair_keys,
    scenario_target,
    server_offline_ratio,
    version_key,
)
from planner.chain.tokens.roofline import STEP_COST_PRIOR_PER_LAYER_S, Factors, StepCost, roofline
from planner.chain.tokens.stretch import Stretch, curves
from planner.chain.tokens.topology import mlperf_plan
from planner.errors import InputError


@dataclass(frozen=True)
class Calibration:
    """Fitted efficiencies and corrections and the estimate's absolute percentage error (APE,
    0.1 = 10 %) against the median MLPerf result of each (GPU, model, scenario) pair of the
    latest version. ``server_ratio`` (``_by_workload``) are the measured median server/offline
    ratios, reported; the estimate uses the fitted regime effect instead. Effects are in log
    space [-]; ``prior_strength`` per level and ``cv_error`` (mean |log error| leave-one-GPU-out)
    are those the fit chose."""

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
    shared_effect: float = 0.0
    vendor_effect: Mapping[str, float] = field(default_factory=dict)
    family_effect: Mapping[str, float] = field(default_factory=dict)
    model_effect: Mapping[str, float] = field(default_factory=dict)
    regime_anchors: Mapping[str, list[list[float]]] = field(default_factory=dict)
    prior_strength: Mapping[str, float] = field(default_factory=dict)
    cv_error: float = float("nan")
    loo_worst_ape: float = float("nan")
    step_per_step_s: float = 0.0
    step_per_layer_s: float = 0.0
    step_per_moe_layer_s: float = 0.0
    step_cv_error: float = float("nan")

    @property
    def step(self) -> StepCost:
        """The fitted per-step cost t_0 = a + b L + m L [MoE] (:class:`StepCost`)."""
        return StepCost(self.step_per_step_s, self.step_per_layer_s, self.step_per_moe_layer_s)

    @property
    def corrections(self) -> Corrections:
        """The fitted hardware, model and regime corrections."""
        return Corrections(
            self.shared_effect,
            dict(self.vendor_effect),
            dict(self.family_effect),
            dict(self.model_effect),
            {k: [list(p) for p in v] for k, v in self.regime_anchors.items()},
        )

    @property
    def factors(self) -> Factors:
        """Factors of the calibrated estimate (server ratio 1: the regime effect replaces it)."""
        return Factors(self.eta_c, self.eta_bw, self.eta_fp4, 1.0, {}, self.corrections, self.step)


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
    return mark_latest(b).reset_index(drop=True)


def mark_latest(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``fit`` = the row is of the latest version of its (gpu, model, scenario)."""
    rows = rows.copy()
    latest = rows.groupby(["gpu_id", "model_id", "scenario"])["version"].transform(
        lambda v: max(v, key=version_key)
    )
    rows["fit"] = rows["version"] == latest
    return rows


def calibration_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Median tokens/s per GPU of each (gpu, model, scenario) over its latest-version rows, as
    :func:`planner.chain.tokens.throughput.measured` reports it; precision = the one most often submitted."""
    g = rows[rows["fit"]].groupby(["gpu_id", "model_id", "scenario"], sort=True)
    return g.agg(
        tokens_per_s_per_gpu=("tokens_per_s_per_gpu", "median"),
        version=("version", "first"),
        workload=("workload", "first"),
        precision=("precision", lambda s: s.mode().iloc[0]),
        n_rows=("gpu_id", "size"),
    ).reset_index()


def estimate(rows: pd.DataFrame, catalogs: Any, factors: Factors) -> np.ndarray:
    """Roofline tokens/s per GPU for every row (gpu_id, model_id, precision, workload, scenario and
    version, if given), each at its MLPerf scenario's latency limits
    (:func:`planner.chain.tokens.mlperf.scenario_target`) with the topologies its round's rules
    allow (:func:`planner.chain.tokens.topology.mlperf_plan`)."""
    keys = pair_keys(rows)
    cache: dict[tuple[Any, ...], float] = {}
    for k in rows[keys].drop_duplicates().itertuples(index=False):
        cache[tuple(k)] = roofline(
            catalogs.gpus.loc[k.gpu_id],
            catalogs.models.loc[k.model_id],
            k.precision,
            MLPERF_WORKLOADS[k.workload],
            factors,
            scenario_target(k.workload, k.scenario),
            k.workload,
            mlperf_plan(k.workload, k.scenario, getattr(k, "version", "")),
        ).tokens_per_s_per_gpu
    return np.array([cache[tuple(k)] for k in rows[keys].itertuples(index=False)])


ETA_GRID: dict[str, tuple[float, ...]] = {
    # achieved shares of peak tried by the fit [-]. Bracket public microbenchmarks: Azure measured
    # 2,744 of 5,000 dense fp8 TFLOP/s (0.55) and 7.35 of 8 TB/s HBM (0.92) on GB200 (Azure HPC
    # blog, 2025-04-01); fp4 GEMMs below fp8's share (estimate: smaller tiles, scale factors).
    "eta_c": (0.35, 0.5, 0.65),
    "eta_bw": (0.6, 0.75, 0.9),
    "eta_fp4": (0.25, 0.4, 0.55),
}


STEP_GRID: dict[str, tuple[float, ...]] = {
    # per-step cost t_0 = a + b L + m L [MoE] tried by the fit [s] (roofline.StepCost). Estimates
    # bracketing the parts: a, sampling, scheduling and host sync of a step (0.1-1 ms in vLLM and
    # TensorRT-LLM step loops; up to 4 ms tried); b, ~10 kernels a layer at ~2 us from a CUDA graph
    # plus two collectives at ~5 us (STEP_COST_PRIOR_PER_LAYER_S, the start); m, routing,
    # permutation, dispatch and combine of a MoE layer (a few kernels and, across GPUs, two
    # all-to-all latencies of ~10 us).
    "per_step_s": (0.0, 0.5e-3, 1e-3, 2e-3, 4e-3),
    "per_layer_s": (0.0, 15e-6, STEP_COST_PRIOR_PER_LAYER_S, 60e-6),
    "per_moe_layer_s": (0.0, 25e-6, 50e-6, 100e-6),
}
STEP_START: dict[str, float] = {
    "per_step_s": 0.0,
    "per_layer_s": STEP_COST_PRIOR_PER_LAYER_S,
    "per_moe_layer_s": 0.0,
}
"""Where the per-step cost search starts: the prior estimate (30 us a layer, nothing else)."""
STEP_SCENARIO = "interactive"
"""The pairs the per-step cost is chosen on: MLPerf's tightest TPOT limits, where it weighs most."""


@dataclass(frozen=True)
class _Fit:
    """A fitted calibration: efficiencies, per-step cost, prior strengths, effects, CV errors."""

    eta: tuple[float, float, float]
    strengths: dict[str, float]
    fx: dict[str, dict[str, float]]
    cv: float
    step: StepCost = field(default_factory=StepCost)
    step_cv: float = float("nan")


def _labelled(pairs: pd.DataFrame, catalogs: Any) -> pd.DataFrame:
    """``pairs`` with the GPU's ``vendor`` and architecture ``family``."""
    return pairs.assign(
        vendor=pairs["gpu_id"].map(catalogs.gpus["vendor"]).fillna("").astype(str),
        family=pairs["gpu_id"].map(gpu_family),
    )


def _physics(
    pairs: pd.DataFrame, catalogs: Any, eta: tuple[float, float, float], step: StepCost
) -> np.ndarray:
    """Roofline tokens/s per GPU of each pair at its scenario's limits, no corrections."""
    return estimate(pairs, catalogs, Factors(*eta, 1.0, {}, None, step))


@dataclass(frozen=True)
class _Data:
    """The pairs the roofline finds feasible, y = log(measured / roofline) [-] and D(u) of each
    (:func:`planner.chain.tokens.stretch.curves`)."""

    pairs: pd.DataFrame
    y: np.ndarray
    curves: np.ndarray

    def stretch(self, keep: np.ndarray | None = None) -> Stretch:
        """The :class:`Stretch` of the pairs (of those in ``keep``) on their design."""
        columns = shrinkage.design(self.pairs if keep is None else self.pairs[keep]).efficiency
        return Stretch(self.curves if keep is None else self.curves[keep], columns)


def _data(pairs: pd.DataFrame, catalogs: Any, eta: tuple[float, float, float], step: StepCost) -> _Data:
    """The fit's data at efficiencies ``eta`` and per-step cost ``step``: feasible labelled pairs,
    residuals and stretch."""
    base = _physics(pairs, catalogs, eta, step)
    ok = base > 0
    y = np.log(pairs["tokens_per_s_per_gpu"].to_numpy(float)[ok] / base[ok])
    kept = pairs[ok].reset_index(drop=True)
    return _Data(kept, y, curves(kept, catalogs, eta, step))


def corrections_of(fx: Mapping[str, Mapping[str, float]]) -> Corrections:
    """:class:`Corrections` from fitted effects; regime anchors at each benchmark's MLPerf TPOT
    limits (pooled ones at llama2-70b's), made monotone in TPOT."""
    regime: dict[str, list[list[float]]] = {}
    for wl in [*MLPERF_LIMITS, DEFAULT_REGIME]:
        points = shrinkage.regime_points(fx, wl or None)
        anchor = wl or "llama2-70b"
        regime[wl] = monotone_anchors([(scenario_target(anchor, s).tpot_s, c) for s, c in points.items()])
    return Corrections(
        fx.get("intercept", {}).get("", 0.0),
        dict(fx.get("vendor", {})),
        dict(fx.get("family", {})),
        dict(fx.get("model", {})),
        regime,
    )


def _factors(fit: _Fit) -> Factors:
    """Factors of a fit: efficiencies, server ratio 1 (the regime effect replaces it), corrections."""
    return Factors(*fit.eta, 1.0, {}, corrections_of(fit.fx), fit.step)


def _fit_at(
    data: _Data, strengths: Mapping[str, float], keep: np.ndarray | None = None
) -> dict[str, dict[str, float]]:
    """Effects fitted on the pairs of ``data`` (those in ``keep``) (:func:`shrinkage.solve`)."""
    pairs, y = (
        (data.pairs, data.y) if keep is None else (data.pairs[keep].reset_index(drop=True), data.y[keep])
    )
    d = shrinkage.design(pairs)
    return shrinkage.effects(d, shrinkage.solve(d.x, y, d.penalty(strengths), data.stretch(keep)))


def fit_effects(pairs: pd.DataFrame, catalogs: Any) -> _Fit:
    """Choose the efficiencies (every point of ETA_GRID at the prior per-step cost STEP_START and the
    default prior strengths, :func:`shrinkage.grid_search`, by leave-one-GPU-out error), then the
    per-step cost (STEP_GRID, :func:`shrinkage.coordinate_search` from STEP_START, by the
    leave-one-GPU-out error of the interactive pairs, :func:`step_error`), then the prior strengths
    (shrinkage.LAMBDA_GRID, by leave-one-GPU-out error), and fit the effects on all ``pairs`` with
    them (the efficiency stretching the step, :mod:`.stretch`)."""
    pairs = _labelled(pairs.reset_index(drop=True), catalogs)
    start = StepCost(**STEP_START)

    def eta_error(eta: Mapping[str, float]) -> float:
        data = _data(pairs, catalogs, _eta(eta), start)
        d, groups = shrinkage.design(data.pairs), data.pairs["gpu_id"].to_numpy()
        return shrinkage.cv_error(d, data.y, groups, shrinkage.DEFAULT_LAMBDA, data.stretch())

    eta, _ = shrinkage.grid_search(ETA_GRID, eta_error)
    point, step_cv = shrinkage.coordinate_search(
        STEP_GRID, lambda st: step_error(pairs, catalogs, _eta(eta), StepCost(**st)), STEP_START
    )
    step = StepCost(**point)
    data = _data(pairs, catalogs, _eta(eta), step)
    d, groups = shrinkage.design(data.pairs), data.pairs["gpu_id"].to_numpy()
    strengths, cv = shrinkage.choose_strengths(d, data.y, groups, data.stretch())
    return _Fit(_eta(eta), strengths, _fit_at(data, strengths), cv, step, step_cv)


def step_error(pairs: pd.DataFrame, catalogs: Any, eta: tuple[float, float, float], step: StepCost) -> float:
    """Mean |log error| leave-one-GPU-out over the interactive pairs (STEP_SCENARIO) with per-step
    cost ``step`` [-] (effects refitted on all pairs without each GPU's, default prior strengths).
    A per-step cost under which the roofline cannot reach a measured interactive result it reaches
    without one (0 tokens/s: the step alone exceeds the limit) is ruled out (inf): the result proves
    the step is faster. 0 without interactive pairs (every cost ties; the search keeps its start).
    ``pairs`` as :func:`calibration_pairs` gives them."""
    pairs = _labelled(pairs.reset_index(drop=True), catalogs)
    data = _data(pairs, catalogs, eta, step)
    reachable = _physics(pairs, catalogs, eta, StepCost()) > 0
    wanted = int((reachable & (pairs["scenario"] == STEP_SCENARIO).to_numpy()).sum())
    mask = (data.pairs["scenario"] == STEP_SCENARIO).to_numpy()
    if int(mask.sum()) < wanted:
        return float("inf")
    if not mask.any():
        return 0.0
    d, groups = shrinkage.design(data.pairs), data.pairs["gpu_id"].to_numpy()
    pred = shrinkage.leave_one_out(d, data.y, groups, d.penalty(shrinkage.DEFAULT_LAMBDA), data.stretch())
    ok = mask & np.isfinite(pred)
    return float(np.mean(np.abs(data.y[ok] - pred[ok]))) if ok.any() else float("inf")


def _eta(eta: Mapping[str, float]) -> tuple[float, float, float]:
    return (eta["eta_c"], eta["eta_bw"], eta["eta_fp4"])


def fit_factors(pairs: pd.DataFrame, rows: pd.DataFrame, catalogs: Any) -> Factors:
    """Calibrated :class:`Factors` from ``pairs`` (:func:`fit_effects`): the roofline's efficiencies
    and the hardware, model and regime corrections. Deterministic. ``rows`` is kept for the
    signature (the measured server ratios are reported by :func:`fit_calibration`)."""
    del rows
    return _factors(fit_effects(pairs, catalogs))


def _ape(est: Any, meas: Any) -> np.ndarray:
    meas = np.asarray(meas, float)
    return np.abs(np.asarray(est, float) - meas) / meas


class ById:
    """Identity-hashed handle, so a Catalogs object (DataFrames inside) can key an lru_cache."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ById) and other.obj is self.obj


def fit_calibration(catalogs: Any) -> Calibration:
    """Fit the calibration on the catalogs' MLPerf pairs and measure the estimate's error (no cache)."""
    rows = calibration_rows(catalogs)
    pairs = calibration_pairs(rows)
    if pairs.empty:
        raise InputError(
            "benchmarks catalog: no MLPerf result matches a catalog GPU and model "
            "with a known workload; the roofline estimate cannot be calibrated"
        )
    fit = fit_effects(pairs, catalogs)
    f = _factors(fit)
    ape = _ape(estimate(pairs, catalogs, f), pairs["tokens_per_s_per_gpu"])
    per_gpu = pd.Series(ape).groupby(pairs["gpu_id"].to_numpy()).median().to_dict()
    ratio = server_offline_ratio(rows)
    c = f.corrections
    assert c is not None
    return Calibration(
        *fit.eta,
        1.0 if math.isnan(ratio) else ratio,
        {w: server_offline_ratio(rows, w) for w in sorted(rows["workload"].unique())},
        int(pairs["n_rows"].sum()),
        len(pairs),
        float(np.median(ape)),
        float(ape.max()),
        per_gpu,
        shared_effect=c.shared,
        vendor_effect=dict(c.vendor),
        family_effect=dict(c.family),
        model_effect=dict(c.model),
        regime_anchors={k: [list(p) for p in v] for k, v in c.regime.items()},
        prior_strength=dict(fit.strengths),
        cv_error=fit.cv,
        step_per_step_s=fit.step.per_step_s,
        step_per_layer_s=fit.step.per_layer_s,
        step_per_moe_layer_s=fit.step.per_moe_layer_s,
        step_cv_error=fit.step_cv,
    )


def calibration_key(catalogs: Any) -> str:
    """Content hash of what the fit depends on: GPU, model and MLPerf catalogs and the fitting code."""
    from planner.chain import constants, physics
    from planner.chain.tokens import (
        corrections,
        fields,
        linear,
        links,
        mlperf,
        option,
        roofline,
        stretch,
        topology,
    )

    frames = (catalogs.gpus, catalogs.models, catalogs.benchmarks)
    modules = (
        sys.modules[__name__],
        mlperf,
        roofline,
        linear,
        links,
        option,
        fields,
        physics,
        constants,
        corrections,
    )
    modules += (shrinkage, stretch, topology)
    return content_key(frames, modules)


@functools.lru_cache(maxsize=4)
def _calibrate(handle: ById) -> Calibration:
    """Fitted calibration of one catalogs object: from the disk cache when its content was fitted."""
    value = cached("calibration", calibration_key(handle.obj), lambda: asdict(fit_calibration(handle.obj)))
    return Calibration(**value)


def calibrate(catalogs: Any) -> Calibration:
    """Fit eta_c, eta_bw and eta_fp4 on the shipped MLPerf results.

    Cached per catalogs object in memory and by content on disk
    (:mod:`planner.chain.tokens.fit_cache`): a fresh process reuses the fit of identical catalogs.

    Returns
    -------
    :class:`Calibration`: the factors, rows and pairs used, and the median / worst APE of the
    estimate against the pairs' median measured tokens/s per GPU.
    """
    return _calibrate(ById(catalogs))


def _fold_factors(
    pairs: pd.DataFrame, catalogs: Any, cal: Calibration, key: str = "gpu_id"
) -> dict[str, Factors]:
    """Per value of ``key`` (a GPU, or a model): the calibration's factors with the effects refitted
    without that value's pairs (same efficiencies and prior strengths)."""
    eta = (cal.eta_c, cal.eta_bw, cal.eta_fp4)
    data = _data(_labelled(pairs, catalogs), catalogs, eta, cal.step)
    out: dict[str, Factors] = {}
    for g in sorted(data.pairs[key].unique()):
        keep = (data.pairs[key] != g).to_numpy()
        if keep.any():
            fx = _fit_at(data, cal.prior_strength, keep)
            out[g] = _factors(_Fit(eta, dict(cal.prior_strength), fx, float("nan"), cal.step))
    return out


@functools.lru_cache(maxsize=4)
def _report(handle: ById) -> tuple[Calibration, pd.DataFrame, pd.DataFrame]:
    catalogs, cal = handle.obj, calibrate(handle.obj)
    rows = calibration_rows(catalogs)
    pairs = calibration_pairs(rows)
    for df in (rows, pairs):
        df["estimate"] = estimate(df, catalogs, cal.factors)
        df["loo_estimate"] = np.nan
    for g, f in _fold_factors(pairs, catalogs, cal).items():
        for df in (rows, pairs):
            df.loc[df["gpu_id"] == g, "loo_estimate"] = estimate(df[df["gpu_id"] == g], catalogs, f)
    for df in (rows, pairs):
        df["ape"] = _ape(df["estimate"], df["tokens_per_s_per_gpu"])
        df["loo_ape"] = _ape(df["loo_estimate"], df["tokens_per_s_per_gpu"])
    loo = pairs["loo_ape"]
    cal = Calibration(
        **{
            **asdict(cal),
            "loo_median_ape": float(loo.median()),
            "loo_worst_ape": float(loo.max()),
            "loo_per_gpu_median_ape": loo.groupby(pairs["gpu_id"]).median().to_dict(),
        }
    )
    return cal, rows, pairs


@functools.lru_cache(maxsize=8)
def _round_out(handle: ById, version: str | None) -> pd.DataFrame:
    rows = calibration_rows(handle.obj)
    target = max(rows["version"], key=version_key) if version is None else version
    old = mark_latest(rows[rows["version"].map(version_key) < version_key(target)])
    test = rows[rows["version"] == target]
    if old.empty or test.empty:
        return pd.DataFrame()
    f = fit_factors(calibration_pairs(old), old, handle.obj)
    test = calibration_pairs(test.assign(fit=True))
    test["loro_estimate"] = estimate(test, handle.obj, f)
    test["loro_ape"] = _ape(test["loro_estimate"], test["tokens_per_s_per_gpu"])
    test.attrs["step"] = f.step.label()
    return test


def leave_one_round_out(catalogs: Any, version: str | None = None) -> pd.DataFrame:
    """Fit on the MLPerf rounds before ``version`` (default: the newest in the catalog), predict
    that round's pairs.

    Everything is refitted on the older rounds: efficiencies, prior strengths, effects and the
    per-step cost (its label in ``attrs["step"]``). Returns the round's pairs with ``loro_estimate``
    and ``loro_ape``; empty without
    an older round or without results of ``version``. A check the fit cannot be tuned to: that
    round's results never enter it.
    """
    return _round_out(ById(catalogs), version).copy()


def leave_one_model_out(catalogs: Any) -> pd.DataFrame:
    """The pairs with ``lomo_estimate`` and ``lomo_ape``: each served model's pairs predicted by the
    effects refitted without any result of that model (its model effect is then the shared 0, as
    for a model MLPerf never ran); efficiencies and prior strengths as in :func:`calibrate`."""
    cal = calibrate(catalogs)
    pairs = calibration_pairs(calibration_rows(catalogs))
    pairs["lomo_estimate"] = np.nan
    for m, f in _fold_factors(pairs, catalogs, cal, "model_id").items():
        pairs.loc[pairs["model_id"] == m, "lomo_estimate"] = estimate(
            pairs[pairs["model_id"] == m], catalogs, f
        )
    pairs["lomo_ape"] = _ape(pairs["lomo_estimate"], pairs["tokens_per_s_per_gpu"])
    return pairs


def leave_one_family_out(catalogs: Any) -> pd.DataFrame:
    """The pairs with ``lofo_estimate`` and ``lofo_ape``: each GPU architecture family's pairs
    (:data:`planner.chain.tokens.corrections.GPU_FAMILY`) predicted by the effects refitted without
    any result of that family (its family effect is then the shared 0, as for a family MLPerf never
    ran, e.g. an announced generation); efficiencies and prior strengths as in :func:`calibrate`."""
    cal = calibrate(catalogs)
    pairs = _labelled(calibration_pairs(calibration_rows(catalogs)), catalogs)
    pairs["lofo_estimate"] = np.nan
    for fam, f in _fold_factors(pairs, catalogs, cal, "family").items():
        sel = pairs["family"] == fam
        pairs.loc[sel, "lofo_estimate"] = estimate(pairs[sel], catalogs, f)
    pairs["lofo_ape"] = _ape(pairs["lofo_estimate"], pairs["tokens_per_s_per_gpu"])
    return pairs


def calibration_report(catalogs: Any) -> tuple[Calibration, pd.DataFrame, pd.DataFrame]:
    """Calibration with its leave-one-GPU-out error, plus every matched MLPerf row and every pair,
    each with ``estimate``, ``ape``, ``loo_estimate`` and ``loo_ape`` (from factors fitted
    without any result of that GPU)."""
    cal, rows, pairs = _report(ById(catalogs))
    return cal, rows.copy(), pairs.copy()
