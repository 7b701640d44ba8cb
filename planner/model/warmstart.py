"""Relax-and-round: a feasible plan and a bound, from LP solves, before branch and bound.

GPU blocks are integers with ranges in the thousands and each site has a fixed development
cost; the LP relaxation is tight (its bound is typically within a fraction of a percent of
the optimum), but HiGHS' own heuristics can take long to find a first integer plan and
the root LP of an hourly model is the dominant cost. So:

1. solve the LP relaxation (every integer continuous; for small models the site and cooling
   binaries stay integer): its objective (dual bound) is a valid lower bound on the MIP optimum;
2. open the sites the relaxation uses (at most ``max_sites``, at least ``min_sites``, by LP
   value), give each the cooling with the largest LP share, and solve the LP with those
   binaries fixed: a much smaller problem, since closed sites' columns are fixed at zero;
3. greedily try closing open sites, least-used first, keeping a closure when the LP
   objective falls (this recovers the site fixed costs the relaxation spread out);
4. round every GPU-block and plant-module count up (more capacity never violates a demand
   or capacity row) and solve the LP for the continuous variables.

For an hourly scenario the caller may pass a :class:`Screening` from the annual-mode solve:
its sites and coolings replace step 1 (the hourly LP relaxation is then solved only once, at
the end, for the bound; hourly prices, weather-driven PUE and storage mean the annual model
is no valid bound for the hourly one).

When the plan is within the requested MIP gap of the bound it is returned as the answer;
otherwise it is handed to HiGHS as the incumbent. If a step is infeasible (e.g. rounding up
breaks a campus limit) no start is given and HiGHS proceeds alone.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np

from planner.model.interrupt import run_interruptible
from planner.model.threads import use_threads
from planner.scenario.schema import SolverOptions

_FEASIBLE = (highspy.HighsModelStatus.kOptimal,)
SMALL_MODEL_COLUMNS = 20_000
"""Up to this many columns (annual-mode models), step 1 keeps the site and cooling binaries
integer: a small MIP whose dual bound is stronger than the LP's and whose sites are better."""


@dataclass(frozen=True)
class WarmStart:
    """A feasible plan (column values), its objective, and a valid lower bound on the MIP
    optimum (the LP relaxation's objective)."""

    x: np.ndarray
    objective: float
    bound: float

    @property
    def gap(self) -> float:
        """Relative gap as HiGHS defines it: (objective - bound) / |objective|."""
        if not math.isfinite(self.bound):
            return math.inf
        return (self.objective - self.bound) / max(abs(self.objective), 1e-12)


