"""The throughput-interactivity frontier: tokens/s per GPU against tokens/s per user.

Serving engineers compare hardware on this curve: a tighter time per output token (TPOT) gives
each user more tokens/s but leaves room for a smaller batch, so each GPU serves fewer. For a GPU
x served model at a precision, the sweep sets the latency target (TTFT the model card's, TPOT
from :data:`TPOT_MS`) and takes the calibrated roofline estimate at it
(:func:`planner.chain.tokens.throughput.throughput`, ``estimate_only``):

    tokens/s per user  u = 1000 / TPOT_ms                          the target's rate [tokens/s]
    tokens/s per GPU      = B / (t_step(B) + B t_pre / O) / n       B the largest batch whose mean
                                                                    interval fits TPOT (roofline.py)

With one decode step and no prefill (O -> infinity) a replica of n GPUs at batch B gives each user
1 / t_step and each GPU B / (n t_step). A pair infeasible at a target (no replica meets it) has no
point there: the curve ends. The sweep holds the model card's request shape (mean input and output
tokens, ``Curve.shape``) and TTFT (``Curve.ttft_ms``).

The MLPerf results of the model (:func:`measured_points`) are placed at their scenario's per-user
rate, 1000 / TPOT limit; offline (no limit) at the rate the GPU's offline estimate gives each user,
1 / mean interval at full batch. Each is compared with the estimate at its own conditions
(:func:`mlperf_estimate`: the benchmark's mean request shape and the scenario's TTFT and TPOT
limits, as the calibration fits it), not with the curve, which holds the card's shape and TTFT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.chain import physics
from planner.chain.tokens.calibration import calibrate
from planner.chain.tokens.mlperf import (
    MLPERF_WORKLOADS,
    benchmark_rows,
    mlperf_key,
    scenario_target,
    version_key,
    workload_for_model,
)
from planner.chain.tokens.roofline import OFFLINE, Roofline, Target, Workload, roofline
from planner.chain.tokens.shape import request_shape
from planner.chain.tokens.throughput import card_target, check_id, default_precision, throughput
from planner.errors import InputError

USER_RATES = tuple(float(u) for u in np.geomspace(2.0, 500.0, 25).round(2))
"""Tokens/s per user the sweep visits, log-spaced (TPOT 500 ms to 2 ms) [tokens/s]."""
TABLE_RATES = (5.0, 10.0, 25.0, 50.0, 100.0, 200.0)
"""Tokens/s per user of the printed table's columns (TPOT 200, 100, 40, 20, 10, 5 ms) [tokens/s]."""
SWEEP_COLUMNS = [
    "gpu_id",
    "precision",
    "tpot_ms",
    "tokens_per_s_per_user",
    "tokens_per_s_per_gpu",
    "replica_gpus",
    "batch",
    "mean_interval_ms",
    "topology",
]


def serving_gpus(catalogs: Any, model_id: str, precision: str | None = None) -> list[str]:
    """GPUs of the catalog that can serve ``model_id`` offline at some topology (weights and a
    minimum batch fit in one scale-up domain, or spread over several by expert parallelism), in
    catalog order."""
    return [
        g
        for g in catalogs.gpus.index
        if throughput(
            g, model_id, catalogs, estimate_only=True, precision=precision, target=OFFLINE
        ).tokens_per_s_per_gpu
        > 0
    ]


def check_request(catalogs: Any, model_id: str, gpu_ids: Sequence[str] | None, precision: str | None) -> None:
    """Raise :class:`planner.errors.InputError` naming the unknown model, GPU or precision."""
    check_id("model", model_id, list(catalogs.models.index))
    for g in gpu_ids or []:
        check_id("GPU", g, list(catalogs.gpus.index))
    if precision is not None:
        check_id("precision", precision, list(physics.PRECISIONS))


def sweep_rates(catalogs: Any, model_id: str) -> list[float]:
    """:data:`USER_RATES` plus the table's rates, the card's target and the model's MLPerf
    server / interactive limits (each as 1000 / TPOT ms), sorted [tokens/s per user]."""
    model = catalogs.models.loc[model_id]
    wl = mlperf_key(model.get("mlperf_model", ""))
    extra = [1.0 / card_target(model).tpot_s]
    if wl:
        extra += [1.0 / scenario_target(wl, s).tpot_s for s in ("server", "interactive")]
    return sorted({round(u, 6) for u in (*USER_RATES, *TABLE_RATES, *extra)})


