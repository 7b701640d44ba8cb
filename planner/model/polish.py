"""Polish a plan that the solver stopped on before proving it optimal.

A time- or node-limited branch and bound returns its incumbent, which may carry GPUs that
serve nothing or sites that are open with no load: choices the search had not yet undone.
Polishing keeps the incumbent's sites and coolings, closes every open site that serves no
tokens (while ``min_sites`` allows), caps every integer count (GPU blocks, plant modules) at
the incumbent's value, and re-optimises:

1. the LP with those bounds (counts continuous) sizes what the served tokens need;
2. each count is rounded up, x_i = ceil(x_i^LP) <= x_i^incumbent, and fixed;
3. a final LP re-dispatches energy, storage and flows for the fixed plan.

Sites whose IT capacity comes out zero are closed and the steps repeated once. The polished
plan is feasible for the original model (only bounds were tightened), never buys more than the
incumbent, and is kept when its objective is no worse than the incumbent's (within ``tolerance``,
relative); otherwise the incumbent stands.
"""

from __future__ import annotations

import math

import highspy
import numpy as np

from planner.model.relaxation import Relaxation, column_bounds
from planner.model.warmstart import (
    SiteColumns,
    WarmStart,
    fix_online_years,
    fix_sites,
    fix_unit_trips,
    fix_unit_use,
    index_columns,
)
from planner.scenario.schema import SolverOptions


def served_by_site(columns: list, x: np.ndarray) -> dict[str, float]:
    """Tokens/s served from each site [Mtoken/s]: the sum of its ``demand.flow`` columns."""
    served: dict[str, float] = {}
    for i, column in enumerate(columns):
        if column.parent_component().name == "demand.flow":
            site = column.index()[0]
            served[site] = served.get(site, 0.0) + float(x[i])
    return served


def _open_sites(cols: SiteColumns, x: np.ndarray) -> dict[str, str]:
    """Open sites of a plan with their cooling (the cooling binary set to 1)."""
    return {s: max(cols.y[s], key=lambda c: x[cols.y[s][c]]) for s, i in cols.open.items() if x[i] > 0.5}


def _keep(opened: dict[str, str], load: dict[str, float], min_sites: int) -> list[str]:
    """Sites to keep open: those with load, then the most loaded empty ones up to ``min_sites``."""
    loaded = [s for s in opened if load.get(s, 0.0) > 1e-9]
    empty = sorted((s for s in opened if s not in loaded), key=lambda s: -load.get(s, 0.0))
    return loaded + empty[: max(min_sites - len(loaded), 0)]


def _resolve(
    relaxation: Relaxation,
    bounds: tuple[np.ndarray, np.ndarray],
    cols: SiteColumns,
    cooling: dict[str, str],
    sites: list[str],
    incumbent: np.ndarray,
) -> tuple[np.ndarray, float] | None:
    """Steps 1-3 for one set of open sites: LP, round counts up within the caps, final LP.
    Each open site keeps the online year it committed to in ``incumbent``; redundancy units are
    in use where a module is built, and a continuous plant's unit trip where it reaches one unit.
    Returns (plan, objective) or None when an LP finds no plan (or runs out of time)."""
    lower, upper = (b.copy() for b in bounds)
    fix_sites(lower, upper, cols, cooling, sites)
    fix_online_years(lower, upper, cols, sites, incumbent)
    x = relaxation.solve(lower, upper)
    if x is None:
        return None
    for i in cols.integer:
        lower[i] = upper[i] = min(upper[i], math.ceil(x[i] - 1e-7))
    fix_unit_use(lower, upper, cols)
    fix_unit_trips(lower, upper, cols, x)
    x = relaxation.solve(lower, upper)
    return None if x is None else (x, relaxation.objective)


def polish(
    lp: highspy.HighsLp,
    columns: list,
    incumbent: np.ndarray,
    objective: float,
    options: SolverOptions,
    min_sites: int,
    tolerance: float = 1e-9,
) -> WarmStart | None:
    """A polished plan no worse than ``incumbent`` (objective ``objective``), or None to keep it.

    ``lp``: the model's arrays (its column bounds are not changed); ``columns``: Pyomo vars in
    column order; ``options.time_limit_s`` bounds the polishing LPs together [s]. The returned
    plan carries ``bound = -inf`` (polishing proves no bound).
    """
    cols = index_columns(columns)
    lower, upper = column_bounds(lp)
    for i in cols.integer:  # never buy more than the incumbent
        upper[i] = min(upper[i], round(float(incumbent[i])))
    relaxation = Relaxation(lp, options, None)
    cooling = _open_sites(cols, incumbent)
    sites = _keep(cooling, served_by_site(columns, incumbent), min_sites)
    best = _resolve(relaxation, (lower, upper), cols, cooling, sites, incumbent)
    if best is not None:  # close sites the re-optimised plan left without IT capacity
        it = {s: cols.it_mw(best[0], s) for s in sites}
        fewer = _keep({s: cooling[s] for s in sites}, it, min_sites)
        if fewer and len(fewer) < len(sites):
            best = _resolve(relaxation, (lower, upper), cols, cooling, fewer, incumbent) or best
    if best is None or best[1] > objective + tolerance * max(abs(objective), 1.0):
        return None
    return WarmStart(best[0], best[1], -math.inf)