class _Relaxation:
    """One HiGHS instance holding the LP relaxation; column bounds change between solves."""

    def __init__(self, lp: highspy.HighsLp, options: SolverOptions, log_path: Path | None) -> None:
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", log_path is not None)
        self.h.setOptionValue("log_to_console", False)
        if log_path is not None:
            self.h.setOptionValue("log_file", str(log_path))
        use_threads(self.h, options.threads)
        self.deadline = time.perf_counter() + float(options.time_limit_s)
        self.h.passModel(lp)
        self.n = lp.num_col_
        self.idx = np.arange(self.n, dtype=np.int32)
        self.h.setOptionValue("mip_rel_gap", float(options.mip_gap) / 2)
        self.objective = self.bound = math.inf

    def solve(
        self, lower: np.ndarray, upper: np.ndarray, binaries: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Solve with the given column bounds; with ``binaries`` (a mask) those columns stay
        integer (a binaries-only MIP). None unless a plan was found; ``bound`` is then set."""
        kind = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        mask = binaries if binaries is not None else np.zeros(self.n, dtype=bool)
        self.h.changeColsIntegrality(self.n, self.idx, np.array([kind[0] if b else kind[1] for b in mask]))
        self.h.changeColsBounds(self.n, self.idx, lower, upper)
        self.h.setOptionValue("time_limit", max(self.deadline - time.perf_counter(), 1e-3))
        run_interruptible(self.h)
        info = self.h.getInfo()
        if self.h.getModelStatus() not in _FEASIBLE or info.primal_solution_status != 2:
            return None
        self.objective = float(info.objective_function_value)
        self.bound = float(info.mip_dual_bound) if mask.any() else self.objective
        return np.asarray(self.h.getSolution().col_value, dtype=float)


@dataclass(frozen=True)
class Screening:
    """Sites chosen by a cheaper model (the annual-mode solve of an hourly scenario): open
    sites with their cooling."""

    cooling: dict[str, str]


@dataclass(frozen=True)
class _Columns:
    """Positions of the columns relax-and-round changes, by Pyomo variable."""

    names: list[str]  # parent component name of every column
    open: dict[str, int]  # site -> site.open
    y: dict[str, dict[str, int]]  # site -> cooling -> site.y
    cap: dict[str, list[int]]  # site -> site.it_cap under each cooling
    integer: list[int]  # fleet.blocks and energy.modules


def _index_columns(columns: list) -> _Columns:
    """Find the site, cooling, IT capacity and integer count columns among ``columns``."""
    names = [c.parent_component().name for c in columns]
    idx_open = {columns[i].index(): i for i, n in enumerate(names) if n == "site.open"}
    idx_y: dict[str, dict[str, int]] = {}
    idx_cap: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        if n == "site.y":
            s, c = columns[i].index()
            idx_y.setdefault(s, {})[c] = i
        elif n == "site.it_cap":
            idx_cap.setdefault(columns[i].index()[0], []).append(i)
    idx_int = [i for i, n in enumerate(names) if n in ("fleet.blocks", "energy.modules")]
    return _Columns(names, idx_open, idx_y, idx_cap, idx_int)


def relax_and_round(
    lp: highspy.HighsLp,
    columns: list,
    options: SolverOptions,
    min_sites: int,
    max_sites: int | None,
    log_path: Path | None = None,
    screening: Screening | None = None,
) -> WarmStart | None:
    """A feasible plan for the MIP ``lp`` (columns = Pyomo vars) with a bound, or None.

    With ``screening``, step 1 is skipped: its sites and coolings are fixed, and the bound is
    the LP relaxation of this model, solved last.
    """
    lower = np.asarray(lp.col_lower_, dtype=float).copy()
    upper = np.asarray(lp.col_upper_, dtype=float).copy()
    cols = _index_columns(columns)
    relaxation = _Relaxation(lp, options, log_path)
    if screening is None:
        relaxed = _sites_from_relaxation(relaxation, lower, upper, cols, min_sites, max_sites)
        if relaxed is None:
            return None
        cooling, opened, bound = relaxed
    else:
        bound = -math.inf
        cooling = {s: c for s, c in screening.cooling.items() if s in cols.open}
        opened = list(cooling)
    closed = _close_sites(relaxation, lower, upper, cols, cooling, opened, min_sites)
    if closed is None:
        return None
    opened, x = closed
    _fix_sites(lower, upper, cols, cooling, opened)
    for i in cols.integer:
        lower[i] = upper[i] = min(upper[i], math.ceil(x[i] - 1e-7))
    x = relaxation.solve(lower, upper)
    if x is None:
        return None
    objective = relaxation.objective
    if screening is not None:
        # the bound: the LP relaxation of this model (the annual one is no bound for it)
        bound = _relaxation_bound(relaxation, lp, bound)
    return WarmStart(x, objective, bound)


def _sites_from_relaxation(
    relaxation: _Relaxation,
    lower: np.ndarray,
    upper: np.ndarray,
    cols: _Columns,
    min_sites: int,
    max_sites: int | None,
) -> tuple[dict[str, str], list[str], float] | None:
    """Step 1: solve the relaxation (site and cooling binaries integer in a small model); open the
    sites it uses, most used first, within [min_sites, max_sites], each with the cooling of the
    largest LP value. Returns (cooling per opened site, opened sites, lower bound) or None."""
    binaries = (
        np.array([n in ("site.open", "site.y") for n in cols.names])
        if len(cols.names) <= SMALL_MODEL_COLUMNS
        else None
    )
    x = relaxation.solve(lower, upper, binaries)
    if x is None:
        return None
    idx_open, idx_y = cols.open, cols.y
    ranked = sorted(idx_open, key=lambda s: -x[idx_open[s]])
    n_open = sum(1 for s in idx_open if x[idx_open[s]] > 1e-6)
    n_open = max(min_sites, min(n_open, max_sites or n_open))
    opened = ranked[:n_open]
    cooling = {s: max(idx_y.get(s, {}), key=lambda c: x[idx_y[s][c]]) for s in opened}
    return cooling, opened, relaxation.bound


def _fix_sites(
    lower: np.ndarray, upper: np.ndarray, cols: _Columns, cooling: dict[str, str], sites: list[str]
) -> None:
    """Fix the site binaries: open[s] = 1 for ``sites`` (else 0), y[s,c] = 1 only for c = cooling[s]."""
    for s, i in cols.open.items():
        lower[i] = upper[i] = 1.0 if s in sites else 0.0
        for c, j in cols.y.get(s, {}).items():
            lower[j] = upper[j] = 1.0 if s in sites and c == cooling[s] else 0.0


def _close_sites(
    relaxation: _Relaxation,
    lower: np.ndarray,
    upper: np.ndarray,
    cols: _Columns,
    cooling: dict[str, str],
    opened: list[str],
    min_sites: int,
) -> tuple[list[str], np.ndarray] | None:
    """Steps 2 and 3: solve the LP with ``opened`` fixed, then try closing each open site, least
    IT capacity first (keep a closure when the objective falls; at least ``min_sites`` stay).
    Returns (open sites, LP solution) or None if the first LP is infeasible."""
    _fix_sites(lower, upper, cols, cooling, opened)
    x = relaxation.solve(lower, upper)
    if x is None:
        return None
    best = relaxation.objective
    for s in sorted(opened, key=lambda s: sum(x[i] for i in cols.cap.get(s, []))):
        if len(opened) <= min_sites:
            break
        trial = [o for o in opened if o != s]
        _fix_sites(lower, upper, cols, cooling, trial)
        x_trial = relaxation.solve(lower, upper)
        if x_trial is not None and relaxation.objective < best:
            opened, best, x = trial, relaxation.objective, x_trial
    return opened, x


def _relaxation_bound(relaxation: _Relaxation, lp: highspy.HighsLp, bound: float) -> float:
    """The LP relaxation's objective with the original column bounds (a valid lower bound on the
    MIP optimum), or ``bound`` if it finds no solution (time limit)."""
    relaxation.h.clearSolver()
    if (
        relaxation.solve(np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float))
        is not None
    ):
        return relaxation.objective
    return bound
