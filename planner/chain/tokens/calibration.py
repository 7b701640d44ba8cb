"""Calibration of the roofline estimate against MLPerf: fit eta_c, eta_bw and eta_fp4.

The factors of :func:`planner.chain.tokens.roofline.roofline` are fitted on the median MLPerf result of each
(GPU, model, scenario) pair of the latest version by robust least squares of the log error
(:func:`calibrate`, cached per catalogs object); :func:`calibration_report` adds a
leave-one-GPU-out check (refit without each GPU's results, predict them).
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.chain.tokens.fit_cache import cached, content_key
from planner.chain.tokens.mlperf import (
    MLPERF_WORKLOADS,
    benchmark_rows,
    mlperf_key,
    scenario_target,
    server_offline_ratio,
    version_key,
)
from planner.chain.tokens.roofline import Factors, roofline
from planner.errors import InputError

LOSS_SCALE = 0.1
"""Scale of the soft-L1 loss on log residuals [-]: errors beyond ~10 % count linearly, so a few
pairs the roofline cannot describe (DeepSeek-R1) do not set the factors for all the others."""


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
        return Factors(
            self.eta_c, self.eta_bw, self.eta_fp4, self.server_ratio, self.server_ratio_by_workload
        )


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
    """Roofline tokens/s per GPU for every row (gpu_id, model_id, precision, workload, scenario), each
    at its MLPerf scenario's latency limits (:func:`planner.chain.tokens.mlperf.scenario_target`)."""
    keys = ["gpu_id", "model_id", "precision", "workload", "scenario"]
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
        ).tokens_per_s_per_gpu
    return np.array([cache[tuple(k)] for k in rows[keys].itertuples(index=False)])


def fit_factors(pairs: pd.DataFrame, rows: pd.DataFrame, catalogs: Any) -> Factors:
    """Robust least squares (soft-L1, scale LOSS_SCALE) of log(estimate / measured) over the pairs:
    a 3 x 3 x 3 grid, then Nelder-Mead on logit-transformed efficiencies (each kept in (0, 1)).
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

    logit = [math.log(v / (1 - v)) for v in (0.25, 0.5, 0.75)]
    grid = [np.array((c, b, f)) for c in logit for b in logit for f in logit]
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


def fit_calibration(catalogs: Any) -> Calibration:
    """Fit the factors on the catalogs' MLPerf pairs and measure the estimate's error (no cache)."""
    rows = calibration_rows(catalogs)
    pairs = calibration_pairs(rows)
    if pairs.empty:
        raise InputError(
            "benchmarks catalog: no MLPerf result matches a catalog GPU and model "
            "with a known workload; the roofline estimate cannot be calibrated"
        )
    f = fit_factors(pairs, rows, catalogs)
    ape = _ape(estimate(pairs, catalogs, f), pairs["tokens_per_s_per_gpu"])
    per_gpu = pd.Series(ape).groupby(pairs["gpu_id"].to_numpy()).median().to_dict()
    return Calibration(
        f.eta_c,
        f.eta_bw,
        f.eta_fp4,
        f.server_ratio,
        dict(f.server_ratio_by_workload),
        int(pairs["n_rows"].sum()),
        len(pairs),
        float(np.median(ape)),
        float(ape.max()),
        per_gpu,
    )


def calibration_key(catalogs: Any) -> str:
    """Content hash of what the fit depends on: GPU, model and MLPerf catalogs and the fitting code."""
    from planner.chain import physics
    from planner.chain.tokens import mlperf, roofline

    frames = (catalogs.gpus, catalogs.models, catalogs.benchmarks)
    return content_key(frames, (sys.modules[__name__], mlperf, roofline, physics))


@functools.lru_cache(maxsize=4)
def _calibrate(handle: _ById) -> Calibration:
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
    cal = Calibration(
        **{
            **asdict(cal),
            "loo_median_ape": float(loo.median()),
            "loo_per_gpu_median_ape": loo.groupby(pairs["gpu_id"]).median().to_dict(),
        }
    )
    return cal, rows, pairs


def leave_one_round_out(catalogs: Any) -> pd.DataFrame:
    """Fit on every MLPerf round but the newest in the catalog, predict the newest round's pairs.

    Returns the newest round's pairs with ``loro_estimate`` and ``loro_ape``; empty with fewer
    than two rounds. A check the fit cannot be tuned to: the newest results never enter it.
    """
    rows = calibration_rows(catalogs)
    newest = max(rows["version"], key=version_key)
    old = mark_latest(rows[rows["version"] != newest])
    if old.empty:
        return pd.DataFrame()
    f = fit_factors(calibration_pairs(old), old, catalogs)
    test = calibration_pairs(rows[rows["version"] == newest].assign(fit=True))
    test["loro_estimate"] = estimate(test, catalogs, f)
    test["loro_ape"] = _ape(test["loro_estimate"], test["tokens_per_s_per_gpu"])
    return test


def calibration_report(catalogs: Any) -> tuple[Calibration, pd.DataFrame, pd.DataFrame]:
    """Calibration with its leave-one-GPU-out error, plus every matched MLPerf row and every pair,
    each with ``estimate``, ``ape``, ``loo_estimate`` and ``loo_ape`` (from factors fitted
    without any result of that GPU)."""
    cal, rows, pairs = _report(_ById(catalogs))
    return cal, rows.copy(), pairs.copy()
