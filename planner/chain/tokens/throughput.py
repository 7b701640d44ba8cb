"""Tokens/s per GPU for a GPU x served-model pair at a precision and a latency target: MLPerf
measurement first, roofline estimate next.

Precision
    The lowest of fp4 / fp8 / bf16 the GPU computes natively (a positive ``dense_<p>_tflops``)
    and the model card allows (``min_precision`` and above), unless pinned. A pinned precision
    is the weights'; a GPU without units for it reads them at that width and computes at bf16
    (weight-only quantisation, :func:`planner.chain.tokens.roofline.compute_precision`), and only
    MLPerf results at that weight precision count as measured.
Latency regime
    An MLPerf scenario (offline: none; server / interactive: the benchmark's TTFT/TPOT limits) or
    a target (TTFT, TPOT); default the model card's production target. A target equal to an MLPerf
    scenario's limits is that scenario's regime.
Measured
    Median per-GPU generated tokens/s across the submitters of the latest MLPerf version, used
    only when GPU, model, precision and latency regime all match. MLPerf measures the single-node
    replica (one node or rack, colocated prefill; speculative decoding only where the round's rules
    allow it, DeepSeek-R1 Interactive from v6.0, which the calibration models:
    :func:`planner.chain.tokens.topology.mlperf_plan`): the measurement stands for ``single_node``,
    and another topology of the menu replaces it only when its estimate is higher (a measurement
    is never rescaled).
Estimate
    The roofline of :mod:`planner.chain.tokens.roofline` at the target and request shape
    (:mod:`planner.chain.tokens.shape`), at the best topology of the menu
    (:mod:`planner.chain.tokens.topology`), with eta_c, eta_bw and eta_fp4
    and the vendor, family, model and latency-regime corrections fitted on the MLPerf pairs by
    :func:`calibrate` (:mod:`planner.chain.tokens.calibration`).
    ``expected_error`` is the held-out error of the estimate: the median absolute percentage error
    of the leave-one-GPU-out fit over the pairs of the same regime group (offline or
    latency-bounded; :mod:`planner.chain.tokens.uncertainty`), as in ``tables/throughput.csv``.
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
    MLPERF_WORKLOADS,
    SCENARIOS,
    benchmark_rows,
    mlperf_key,
    scenario_target,
    version_key,
    workload_for_model,
)
from planner.chain.tokens.roofline import (
    Target,
    Workload,
    decode_context,
    flop_per_token,
    roofline,
    row_float,
)
from planner.chain.tokens.shape import request_shape
from planner.chain.tokens.topology import TOPOLOGIES, Menu, check_menu
from planner.chain.tokens.uncertainty import held_out_residuals, regime_class
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
    scenario: str = ""
    latency_target: str = ""
    ttft_ms: float = float("nan")
    tpot_ms: float = float("nan")
    tokens_per_s_per_user: float = float("nan")
    expected_error: float = float("nan")
    isl: float = float("nan")
    osl: float = float("nan")
    prefix_hit: float = float("nan")
    topology: str = ""
    prefill_topology: str = ""
    prefill_replica_gpus: int = 0
    prefill_gpu_share: float = 0.0
    prefill_ms: float = float("nan")


def check_id(kind: str, value: str, allowed: Sequence[str]) -> None:
    """Raise :class:`InputError` naming the closest allowed ids when ``value`` is unknown."""
    if value in allowed:
        return
    close = difflib.get_close_matches(value, list(allowed), n=3, cutoff=0.4)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"unknown {kind} '{value}'.{hint} Allowed: {', '.join(map(str, allowed))}")


def default_precision(gpu: Any, model: Any) -> str:
    """Lowest precision in fp4, fp8, bf16 the GPU runs natively and the model card allows
    (``min_precision``, else ``default_precision``, and anything wider)."""
    floor = str(model.get("min_precision") or model.get("default_precision") or "fp8").lower()
    floor = "bf16" if floor == "fp16" else floor
    allowed = physics.PRECISIONS[physics.PRECISIONS.index(floor) :]
    native = [p for p in allowed if row_float(gpu, f"dense_{p}_tflops") > 0]
    return native[0] if native else allowed[-1]


def card_target(model: Any) -> Target:
    """The model card's production latency target (``serving_ttft_ms``, ``serving_tpot_ms``) [s]."""
    return Target(
        row_float(model, "serving_ttft_ms", 1000.0) / 1e3, row_float(model, "serving_tpot_ms", 40.0) / 1e3
    )


def serving_target(model: Any, override: Any = None) -> Target:
    """The card's target with the fields of ``override`` (``ttft_ms``, ``tpot_ms``; None = keep) [s]."""
    card = card_target(model)
    ttft = getattr(override, "ttft_ms", None)
    tpot = getattr(override, "tpot_ms", None)
    return Target(card.ttft_s if ttft is None else ttft / 1e3, card.tpot_s if tpot is None else tpot / 1e3)


