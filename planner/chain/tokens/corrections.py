"""Fitted corrections of the roofline: what hardware family, served model and latency regime do
to tokens/s beyond the physics, as multiplicative factors (additive in log space).

    log(tokens/s) = log(roofline at e x target) + log e + c(TPOT, workload)
    log e         = mu + a_vendor + a_family + b_model

e is the configuration's efficiency: its step takes t / e, so under a latency target the batch is
the roofline's at the target stretched by e (:mod:`planner.chain.tokens.stretch`); c is what the
latency regime costs beyond that (queueing of Poisson arrivals, p99 limits).

The effects are fitted on MLPerf results by :mod:`planner.chain.tokens.shrinkage` (each level
shrunk toward zero, the shared value, with a prior strength chosen by leave-one-GPU-out); a GPU,
family, vendor or model without results gets 0 at its level, so a new GPU inherits its family's
and vendor's effects and a model's measured/estimated ratio carries to GPUs it was not run on.

The regime effect c is measured at the MLPerf scenarios' TPOT limits of the model's benchmark
(server, interactive) and interpolated in log TPOT between them; it is non-decreasing in TPOT
and 0 offline (no limit), so a looser target never lowers the correction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GPU_FAMILY: dict[str, str] = {
    # architecture family of each catalog GPU (vendor product pages): NVIDIA Hopper (H100, H200),
    # Blackwell and Blackwell Ultra (B200, GB200, B300, GB300), Ada Lovelace (L40S); AMD CDNA 3
    # (MI300X, MI325X) and CDNA 4 (MI355X); Intel Gaudi 3.
    "H100": "Hopper",
    "H200": "Hopper",
    "B200": "Blackwell",
    "GB200": "Blackwell",
    "B300": "Blackwell",
    "GB300": "Blackwell",
    "L40S": "Ada",
    "MI300X": "CDNA3",
    "MI325X": "CDNA3",
    "MI355X": "CDNA4",
    "Gaudi3": "Gaudi",
    # announced, no MLPerf result (issue 21): NVIDIA Rubin (Vera Rubin NVL72, HGX Rubin NVL8, Rubin
    # Ultra) and AMD CDNA 5 (MI400 series); a family without results gets a 0 family effect.
    "VR200": "Rubin",
    "R200": "Rubin",
    "VR300": "Rubin",
    "MI455X": "CDNA5",
}
DEFAULT_REGIME = ""
"""Key of the regime anchors used for a workload without its own (all benchmarks pooled)."""


def gpu_family(gpu_id: str) -> str:
    """Architecture family of a GPU id (:data:`GPU_FAMILY`); the id itself when unknown."""
    return GPU_FAMILY.get(str(gpu_id), str(gpu_id))


@dataclass(frozen=True)
class Corrections:
    """Log-space effects [-]: the shared one (mu, every GPU), per vendor, family and served
    model, and the regime anchors:
    per MLPerf workload, ``((tpot_s, c), ...)`` sorted by TPOT with c non-decreasing and <= 0."""

    shared: float = 0.0
    vendor: Mapping[str, float] = field(default_factory=dict)
    family: Mapping[str, float] = field(default_factory=dict)
    model: Mapping[str, float] = field(default_factory=dict)
    regime: Mapping[str, Sequence[Sequence[float]]] = field(default_factory=dict)

    def hardware(self, gpu_id: str, vendor: str) -> float:
        """mu + a_vendor + a_family [-]; 0 at each level without a fitted effect. No effect of
        the GPU's own: GPUs of one family differ by physics only, so a GPU that betters another
        in every figure of the catalog is never estimated lower."""
        gid = str(gpu_id)
        return self.shared + self.vendor.get(str(vendor), 0.0) + self.family.get(gpu_family(gid), 0.0)

    def regime_log(self, tpot_s: float, workload: str | None) -> float:
        """c(TPOT) [-]: 0 without a TPOT limit; else the anchors of ``workload`` (the pooled ones
        without), constant beyond the first and last, linear in log TPOT between them."""
        if not math.isfinite(tpot_s):
            return 0.0
        pts = self.regime.get(str(workload)) or self.regime.get(DEFAULT_REGIME) or ()
        if not pts:
            return 0.0
        if tpot_s <= pts[0][0]:
            return float(pts[0][1])
        for (t0, c0), (t1, c1) in zip(pts, pts[1:], strict=False):
            if tpot_s <= t1:
                w = math.log(tpot_s / t0) / math.log(t1 / t0) if t1 > t0 else 1.0
                return float(c0 + (c1 - c0) * w)
        return float(pts[-1][1])

    def efficiency_log(self, gpu: Any, model: Any) -> float:
        """log e = mu + a_vendor + a_family + b_model of a GPU x model row pair [-]: the efficiency
        that scales tokens/s and stretches the step time (t / e) the latency target checks."""
        named = getattr(model, "name", None)
        model_id = str(named if named is not None else model.get("id", ""))
        return self.hardware(str(getattr(gpu, "name", "")), str(gpu.get("vendor", ""))) + self.model.get(
            model_id, 0.0
        )

    def log_factor(self, gpu: Any, model: Any, tpot_s: float, workload: str | None) -> float:
        """Total log correction of a GPU x model row pair at a TPOT limit, log e + c(TPOT) [-]
        (the factor on tokens/s at a fixed batch; :func:`planner.chain.tokens.roofline.roofline`
        also lets e choose the batch)."""
        return self.efficiency_log(gpu, model) + self.regime_log(tpot_s, workload)


def monotone_anchors(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Anchors sorted by TPOT with c clipped to <= 0 and made non-decreasing in TPOT (a tighter
    limit never gets a larger correction than a looser one): c_i = min(c_i, c_(i+1), 0)."""
    pts = sorted((float(t), min(float(c), 0.0)) for t, c in points)
    out: list[list[float]] = []
    ceiling = 0.0
    for t, c in reversed(pts):
        ceiling = min(ceiling, c)
        out.append([t, ceiling])
    return out[::-1]
