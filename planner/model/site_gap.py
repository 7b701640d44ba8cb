"""How much dearer a plan with a closed candidate site open would be: a relaxation estimate.

For each candidate site s the plan left closed, two LP relaxations (every integer continuous)
restricted to the plan's open sites P (:func:`planner.model.lagrangian.restricted_lp`; the other
sites' columns fixed at 0) are compared::

    r_P = min cost over sites P                      (LP relaxation restricted to the plan's sites)
    r_s = min cost over sites P + {s}, open[s] = 1   (the same with s forced open)
    gap_s = r_s - r_P                                [MUSD/yr in the model; reported in USD/yr]

``gap_s`` is what forcing s open adds to the annualised cost at first order: its development
cost, less what moving GPUs, supply and demand to it saves (the plan's sites may shrink, or close
in the relaxation). It is an estimate, neither a bound nor the exact figure: a full re-solve with
s open may also use sites outside P (cheaper: the estimate is high) or pay integer effects the
relaxation spreads out (GPU blocks, plant modules, a plan site's development cost only partly
saved: dearer, the estimate is low). A negative value means the relaxation finds s as cheap as
the plan's sites: the choice then rests on those integer effects. A gap smaller than the plan's
own MIP gap (objective - bound) is within the solver's tolerance: on us_inference_2027 in annual
mode (gap 0.6%, 6.2 MUSD/yr) abilene_tx's estimate was 1.3 MUSD/yr while a re-solve with it open
found a plan 3.0 MUSD/yr cheaper than the time-limited incumbent. Only for the cost objective in
annualised (not present-value) form: a carbon objective or a present value is in other units.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from planner.model.lagrangian import restricted_lp, site_blocks
from planner.model.relaxation import Relaxation
from planner.model.warmstart import index_columns
from planner.scenario.schema import SolverOptions

MUSD = 1e6
"""USD per MUSD (the cost objective is in MUSD/yr)."""
GAP_SHARE = 0.1
"""Share of the time limit the gap estimates may take (at least :data:`GAP_MIN_S`); sites not
reached by then get no estimate."""
GAP_MIN_S = 5.0
"""Least time given to the gap estimates [s]."""


def site_gaps(lp: highspy.HighsLp, columns: list, x: np.ndarray, options: SolverOptions) -> dict[str, float]:
    """``gap_s`` [USD/yr] (module docstring) of each site closed in the plan ``x`` (the model's
    column values), as many as the time budget allows; {} when the plan has no open site or
    its restricted LP has no optimum."""
    cols = index_columns(columns)
    opened = {s for s, i in cols.open.items() if x[i] > 0.5}
    closed = [s for s in cols.open if s not in opened]
    if not closed or not opened:
        return {}
    budget = max(GAP_SHARE * options.time_limit_s, GAP_MIN_S)
    deadline = time.perf_counter() + budget
    relaxation = Relaxation(lp, options.model_copy(update={"time_limit_s": budget}), None)
    blocks = site_blocks(lp, columns, set(cols.open))
    if restricted_lp(relaxation, lp, blocks, opened) is None:
        return {}
    base = relaxation.objective
    gaps: dict[str, float] = {}
    for s in closed:
        if time.perf_counter() >= deadline:
            break
        if restricted_lp(relaxation, lp, blocks, opened | {s}, forced=cols.open[s]) is not None:
            gaps[s] = (relaxation.objective - base) * MUSD
    return gaps
