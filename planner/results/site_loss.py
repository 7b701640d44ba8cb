"""``tables/site_loss.csv``: what the other open sites can carry when one campus is lost.

For each open site l, from the solved plan's installed GPUs at the other open sites (each GPU
able to serve any model it has a tokens/s rate for, ``(1 + spare)`` installed per serving GPU)
and the streams within ``policy.site_loss_latency_factor`` x their latency budget, two small
LPs per lost site (scipy's HiGHS)::

    share_alone[l,m]  = max x  s.t. every stream k of m gets x * peak[k], the other sites'
                                    GPUs serving m only
    share_together[l] = max x  s.t. every stream of every model gets x * peak[k] at once

    with  sum_{k of m} backup[s,k] <= sum_g tps[g,m] hold[s,g,m],  (1 + spare) sum_m hold[s,g,m] <= n[s,g]

``share_together`` is what ``policy.site_loss_coverage`` bounds from below (the model's rows,
:mod:`planner.model.site_loss`); ``share_alone`` >= it says how much of one model alone survives.
Shares may exceed 1 (capacity to spare). ``peak[k]`` = demand x the stream's highest hourly shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from planner.model.inputs import ModelInputs
from planner.model.site_loss import loss_reach, stream_peaks

COLUMNS = [
    "lost_site_id",
    "model_id",
    "peak_tokens_per_s",
    "share_alone",
    "tokens_per_s_alone",
    "share_together",
    "coverage_required",
]


@dataclass(frozen=True)
class LossCase:
    """What the remaining sites hold: installed GPUs per (site, GPU), tokens/s per GPU per
    (GPU, model) [tokens/s], streams in reach per site, stream peaks [tokens/s]."""

    gpus: dict[tuple[str, str], float]
    tps: dict[tuple[str, str], float]
    reach: dict[str, list[tuple[str, str]]]
    peak: dict[tuple[str, str], float]
    spare_share: float = 0.0


def max_share(case: LossCase, sites: list[str], streams: list[tuple[str, str]]) -> float:
    """Largest x such that every stream in ``streams`` gets x * its peak from ``sites`` at once
    (module docstring); 0 if a stream with a positive peak is out of everyone's reach."""
    streams = [k for k in streams if case.peak[k] > 0]
    if not streams:
        return float("nan")
    models = sorted({mod for _, mod in streams})
    hold = [(s, g, mod) for (s, g), n in case.gpus.items() if s in sites and n > 0 for mod in models]
    hold = [h for h in hold if (h[1], h[2]) in case.tps]
    back = [(s, k) for s in sites for k in case.reach.get(s, []) if k in streams]
    n_x = 1 + len(hold) + len(back)
    col_hold = {h: 1 + i for i, h in enumerate(hold)}
    col_back = {b: 1 + len(hold) + i for i, b in enumerate(back)}
    rows, cols, vals, rhs = [], [], [], []

    def row(entries: list[tuple[int, float]], bound: float) -> None:
        r = len(rhs)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        rhs.append(bound)

    for s, g in {(s, g) for s, g, _ in hold}:  # GPUs held: (1 + spare) sum_m hold <= n
        row([(col_hold[h], 1 + case.spare_share) for h in hold if h[:2] == (s, g)], case.gpus[s, g])
    for s in sites:  # carried: sum_k backup - sum_g tps hold <= 0, per model
        for mod in models:
            entries = [(col_back[b], 1.0) for b in back if b[0] == s and b[1][1] == mod]
            entries += [(col_hold[h], -case.tps[h[1], mod]) for h in hold if h[0] == s and h[2] == mod]
            if entries:
                row(entries, 0.0)
    for k in streams:  # covered: x peak[k] - sum_s backup <= 0
        row([(0, case.peak[k])] + [(col_back[b], -1.0) for b in back if b[1] == k], 0.0)
    a = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), n_x))
    cost = np.zeros(n_x)
    cost[0] = -1.0
    res = linprog(cost, A_ub=a, b_ub=np.array(rhs), bounds=(0, None), method="highs")
    return float(res.x[0]) + 0.0 if res.status == 0 else float("nan")  # + 0.0: no -0


def loss_table(case: LossCase, open_sites: list[str], coverage: float | None) -> pd.DataFrame:
    """One row per (open site lost, model): its peak, the share the others carry of it alone
    and of everything at once (:func:`max_share`), and the required coverage (empty if off)."""
    streams = list(case.peak)
    models = list(dict.fromkeys(mod for _, mod in streams))
    out = []
    for lost in open_sites:
        others = [s for s in open_sites if s != lost]
        together = max_share(case, others, streams)
        for mod in models:
            mine = [k for k in streams if k[1] == mod]
            peak = sum(case.peak[k] for k in mine)
            alone = max_share(case, others, mine)
            out.append(
                {
                    "lost_site_id": lost,
                    "model_id": mod,
                    "peak_tokens_per_s": peak,
                    "share_alone": alone,
                    "tokens_per_s_alone": alone * peak,
                    "share_together": together,
                    "coverage_required": np.nan if coverage is None else coverage,
                }
            )
    return pd.DataFrame(out, columns=COLUMNS)


def site_loss_table(inp: ModelInputs, fleet: pd.DataFrame, open_sites: list[str]) -> pd.DataFrame:
    """:func:`loss_table` of a solved plan (``fleet``: ``tables/fleet.csv``)."""
    pol = inp.scenario.policy
    installed = fleet.dropna(subset=["gpus_installed"])
    gpus = {(r.site_id, r.gpu_id): float(r.gpus_installed) for r in installed.itertuples()}
    reach: dict[str, list[tuple[str, str]]] = {}
    for s, r, mod in loss_reach(inp, pol.site_loss_latency_factor):
        reach.setdefault(s, []).append((r, mod))
    case = LossCase(
        gpus=gpus,
        tps={k: v * 1e6 for k, v in inp.tps.items()},
        reach=reach,
        peak={k: v * 1e6 for k, v in stream_peaks(inp).items()},
        spare_share=inp.spare_share,
    )
    return loss_table(case, open_sites, pol.site_loss_coverage)