def regime(model: Any, scenario: str | None, target: Target | None) -> tuple[str, Target]:
    """The latency regime: an MLPerf scenario name and its limits, or ``target`` and the MLPerf
    scenario whose limits it equals (``target`` if none); default the model card's target."""
    wl = mlperf_key(model.get("mlperf_model", ""))
    if scenario is not None:
        check_id("scenario", scenario, list(SCENARIOS))
        return scenario, scenario_target(wl, scenario)
    t = card_target(model) if target is None else target
    same = [s for s in SCENARIOS if scenario_target(wl, s) == t and (s == "offline" or wl)]
    return (same[0] if same else "target"), t


def measured(gpu_id: str, model_id: str, catalogs: Any, precision: str, scenario: str) -> Throughput | None:
    """MLPerf-measured generated tokens/s per GPU for the pair at ``precision`` in MLPerf
    ``scenario`` (latest version, median over its results), or None without such a result."""
    if scenario not in SCENARIOS:
        return None
    b = benchmark_rows(catalogs)
    rows = b[(b["gpu_id"] == gpu_id) & (b["model_id"] == model_id) & (b["scenario"] == scenario)]
    has_fp8 = row_float(catalogs.gpus.loc[gpu_id], "dense_fp8_tflops") > 0
    # an fp16 label on a GPU with fp8 units is read as fp8, as in the calibration (calibration_rows)
    rows = rows[rows["precision"].replace({"bf16": "fp8"} if has_fp8 else {}) == precision]
    if rows.empty:
        return None
    version = max(rows["version"], key=version_key)
    use = rows[rows["version"] == version]
    n_sub = use["submitter"].nunique()
    note = f"MLPerf {version} {scenario}; median of {len(use)} result(s), {n_sub} submitter(s)"
    gpu, model = catalogs.gpus.loc[gpu_id], catalogs.models.loc[model_id]
    key = mlperf_key(model.get("mlperf_model", ""))
    t = scenario_target(key, scenario)
    wl = workload_for_model(model)
    ran = MLPERF_WORKLOADS.get(key, wl)  # the shape MLPerf measured at (no prefix cache)
    return Throughput(
        gpu_id,
        model_id,
        float(use["tokens_per_s_per_gpu"].median()),
        "measured",
        precision,
        flop_per_token(model, decode_context(wl)),
        physics.gpu_flop_per_s(gpu, precision),
        int(use["n_gpu"].median()),
        float("nan"),
        note,
        scenario,
        t.label(),
        t.ttft_s * 1e3,
        t.tpot_s * 1e3,
        1.0 / t.tpot_s,
        0.0,
        ran.input_tokens,
        ran.output_tokens,
        0.0,
        "single_node",
    )


def throughput(
    gpu_id: str,
    model_id: str,
    catalogs: Any,
    *,
    estimate_only: bool = False,
    precision: str | None = None,
    scenario: str | None = None,
    target: Target | None = None,
    shape: Any = None,
    topologies: Sequence[str] | None = None,
) -> Throughput:
    """Generated tokens/s per GPU of a GPU x model pair: measured if MLPerf has it at the same
    precision and latency regime, else estimated at the best topology of the menu.

    Parameters
    ----------
    gpu_id, model_id : Ids of ``catalogs.gpus`` and ``catalogs.models``.
    catalogs : :class:`planner.catalogs.load.Catalogs`.
    estimate_only : Ignore measurements; return the calibrated roofline estimate.
    precision : ``fp4`` / ``fp8`` / ``bf16``; default :func:`default_precision`.
    scenario : MLPerf scenario (``offline``, ``server``, ``interactive``) whose limits apply.
    target : Latency target (TTFT, TPOT) [s] when no scenario is given; default the card's.
    shape : Request-shape override with ``isl``, ``osl``, ``prefix_hit`` (None = the card's; under
        an MLPerf ``scenario`` the prefix hit defaults to 0):
        :func:`planner.chain.tokens.shape.request_shape`.
    topologies : The topology menu (:data:`planner.chain.tokens.topology.TOPOLOGIES`); default all
        of them for a target, ``single_node`` (what MLPerf's closed systems run and the calibration
        fits) under an MLPerf scenario.

    Returns
    -------
    :class:`Throughput`, tokens/s in generated (output) tokens per second per GPU; 0 with the
    reason in ``note`` when the model does not fit in one scale-up domain or misses the target.
    """
    check_id("GPU", gpu_id, list(catalogs.gpus.index))
    check_id("model", model_id, list(catalogs.models.index))
    gpu, model = catalogs.gpus.loc[gpu_id], catalogs.models.loc[model_id]
    if precision is not None:
        check_id("precision", precision, list(physics.PRECISIONS))
    # weights at p; a GPU without units for p computes them at bf16 (roofline.compute_precision)
    p = precision or default_precision(gpu, model)
    name, t = regime(model, scenario, target)
    wl, basis = request_shape(model, shape, mlperf=scenario is not None)
    menu = check_menu(topologies or (("single_node",) if scenario is not None else TOPOLOGIES))
    found = (
        None if estimate_only or "single_node" not in menu else measured(gpu_id, model_id, catalogs, p, name)
    )
    if found is not None and menu == ("single_node",):
        return found
    est = _estimate(gpu_id, model_id, catalogs, p, name, t, wl, Menu(menu), basis)
    if found is not None and (
        est.topology == "single_node" or est.tokens_per_s_per_gpu <= found.tokens_per_s_per_gpu
    ):
        return found
    return est


