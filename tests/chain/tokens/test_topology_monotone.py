"""Monotonicity of every serving topology, by hypothesis: for every GPU x model of the catalogs,
more HBM, HBM bandwidth, FLOP/s or link bandwidth, or a looser latency target, never lowers the
tokens/s per GPU of any topology of the menu (physics alone, each parallelism with and without
disaggregation and MTP) nor the calibrated estimate of the best one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalogs.load import load_catalogs
from planner.chain.tokens.calibration import calibrate
from planner.chain.tokens.links import scaleout_bytes_per_s, scaleup_bytes_per_s
from planner.chain.tokens.roofline import Factors, Target, _replica, roofline
from planner.chain.tokens.shape import request_shape
from planner.chain.tokens.throughput import default_precision
from planner.chain.tokens.topology import Menu

CATALOGS = load_catalogs()
PAIRS = [(g, m) for g in CATALOGS.gpus.index for m in CATALOGS.models.index]
PHYSICS = Factors(0.6, 0.6, 0.5, 1.0)
TARGETS = [Target(ttft / 1e3, tpot / 1e3) for ttft in (300.0, 2000.0) for tpot in (15.0, 40.0, 200.0)]
"""Latency targets the examples start from [s]: MLPerf's interactive to server TPOT limits."""
TOL = 1 - 1e-6


@pytest.fixture(scope="module")
def calibrated() -> Factors:
    """The calibrated factors, fitted once (disk cache by content: a fresh process reuses the fit)."""
    return calibrate(CATALOGS).factors


@pytest.fixture(scope="module")
def base_cache() -> dict[tuple[Any, ...], Any]:
    """Each pair's tokens/s at each start target, computed once per module."""
    return {}


def _by_topology(gpu: Any, model: Any, target: Target) -> dict[str, float]:
    """Best tokens/s per GPU of each topology of the full menu (physics, e = 1) at ``target``."""
    p = default_precision(gpu, model)
    rep = _replica(gpu, model, "bf16" if p == "fp16" else p, request_shape(model)[0], PHYSICS)
    out: dict[str, float] = {}
    for o in Menu().options(rep, target):
        out[o.topology] = max(out.get(o.topology, 0.0), o.tokens_per_s_per_gpu)
    return out


def _best(gpu: Any, model: Any, target: Target, factors: Factors) -> float:
    """The calibrated estimate of the best topology of the full menu [tokens/s per GPU]."""
    p = default_precision(gpu, model)
    shape = request_shape(model)[0]
    return roofline(gpu, model, p, shape, factors, target, None, Menu()).tokens_per_s_per_gpu


def _bigger(gpu: Any, hbm: float, bw: float, flops: float, link: float) -> Any:
    """``gpu`` with HBM x hbm, HBM bandwidth x bw, every FLOP/s x flops, both links x link."""
    out = gpu.copy()
    out["hbm_gb"] *= hbm
    out["hbm_tb_per_s"] *= bw
    for col in ("dense_fp4_tflops", "dense_fp8_tflops", "dense_bf16_tflops"):
        out[col] *= flops
    out["scaleup_gb_per_s"] = scaleup_bytes_per_s(gpu) / 1e9 * link
    out["scaleout_gb_per_s"] = scaleout_bytes_per_s(gpu) / 1e9 * link
    return out


@pytest.mark.parametrize(("gpu_id", "model_id"), PAIRS)
@settings(max_examples=6, deadline=None)
@given(
    hbm=st.floats(1.0, 3.0),
    bw=st.floats(1.0, 3.0),
    flops=st.floats(1.0, 3.0),
    link=st.floats(1.0, 3.0),
    looser=st.floats(1.0, 4.0),
    start=st.integers(0, len(TARGETS) - 1),
)
def test_more_hardware_or_a_looser_target_never_lowers_any_topology(
    calibrated: Factors,
    base_cache: dict[tuple[Any, ...], Any],
    gpu_id: str,
    model_id: str,
    hbm: float,
    bw: float,
    flops: float,
    link: float,
    looser: float,
    start: int,
) -> None:
    gpu, model = CATALOGS.gpus.loc[gpu_id], CATALOGS.models.loc[model_id]
    target = TARGETS[start]
    key = (gpu_id, model_id, start)
    if key not in base_cache:
        base_cache[key] = (_by_topology(gpu, model, target), _best(gpu, model, target, calibrated))
    base, best = base_cache[key]
    bigger = _bigger(gpu, hbm, bw, flops, link)
    loose = target.scaled(looser)
    for other, why in ((_by_topology(bigger, model, target), "hardware"),
                       (_by_topology(gpu, model, loose), "target")):  # fmt: skip
        for name, tps in base.items():
            assert other.get(name, 0.0) >= tps * TOL, (name, why, tps, other.get(name, 0.0))
    assert _best(bigger, model, target, calibrated) >= best * TOL, "calibrated, hardware"
    assert _best(gpu, model, loose, calibrated) >= best * TOL, "calibrated, target"


def test_the_menu_offers_every_topology_somewhere() -> None:
    """The property above covers each parallelism with its options: some GPU x model at some
    start target offers each of them (a menu that silently lost one would not be tested)."""
    seen: set[str] = set()
    for g, m in PAIRS:
        for target in (TARGETS[1], TARGETS[5]):
            seen |= set(_by_topology(CATALOGS.gpus.loc[g], CATALOGS.models.loc[m], target))
    wanted = {f"{p}{d}{x}" for p in ("single_node", "ep_domain", "ep_multinode")
              for d in ("", "+disaggregated") for x in ("", "+mtp")}  # fmt: skip
    assert wanted <= seen, wanted - seen
