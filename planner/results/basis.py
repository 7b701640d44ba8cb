"""GPUs a solved plan needs at the median and at the conservative throughput.

The fleet is sized on one basis (``physics.throughput_basis``): tokens/s per GPU tps_b. For each
open site s, GPU g and served model m the plan carries a share of the site's peak tokens/s

    peak[s,m]   = max_h sum_{k of m} shape[k,h] flow[s,k]                          [Mtoken/s]
    share[s,g,m] = tps_b[g,m] alloc[s,g,m] / sum_g' tps_b[g',m] alloc[s,g',m]      [-]

and on basis x (median or conservative tokens/s per GPU, tps_x) it needs

    n_x[s,g] = block[g] ceil((1 + spare) sum_m share[s,g,m] peak[s,m] / tps_x[g,m] / block[g])   [GPU]

(the ceiling taken with a small tolerance, :data:`BLOCK_TOLERANCE`)

the same plan (sites, GPU types, split between them) with only the per-GPU rate changed. Since
conservative <= median tokens/s for every pair, n_conservative >= n_median.
"""

from __future__ import annotations

import math
from typing import Any

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs

BLOCK_TOLERANCE = 1e-6
"""Slack before a need is rounded up to one more block, relative (at least 1e-6 block) [-]: the
solver meets its rows to a feasibility tolerance, so a plan sized at exactly 5,263 blocks can
recompute to 5,263.0004, and a GPU type with none installed can keep an allocation of 1e-8 (the
shipped plans showed 8 B300 and 8-16 B200 'needed' beyond those installed)."""
BASES = {"median": "tokens_per_s_per_gpu", "conservative": "tokens_per_s_conservative"}
"""Throughput basis -> the ``throughput`` table column of its tokens/s per GPU."""


def _peak(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[tuple[str, str], float]:
    """peak[s,m] = max over the fleet's hours of sum_k shape[k,h] flow[s,k] [Mtoken/s]."""
    hours = sorted({h for (_, h) in inp.capacity_shape})
    out: dict[tuple[str, str], float] = {}
    for s, mod in m.fleet.SM:
        streams = [(r, mod2) for (s2, r, mod2) in m.demand.SK if s2 == s and mod2 == mod]
        out[s, mod] = max(
            sum(inp.capacity_shape[k, h] * (pyo.value(m.demand.flow[s, *k]) or 0.0) for k in streams)
            for h in hours
        )
    return out


def gpus_by_basis(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, dict[str, int]]:
    """GPUs by type the solved plan needs on each basis (module docstring): ``{"median": {gpu: n},
    "conservative": {gpu: n}}`` [GPU]; GPU types the plan does not use are left out."""
    table = inp.throughput.set_index(["gpu_id", "model_id"])
    peak = _peak(m, inp)
    cap = {k: inp.tps[k[1], k[2]] * (pyo.value(m.fleet.alloc[k]) or 0.0) for k in m.fleet.SGM}
    total = {sm: sum(v for k, v in cap.items() if (k[0], k[2]) == sm) for sm in peak}
    out: dict[str, dict[str, int]] = {}
    for basis, column in BASES.items():
        need: dict[tuple[str, str], float] = {}
        for (s, g, mod), c in cap.items():
            if c <= 0 or total[s, mod] <= 0:
                continue
            rate = float(table.at[(g, mod), column]) / 1e6
            need[s, g] = need.get((s, g), 0.0) + c / total[s, mod] * peak[s, mod] / rate
        counts: dict[str, int] = {}
        for (_, g), n in need.items():
            exact = (1 + inp.spare_share) * n / inp.gpu_block[g]
            blocks = math.ceil(exact - BLOCK_TOLERANCE * max(1.0, exact))
            counts[g] = counts.get(g, 0) + blocks * inp.gpu_block[g]
        out[basis] = dict(sorted(counts.items()))
    return out


def basis_summary(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, Any]:
    """``summary.json`` keys: ``throughput_basis``, ``conservative_quantile`` and ``gpus_by_basis``
    (:func:`gpus_by_basis`) with ``gpus_total_by_basis``."""
    by = gpus_by_basis(m, inp)
    phys = inp.scenario.physics
    return {
        "throughput_basis": phys.throughput_basis,
        "conservative_quantile": phys.conservative_quantile,
        "gpus_by_basis": by,
        "gpus_total_by_basis": {b: sum(v.values()) for b, v in by.items()},
    }