def _held_out_error(catalogs: Any, gpu_id: str, model_id: str, scenario: str) -> tuple[str, float]:
    """What was held out (``GPU``, ``model`` or ``family``) and the median held-out APE of the regime
    group of ``scenario`` [-]: leave-one-GPU-out for a model MLPerf ran on a GPU family it ran,
    leave-one-model-out or leave-one-family-out for what it never ran
    (:func:`planner.chain.tokens.uncertainty.held_out_residuals`); NaN when the catalogs hold no
    MLPerf pair to hold out (a hand-built catalog with fixed factors)."""
    regime = regime_class(scenario)
    try:
        what, m = held_out_residuals(catalogs, model_id, gpu_id, regime)
    except InputError:
        return "GPU", float("nan")
    return what, m.error(regime)


def _estimate(
    gpu_id: str, model_id: str, catalogs: Any, p: str, name: str, t: Target, shape: Workload, menu: Menu,
    basis: str,
) -> Throughput:  # fmt: skip
    """The calibrated roofline estimate of the pair at precision ``p``, target ``t`` and request
    ``shape``, at the best topology of ``menu`` (``basis``: where the prefix hit share comes from)."""
    cal = calibrate(catalogs)
    gpu, model = catalogs.gpus.loc[gpu_id], catalogs.models.loc[model_id]
    wl = mlperf_key(model.get("mlperf_model", ""))
    r = roofline(gpu, model, p, shape, cal.factors, t, wl or None, menu)
    what, err = _held_out_error(catalogs, gpu_id, model_id, name)
    held_out = "" if math.isnan(err) else f", {err:.0%} with the {what} held out"
    note = r.reason or (
        f"roofline estimate at {t.label()}, ISL {shape.input_tokens:g} / OSL {shape.output_tokens:g} / "
        f"prefix hit {shape.prefix_hit:.0%} ({basis}), topology {r.topology} of {', '.join(menu.names)} "
        f"(eta_c {cal.eta_c:.2f}, eta_bw {cal.eta_bw:.2f}, eta_fp4 {cal.eta_fp4:.2f}; MLPerf median APE "
        f"{cal.median_ape:.0%} fitted{held_out}; the held-out error is of single-node MLPerf systems)"
    )
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
        name,
        t.label(),
        t.ttft_s * 1e3,
        t.tpot_s * 1e3,
        r.tokens_per_s_per_user,
        float(err),
        shape.input_tokens,
        shape.output_tokens,
        shape.prefix_hit,
        r.topology,
        r.prefill_topology,
        r.prefill_replica_gpus,
        r.prefill_gpu_share,
        r.ttft_s * 1e3,
    )


def throughput_table(
    catalogs: Any,
    gpu_ids: Sequence[str] | None = None,
    model_ids: Sequence[str] | None = None,
    *,
    estimate_only: bool = False,
    precision: dict[str, str] | None = None,
    targets: dict[str, Target] | None = None,
    shapes: dict[str, Any] | None = None,
    topologies: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per GPU x model pair, the :class:`Throughput` fields as columns; ``precision``,
    ``targets`` and ``shapes`` pin a precision / latency target / request shape per model id and
    ``topologies`` the menu (default: as :func:`throughput`)."""
    gpu_ids = list(catalogs.gpus.index) if gpu_ids is None else list(gpu_ids)
    model_ids = list(catalogs.models.index) if model_ids is None else list(model_ids)
    rows = [
        asdict(
            throughput(
                g,
                m,
                catalogs,
                estimate_only=estimate_only,
                precision=(precision or {}).get(m),
                target=(targets or {}).get(m),
                shape=(shapes or {}).get(m),
                topologies=topologies,
            )
        )
        for g in gpu_ids
        for m in model_ids
    ]
    return pd.DataFrame(rows, columns=list(Throughput.__dataclass_fields__))