def frontier(
    catalogs: Any,
    model_id: str,
    gpu_ids: Sequence[str] | None = None,
    precision: str | None = None,
    shape: Any = None,
    topologies: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tokens/s per GPU at each tokens/s per user of :func:`sweep_rates` for each GPU (default:
    :func:`serving_gpus`), at ``precision`` (default: each GPU's :func:`default_precision`) and
    request ``shape`` (``isl``, ``osl``, ``prefix_hit``; default the card's), at the best topology
    of ``topologies`` (default all: :mod:`planner.chain.tokens.topology`).

    Returns one row per feasible (GPU, rate): :data:`SWEEP_COLUMNS`; ``mean_interval_ms`` is the
    replica's mean time between a user's tokens (at most 0.85 TPOT, roofline.TPOT_HEADROOM),
    ``topology`` the one chosen and ``ttft_ms`` the prefill time without queueing.
    """
    check_request(catalogs, model_id, gpu_ids, precision)
    model = catalogs.models.loc[model_id]
    ttft = card_target(model).ttft_s
    gpus = list(gpu_ids) if gpu_ids else serving_gpus(catalogs, model_id, precision)
    rows = []
    for g in gpus:
        p = precision or default_precision(catalogs.gpus.loc[g], model)
        for u in sweep_rates(catalogs, model_id):
            t = throughput(
                g,
                model_id,
                catalogs,
                estimate_only=True,
                precision=p,
                target=Target(ttft, 1.0 / u),
                shape=shape,
                topologies=topologies,
            )
            if t.tokens_per_s_per_gpu > 0:
                rows.append([g, t.precision, 1e3 / u, u, t.tokens_per_s_per_gpu, t.replica_gpus, t.batch,
                             1e3 / t.tokens_per_s_per_user, t.topology])  # fmt: skip
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def measured_points(
    catalogs: Any, model_id: str, gpu_ids: Sequence[str] | None = None, precision: str | None = None
) -> pd.DataFrame:
    """MLPerf results of ``model_id`` (offline, server, interactive; every version), each with its
    per-user rate [tokens/s]: 1000 / the scenario's TPOT limit, offline the GPU's offline estimate's
    1 / mean interval at the benchmark's request shape (:func:`mlperf_estimate`). Columns: gpu_id,
    scenario, precision, version, submitter, tokens_per_s_per_gpu, tokens_per_s_per_user. Filtered
    to ``gpu_ids`` and ``precision`` if given (an fp16 label on a GPU with fp8 units counts as fp8,
    as in the calibration)."""
    b = benchmark_rows(catalogs)
    b = b[(b["model_id"] == model_id) & b["gpu_id"].isin(catalogs.gpus.index)].copy()
    if gpu_ids:
        b = b[b["gpu_id"].isin(list(gpu_ids))]
    fp8 = b["gpu_id"].map(catalogs.gpus["dense_fp8_tflops"]).fillna(0) > 0
    b.loc[fp8 & (b["precision"] == "bf16"), "precision"] = "fp8"
    if precision is not None:
        b = b[b["precision"] == precision]
    wl = mlperf_key(catalogs.models.loc[model_id].get("mlperf_model", ""))
    pairs = b.loc[b["scenario"] == "offline", ["gpu_id", "precision"]].drop_duplicates()
    offline = {
        (g, p): float(mlperf_estimate(catalogs, g, model_id, p, "offline").tokens_per_s_per_user)
        for g, p in pairs.itertuples(index=False)
    }
    b["tokens_per_s_per_user"] = [
        offline[(r.gpu_id, r.precision)]
        if r.scenario == "offline"
        else 1.0 / scenario_target(wl, r.scenario).tpot_s
        for r in b.itertuples()
    ]
    cols = ["gpu_id", "scenario", "precision", "version", "submitter", "tokens_per_s_per_gpu",
            "tokens_per_s_per_user"]  # fmt: skip
    return b[cols].reset_index(drop=True)


def at_rates(sweep: pd.DataFrame, rates: Sequence[float] = TABLE_RATES) -> pd.DataFrame:
    """Tokens/s per GPU of each GPU at each of ``rates`` tokens/s per user (NaN where it cannot
    serve that fast), plus the fastest per-user rate it reaches; one row per GPU, sweep order."""
    order = list(dict.fromkeys(sweep["gpu_id"]))
    wide = sweep.pivot_table(index="gpu_id", columns="tokens_per_s_per_user", values="tokens_per_s_per_gpu")
    out = wide.reindex(index=order, columns=list(rates))
    out["max_tokens_per_s_per_user"] = sweep.groupby("gpu_id")["tokens_per_s_per_user"].max().reindex(order)
    out["precision"] = sweep.groupby("gpu_id")["precision"].first().reindex(order)
    return out


def mlperf_shape(model: Any) -> Workload:
    """Mean request shape of the model's MLPerf benchmark (``MLPERF_WORKLOADS``), the card's
    without one [tokens]."""
    return MLPERF_WORKLOADS.get(mlperf_key(model.get("mlperf_model", "")), workload_for_model(model))


def mlperf_estimate(catalogs: Any, gpu_id: str, model_id: str, precision: str, scenario: str) -> Roofline:
    """The calibrated roofline at an MLPerf result's own conditions: the benchmark's mean request
    shape (:func:`mlperf_shape`) and the scenario's TTFT and TPOT limits (offline: none), the
    estimate the calibration compares with that result (``calibration.estimate``)."""
    model = catalogs.models.loc[model_id]
    wl = mlperf_key(model.get("mlperf_model", ""))
    target = scenario_target(wl, scenario)
    factors = calibrate(catalogs).factors
    return roofline(
        catalogs.gpus.loc[gpu_id], model, precision, mlperf_shape(model), factors, target, wl or None
    )


def measured_vs_estimate(catalogs: Any, points: pd.DataFrame, model_id: str) -> pd.DataFrame:
    """Per GPU x scenario x precision of ``points`` (:func:`measured_points`): the median measured
    tokens/s per GPU of the latest MLPerf version, its result count, and the calibrated estimate at
    the same conditions (:func:`mlperf_estimate`; ``error`` = estimate / measured - 1) [tokens/s].
    ``ttft_ms`` and ``tpot_ms`` are the scenario's limits (inf offline) [ms]."""
    wl = mlperf_key(catalogs.models.loc[model_id].get("mlperf_model", ""))
    rows = []
    for (g, s, p), grp in points.groupby(["gpu_id", "scenario", "precision"], sort=False):
        latest = grp[grp["version"] == max(grp["version"], key=version_key)]
        meas = float(latest["tokens_per_s_per_gpu"].median())
        est = mlperf_estimate(catalogs, g, model_id, p, s).tokens_per_s_per_gpu
        user = float(grp["tokens_per_s_per_user"].iloc[0])
        t = scenario_target(wl, s)
        rows.append([g, s, p, latest["version"].iloc[0], len(latest), user, t.ttft_s * 1e3, t.tpot_s * 1e3,
                     meas, est, est / meas - 1.0])  # fmt: skip
    cols = ["gpu_id", "scenario", "precision", "version", "results", "tokens_per_s_per_user", "ttft_ms",
            "tpot_ms", "measured", "estimate", "error"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class Curve:
    """The frontier of one served model: the sweep (:func:`frontier`), its table at
    :data:`TABLE_RATES` (:func:`at_rates`), the MLPerf points (:func:`measured_points`) and their
    per-scenario medians against the estimate (:func:`measured_vs_estimate`); ``shape`` is the
    request shape the sweep holds (mean input and output tokens) and ``ttft_ms`` its TTFT limit [ms];
    ``mlperf_shape`` the benchmark's, at which the MLPerf results are compared."""

    model_id: str
    sweep: pd.DataFrame
    table: pd.DataFrame
    points: pd.DataFrame
    measured: pd.DataFrame
    shape: Workload = Workload(0.0, 0.0)
    ttft_ms: float = float("nan")
    mlperf_shape: Any = None


def throughput_curve(
    catalogs: Any,
    model_id: str,
    gpu_ids: Sequence[str] | None = None,
    precision: str | None = None,
    shape: Any = None,
) -> Curve:
    """The :class:`Curve` of ``model_id`` for ``gpu_ids`` (default: every GPU that can serve it) at
    ``precision`` (default: each GPU's own), with the MLPerf results at each curve's precision;
    raises InputError for an unknown id or precision, or
    when no chosen GPU can serve the model at any swept target."""
    check_request(catalogs, model_id, gpu_ids, precision)
    model = catalogs.models.loc[model_id]
    wl, _ = request_shape(model, shape)
    sweep = frontier(catalogs, model_id, gpu_ids, precision, shape)
    if sweep.empty:
        chosen = ", ".join(gpu_ids) if gpu_ids else "no catalog GPU"
        raise InputError(
            f"model '{model_id}': {chosen} can serve it at none of the swept targets "
            f"({min(USER_RATES):g} to {max(USER_RATES):g} tokens/s per user); "
            "choose larger-memory GPUs with --gpus or another --precision"
        )
    points = measured_points(catalogs, model_id, list(dict.fromkeys(sweep["gpu_id"])))
    own = sweep.groupby("gpu_id")["precision"].first()  # each GPU's results at its curve's precision
    points = points[points["precision"] == points["gpu_id"].map(own)].reset_index(drop=True)
    return Curve(
        model_id,
        sweep,
        at_rates(sweep),
        points,
        measured_vs_estimate(catalogs, points, model_id),
        shape=wl,
        ttft_ms=card_target(model).ttft_s * 1e3,
        mlperf_shape=mlperf_shape(model) if mlperf_key(model.get("mlperf_model", "")) else None,
    )
