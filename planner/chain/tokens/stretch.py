"""The fitted efficiency stretches the step: how a pair's tokens/s answers to its efficiency.

A configuration that runs at efficiency e (tokens/s = e x the roofline offline) takes t_step / e
per decode step and t_pre / e per prefill. Under a latency target the batch is then the largest
B with t(B) / e <= h TPOT, i.e. the physics roofline's batch at the target stretched by e:

    tokens/s(e) = e x phys(e TTFT, e TPOT)         phys = the uncorrected roofline at a target
    D(u)        = log phys(e^u target) - log phys(target)   [-], u = log e, 0 offline

D is what the stretched step costs beyond the roofline's own batch at the target. The fitted
regime effect c <= 0 (:mod:`planner.chain.tokens.corrections`) is the measured cost of the same
limit beyond that batch (the regime's server/offline ratios are mostly of pairs whose roofline
batch is the scheduler cap, where D = 0); counted both, a pair whose stretched step binds pays
twice (issue 10: DeepSeek-R1 interactive, -63 % held out). So the larger of the two costs
applies, never both:

    log tokens/s = u + log phys(target) + min(D(u), c)

The efficiency enters log tokens/s non-linearly, with slope 1 + D'(u) >= 1 where the stretch's
cost is the larger (D is non-decreasing: a looser target never lowers the roofline), and c only
where it is. The fit (:func:`planner.chain.tokens.shrinkage.solve`) needs D and D' of every pair
at any u: this module tabulates D on :data:`GRID` from the roofline (:func:`curves`) and
interpolates it linearly (:class:`Stretch`), extrapolating with the end slopes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.chain.tokens.mlperf import MLPERF_WORKLOADS, pair_keys, scenario_target
from planner.chain.tokens.roofline import Factors, StepCost, Target, roofline
from planner.chain.tokens.topology import mlperf_plan

GRID = np.round(np.arange(-2.0, 1.0001, 0.1), 6)
"""Log efficiencies u = log e the stretch is tabulated at [-] (e from 0.14 to 2.7; the fitted
efficiencies of the shipped data are 0.4 to 1.2)."""
INFEASIBLE_SLOPE = 5.0
"""dD/du assumed below the tightest feasible stretch, where the roofline gives 0 tokens/s [-]:
a steep, finite fall, so the fit sees a pair it predicts infeasible as far too slow."""


def _curve(
    gpu: Any, model: Any, precision: str, workload: str, target: Target, f: Factors, plan: Any = None
) -> np.ndarray:
    """log phys(e^u target) on :data:`GRID` [-], -inf where no replica meets the stretched target;
    ``plan`` the topologies (None: the single-node replica)."""
    wl = MLPERF_WORKLOADS[workload]
    runs = [roofline(gpu, model, precision, wl, f, target.scaled(math.exp(u)), workload, plan) for u in GRID]
    out = [r.tokens_per_s_per_gpu for r in runs]
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(out, float))


def _fill(row: np.ndarray) -> np.ndarray:
    """``row`` with -inf below its first finite value replaced by a fall of INFEASIBLE_SLOPE per
    unit u (all -inf: zeros, the pair is left out of the fit anyway)."""
    ok = np.isfinite(row)
    if ok.all() or not ok.any():
        return np.where(ok, row, 0.0)
    first = int(np.argmax(ok))
    out = row.copy()
    out[:first] = row[first] - INFEASIBLE_SLOPE * (GRID[first] - GRID[:first])
    out[~np.isfinite(out)] = row[first]  # a gap above the first feasible point: hold its value
    return out


def curves(
    pairs: pd.DataFrame, catalogs: Any, eta: tuple[float, float, float], step: StepCost | None = None
) -> np.ndarray:
    """D(u) of every pair on :data:`GRID` (pairs x grid) [-]: 0 for offline pairs; for a bounded
    pair log phys(e^u target) - log phys(target) at its MLPerf scenario's limits, efficiencies
    ``eta`` (eta_c, eta_bw, eta_fp4) and per-step cost ``step`` (none if None), with the topologies
    its round allows (:func:`planner.chain.tokens.topology.mlperf_plan`)."""
    f = Factors(*eta, 1.0, {}, None, step or StepCost())
    zero = int(np.argmin(np.abs(GRID)))
    out = np.zeros((len(pairs), len(GRID)))
    for i, k in enumerate(pairs[pair_keys(pairs)].itertuples(index=False)):
        target = scenario_target(k.workload, k.scenario)
        if not target.bounded:
            continue
        plan = mlperf_plan(k.workload, k.scenario, getattr(k, "version", ""))
        row = _fill(_curve(catalogs.gpus.loc[k.gpu_id], catalogs.models.loc[k.model_id], k.precision,
                           k.workload, target, f, plan))  # fmt: skip
        out[i] = row - row[zero]
    return out


@dataclass(frozen=True)
class Stretch:
    """D(u) of each pair on :data:`GRID` and which design columns make up u = log e (the shared,
    vendor, family and model effects); the others make up the regime effect c."""

    values: np.ndarray  # pairs x GRID [-]
    columns: np.ndarray  # bool per design column: part of the efficiency

    def take(self, rows: np.ndarray) -> Stretch:
        """The stretch of a subset of the pairs (boolean mask or indices)."""
        return Stretch(self.values[rows], self.columns)

    def at(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """D(u_i) and D'(u_i) of each pair at its own log efficiency u_i, linear between grid
        points and beyond the ends [-]."""
        du = GRID[1] - GRID[0]
        idx = np.clip(np.floor((u - GRID[0]) / du).astype(int), 0, len(GRID) - 2)
        rows = np.arange(len(u))
        lo, hi = self.values[rows, idx], self.values[rows, idx + 1]
        slope = (hi - lo) / du
        return lo + slope * (u - GRID[idx]), slope

    def split(self, x: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """u = x_e beta_e (log efficiency) and c = x_r beta_r (regime effect) of each pair [-]."""
        return x[:, self.columns] @ beta[self.columns], x[:, ~self.columns] @ beta[~self.columns]

    def predict(self, x: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Predicted log(measured / phys(target)) of each pair, u + min(D(u), c) [-]."""
        u, c = self.split(x, beta)
        return u + np.minimum(self.at(u)[0], c)

    def jacobian(self, x: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """d predict / d beta: the efficiency columns x (1 + D'(u)) and the regime columns x 0 where
        the stretch's cost is the larger (D(u) < c), else the efficiency columns x 1 and the regime
        columns x 1 [-]."""
        u, c = self.split(x, beta)
        value, slope = self.at(u)
        binds = value < c
        j = x.copy()
        j[:, self.columns] *= np.where(binds, 1.0 + slope, 1.0)[:, None]
        j[:, ~self.columns] *= np.where(binds, 0.0, 1.0)[:, None]
        return j
