"""Tokens/s per GPU for a GPU x served-model pair: MLPerf measurement first, roofline estimate next.

Measured
    Median per-GPU generated tokens/s across the submitters of the latest MLPerf version for the
    pair, ``server`` scenario preferred (latency-bounded like real serving); with only ``offline``
    results the value is scaled by the median server/offline ratio of the pairs that have both.

Estimate
    The roofline of :mod:`planner.chain.tokens.roofline` (equations in its docstring) with eta_c,
    eta_bw and eta_fp4 fitted on the MLPerf pairs by :func:`calibrate` (robust least squares of
    the log error, :mod:`planner.chain.tokens.calibration`); :func:`calibration_report` adds a
    leave-one-GPU-out check.

"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from planner.chain import physics
from planner.chain.tokens.calibration import calibrate
from planner.chain.tokens.mlperf import (
    benchmark_rows,
    mlperf_key,
    server_offline_ratio,
    version_key,
    workload_for_model,
)
from planner.chain.tokens.roofline import flop_per_token, roofline
from planner.errors import InputError


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


def check_id(kind: str, value: str, allowed: Sequence[str]) -> None:
    """Raise :class:`InputError` naming the closest allowed ids when ``value`` is unknown."""
    if value in allowed:
        return
    close = difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.4)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"unknown {kind} '{value}'.{hint} Allowed: {', '.join(map(str, allowed))}")


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
    return Throughput(
        gpu_id,
        model_id,
        float(use["tokens_per_s_per_gpu"].median()) * scale,
        "measured",
        prec,
        flop_per_token(model, wl.input_tokens + wl.output_tokens / 2),
        physics.gpu_flop_per_s(gpu, prec),
        int(use["n_gpu"].median()),
        float("nan"),
        note,
    )


def throughput(gpu_id: str, model_id: str, catalogs: Any, *, estimate_only: bool = False) -> Throughput:
    """Generated tokens/s per GPU of a GPU x model pair: measured if MLPerf has it, else estimated.

    Parameters
    ----------
    gpu_id, model_id : Ids of ``catalogs.gpus`` and ``catalogs.models``.
    catalogs : :class:`planner.catalogs.load.Catalogs`.
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
    r = roofline(
        gpu,
        model,
        prec,
        workload_for_model(model),
        cal.factors,
        "server",
        mlperf_key(model.get("mlperf_model", "")),
    )
    note = r.reason or (
        f"roofline estimate, server (eta_c {cal.eta_c:.2f}, eta_bw {cal.eta_bw:.2f}, "
        f"eta_fp4 {cal.eta_fp4:.2f}; MLPerf median APE {cal.median_ape:.0%})"
    )
    if r.precision != prec.replace("fp16", "bf16"):
        note += f"; no {prec} units, computed at {r.precision}"
    return Throughput(
        gpu_id,
        model_id,
        r.tokens_per_s_per_gpu,
        "estimate",
        r.precision,
        r.flop_per_token,
        r.flop_per_s_per_gpu,
        r.replica_gpus,
        r.batch,
        note,
    )


def throughput_table(
    catalogs: Any,
    gpu_ids: Sequence[str] | None = None,
    model_ids: Sequence[str] | None = None,
    *,
    estimate_only: bool = False,
) -> pd.DataFrame:
    """One row per GPU x model pair, the :class:`Throughput` fields as columns."""
    gpu_ids = list(catalogs.gpus.index) if gpu_ids is None else list(gpu_ids)
    model_ids = list(catalogs.models.index) if model_ids is None else list(model_ids)
    rows = [
        asdict(throughput(g, m, catalogs, estimate_only=estimate_only)) for g in gpu_ids for m in model_ids
    ]
    return pd.DataFrame(rows, columns=list(Throughput.__dataclass_fields__))
