"""Relax-and-round: a feasible plan and a bound, from LP solves, before branch and bound.

GPU blocks are integers with ranges in the thousands and each site has a fixed development
cost; the LP relaxation is tight (its bound is typically within a fraction of a percent of
the optimum), but HiGHS' own heuristics can take long to find a first integer plan and
the root LP of an hourly model is the dominant cost. So:

1. solve the LP relaxation (every integer continuous; for small models the site and cooling
   binaries stay integer): its objective (dual bound) is a valid lower bound on the MIP optimum;
   a large LP is solved by the interior point method (with crossover), several times faster
   than dual simplex from scratch on hundreds of near-identical sites;
2. open the sites the relaxation uses (at most ``max_sites``, at least ``min_sites``, by LP
   value), give each the cooling with the largest LP share, and solve the LP with those
   binaries fixed: a much smaller problem, since closed sites' columns are fixed at zero;
3. greedily try closing open sites, least-used first, keeping a closure when the LP
   objective falls (this recovers the site fixed costs the relaxation spread out);
4. round every GPU-block count up (more capacity never violates a demand or capacity row)
   and every plant-module count up, or down where that LP is cheaper (large blocks such as a
   600 MW combined cycle), set the redundancy block's unit-in-use binaries from the rounded
   module counts (the contingency of a module built is met by backup gensets), commit each open
   site to the online year of its largest LP value, and solve the LP for the continuous variables.

For an hourly scenario the caller may pass a :class:`Screening` from the annual-mode solve:
its sites and coolings replace step 1 (hourly prices, weather-driven PUE and storage mean the
annual model is no valid bound for the hourly one, so a bound is proved by
:func:`planner.model.lagrangian.certify`). If that bound leaves the plan outside the gap, the
screened sites were not the hourly model's choice (e.g. 24/7 CFE favours other sites than
annual matching): steps 2-4 run again from the sites of the Lagrangian's last restricted LP,
which equals the hourly LP relaxation once no site is profitable, and the cheaper plan is
kept. The full hourly LP relaxation, the slowest LP, is solved only when its optimum could
still certify the plan (the restricted LP's objective is an upper bound on it).

When the plan is within the requested MIP gap of the bound it is returned as the answer;
otherwise it is handed to HiGHS as the incumbent. If a step is infeasible (e.g. rounding up
breaks a campus limit) no start is given and HiGHS proceeds alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from planner.model.lagrangian import certify, site_blocks, site_of
from planner.model.relaxation import Relaxation, column_bounds
from planner.scenario.schema import SolverOptions

Report = Callable[[float, float], None]
"""Called with (objective, bound) of each plan and bound the warm start finds [objective units]."""

SMALL_MODEL_COLUMNS = 20_000
"""Up to this many columns (annual-mode models), step 1 keeps the site and cooling binaries
integer: a small MIP whose dual bound is stronger than the LP's and whose sites are better."""
FIXED_SITE_MIP_SHARE = 0.25
"""Share of the time left that the fixed-site MIP of step 4 may take [-]."""


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
        return _gap(self.objective, self.bound) if math.isfinite(self.bound) else math.inf


@dataclass(frozen=True)
class Screening:
    """Sites chosen by a cheaper model (the annual-mode solve of an hourly scenario): open
    sites with their cooling."""

    cooling: dict[str, str]


@dataclass(frozen=True)
class SiteColumns:
    """Positions of the columns relax-and-round changes, by Pyomo variable."""

    names: list[str]  # parent component name of every column
    open: dict[str, int]  # site -> site.open
    y: dict[str, dict[str, int]]  # site -> cooling -> site.y
    cap: dict[str, dict[str, int]]  # site -> cooling -> site.it_cap
    integer: list[int]  # fleet.blocks and energy.modules (rounded up)
    unit_used: dict[int, int]  # redundancy.has column -> its energy.modules column
    online: dict[str, list[int]]  # site -> timing.on columns (one online year per open site)
    unit_trip: dict[int, tuple[int, float]]  # redundancy.big column -> (energy.cap column, unit MW)
    own: dict[str, np.ndarray]  # site -> every column of the site (first index element)

    def it_mw(self, x: np.ndarray, s: str) -> float:
        """IT capacity [MW] of site ``s`` in the solution ``x``, summed over coolings."""
        return float(sum(x[i] for i in self.cap.get(s, {}).values()))


def index_columns(columns: list) -> SiteColumns:
    """Find the site, cooling, IT capacity and integer count columns among ``columns``."""
    names = [c.parent_component().name for c in columns]
    idx_open = {columns[i].index(): i for i, n in enumerate(names) if n == "site.open"}
    idx_y: dict[str, dict[str, int]] = {}
    idx_cap: dict[str, dict[str, int]] = {}
    for i, n in enumerate(names):
        if n == "site.y":
            s, c = columns[i].index()
            idx_y.setdefault(s, {})[c] = i
        elif n == "site.it_cap":
            s, c = columns[i].index()
            idx_cap.setdefault(s, {})[c] = i
    idx_int = [i for i, n in enumerate(names) if n in ("fleet.blocks", "energy.modules")]
    modules = {columns[i].index(): i for i, n in enumerate(names) if n == "energy.modules"}
    used = {i: modules[columns[i].index()] for i, n in enumerate(names) if n == "redundancy.has"}
    idx_on: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        if n == "timing.on":
            idx_on.setdefault(columns[i].index()[0], []).append(i)
    caps = {columns[i].index(): i for i, n in enumerate(names) if n == "energy.cap"}
    trips = {
        i: (caps[columns[i].index()], float(columns[i].parent_block().unit_mw[columns[i].index()[1]].value))
        for i, n in enumerate(names)
        if n == "redundancy.big"
    }
    owner = np.array([site_of(c, set(idx_open)) or "" for c in columns])
    own = {s: np.flatnonzero(owner == s) for s in idx_open}
    return SiteColumns(names, idx_open, idx_y, idx_cap, idx_int, used, idx_on, trips, own)


def relax_and_round(
    lp: highspy.HighsLp,
    columns: list,
    options: SolverOptions,
    min_sites: int,
    max_sites: int | None,
    log_path: Path | None = None,
    screening: Screening | None = None,
    client: Any = None,
    report: Report | None = None,
) -> WarmStart | None:
    """A feasible plan for the MIP ``lp`` (columns = Pyomo vars) with a bound, or None.

    With ``screening``, step 1 is skipped: its sites and coolings are fixed, and the bound is
    the Lagrangian site bound (its site LPs on the dask ``client`` when given); see
    :func:`_certified` for the second plan and the full LP relaxation when that is not enough.
    ``report(objective, bound)`` is called with each plan and bound as they are found (-inf
    before there is a bound), for progress lines.
    """
    report = report or (lambda objective, bound: None)
    cols = index_columns(columns)
    relaxation = Relaxation(lp, options, log_path)
    if screening is None:
        lower, upper = column_bounds(lp)
        binaries = (
            np.array([n in ("site.open", "site.y") for n in cols.names])
            if len(cols.names) <= SMALL_MODEL_COLUMNS
            else None
        )
        x = relaxation.solve(lower, upper, binaries, interior_point=binaries is None)
        if x is None:
            return None
        bound = relaxation.bound
        plan = _plan(relaxation, lp, cols, *sites_from(x, cols, min_sites, max_sites), min_sites)
        return None if plan is None else WarmStart(*plan, bound)
    cooling = {s: c for s, c in screening.cooling.items() if s in cols.open}
    plan = _plan(relaxation, lp, cols, cooling, list(cooling), min_sites)
    if plan is None:
        return None
    report(plan[1], -math.inf)
    return _certified(relaxation, lp, columns, cols, plan, options, (min_sites, max_sites), client, report)


def _certified(
    relaxation: Relaxation,
    lp: highspy.HighsLp,
    columns: list,
    cols: SiteColumns,
    plan: tuple[np.ndarray, float],
    options: SolverOptions,
    site_range: tuple[int, int | None],
    client: Any,
    report: Report,
) -> WarmStart:
    """The screened ``plan`` (or a better one) with a proved bound (the annual bound is no bound
    for the hourly model). The Lagrangian site bound comes first; if it leaves the plan outside
    the gap, steps 2-4 run again from the sites of its last restricted LP (the LP relaxation's
    own choice once no site is profitable) and the cheaper plan is kept; the full LP relaxation
    is solved only when it could still certify the plan, i.e. when the restricted LP's
    objective (an upper bound on it) is within the gap."""
    found = certify(
        relaxation,
        lp,
        site_blocks(lp, columns, set(cols.open)),
        _opened(cols, plan[0]),
        plan[1],
        options.mip_gap,
        options.threads,
        client=client,
    )
    report(plan[1], found.bound)
    if _gap(plan[1], found.bound) > options.mip_gap and found.x is not None:
        replanned = _plan(relaxation, lp, cols, *sites_from(found.x, cols, *site_range), site_range[0])
        plan = _better(plan, replanned)
        report(plan[1], found.bound)
    bound = found.bound
    if _gap(plan[1], bound) > options.mip_gap and _gap(plan[1], found.restricted) <= options.mip_gap:
        bound = max(bound, _relaxation_bound(relaxation, lp, bound))  # the full LP relaxation
    return WarmStart(*plan, bound)


def _gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective| [-] (inf for an infinite bound)."""
    return (objective - bound) / max(abs(objective), 1e-12)


def _opened(cols: SiteColumns, x: np.ndarray) -> set[str]:
    """The sites a plan opens (site.open = 1)."""
    return {s for s, i in cols.open.items() if x[i] > 0.5}


def _better(
    plan: tuple[np.ndarray, float], other: tuple[np.ndarray, float] | None
) -> tuple[np.ndarray, float]:
    """The cheaper of two (column values, objective) plans (``other`` may be None)."""
    return other if other is not None and other[1] < plan[1] else plan


def _plan(
    relaxation: Relaxation,
    lp: highspy.HighsLp,
    cols: SiteColumns,
    cooling: dict[str, str],
    opened: list[str],
    min_sites: int,
) -> tuple[np.ndarray, float] | None:
    """Steps 2-4 from candidate sites ``opened`` with their ``cooling``, on fresh copies of the
    model's column bounds: (plan, objective) or None if an LP finds no plan."""
    lower, upper = column_bounds(lp)
    closed = _close_sites(relaxation, lower, upper, cols, cooling, opened, min_sites)
    if closed is None:
        return None
    opened, x = closed
    lower, upper = restrict(lower, upper, cols, cooling, opened)
    fix_online_years(lower, upper, cols, opened, x)
    return _round_counts(relaxation, lower, upper, cols, x)


def fix_unit_use(lower: np.ndarray, upper: np.ndarray, cols: SiteColumns) -> None:
    """Fix each redundancy unit-in-use binary to 1 where its plant module count is fixed above 0."""
    for i, j in cols.unit_used.items():
        lower[i] = upper[i] = 1.0 if upper[j] > 0.5 else 0.0


def fix_unit_trips(lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, x: np.ndarray) -> None:
    """Fix each continuous plant's unit-trip binary (:mod:`planner.model.redundancy`): 1 (one unit
    of U MW out) where the plan ``x`` builds at least U MW, else 0 (the whole plant out). Either
    value is feasible for the MIP; this one is the looser contingency for the plan's capacity."""
    for i, (j, unit) in cols.unit_trip.items():
        lower[i] = upper[i] = 1.0 if x[j] >= unit - 1e-9 else 0.0


def fix_online_years(
    lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, opened: list[str], x: np.ndarray
) -> None:
    """Each open site commits to the online year of its largest LP value (closed sites: none)."""
    for s, idx in cols.online.items():
        free = [i for i in idx if upper[i] > 0.5]
        best = max(free, key=lambda i: x[i]) if s in opened and free else None
        for i in idx:
            lower[i] = upper[i] = 1.0 if i == best else 0.0


def sites_from(
    x: np.ndarray, cols: SiteColumns, min_sites: int, max_sites: int | None
) -> tuple[dict[str, str], list[str]]:
    """Step 1's choice from a relaxation's solution ``x``: the sites it uses, most used first,
    within [min_sites, max_sites], each with the cooling that holds the most IT capacity in
    ``x`` (the largest y[s,c] when none holds any: y may sit on a cooling whose IT is zero, e.g.
    immersion at y = 0.96 beside all the IT under DLC, when nothing in the LP prices y). Returns
    (cooling per opened site, opened sites)."""
    idx_open, idx_y = cols.open, cols.y
    ranked = sorted(idx_open, key=lambda s: -x[idx_open[s]])
    n_open = sum(1 for s in idx_open if x[idx_open[s]] > 1e-6)
    n_open = max(min_sites, min(n_open, max_sites or n_open))
    opened = ranked[:n_open]

    def weight(s: str, c: str) -> tuple[float, float]:
        cap = cols.cap.get(s, {}).get(c)
        return (0.0 if cap is None else round(float(x[cap]), 6), float(x[idx_y[s][c]]))

    cooling = {s: max(idx_y.get(s, {}), key=lambda c: weight(s, c)) for s in opened}
    return cooling, opened


def fix_sites(
    lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, cooling: dict[str, str], sites: list[str]
) -> None:
    """Fix the site binaries: open[s] = 1 for ``sites`` (else 0), y[s,c] = 1 only for c = cooling[s]."""
    for s, i in cols.open.items():
        lower[i] = upper[i] = 1.0 if s in sites else 0.0
        for c, j in cols.y.get(s, {}).items():
            lower[j] = upper[j] = 1.0 if s in sites and c == cooling[s] else 0.0


def restrict(
    lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, cooling: dict[str, str], sites: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the column bounds with ``sites`` open (:func:`fix_sites`) and every column of
    the other sites fixed at 0 (clipped to its bounds): a closed site builds and runs nothing,
    and its columns leave the LP at once instead of through the big-M rows of ``site.open``
    (measured: the first fixed-site LP of ``us_annual_match_90`` took 18.5k iterations with
    only the binaries fixed)."""
    lo, up = lower.copy(), upper.copy()
    for s, idx in cols.own.items():
        if s not in sites:
            lo[idx] = up[idx] = np.clip(0.0, lo[idx], up[idx])
    fix_sites(lo, up, cols, cooling, sites)
    return lo, up


def _close_sites(
    relaxation: Relaxation,
    lower: np.ndarray,
    upper: np.ndarray,
    cols: SiteColumns,
    cooling: dict[str, str],
    opened: list[str],
    min_sites: int,
) -> tuple[list[str], np.ndarray] | None:
    """Steps 2 and 3: solve the LP with ``opened`` fixed (:func:`restrict`), then try closing each
    open site, least IT capacity first (keep a closure when the objective falls; at least
    ``min_sites`` stay). ``lower``/``upper`` are not changed. Returns (open sites, LP solution)
    or None if the first LP is infeasible."""
    x = relaxation.solve(*restrict(lower, upper, cols, cooling, opened))
    if x is None:
        return None
    best = relaxation.objective
    for s in sorted(opened, key=lambda s: cols.it_mw(x, s)):
        if len(opened) <= min_sites:
            break
        trial = [o for o in opened if o != s]
        x_trial = relaxation.solve(*restrict(lower, upper, cols, cooling, trial))
        if x_trial is not None and relaxation.objective < best:
            opened, best, x = trial, relaxation.objective, x_trial
    return opened, x


def _round_counts(
    relaxation: Relaxation, lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, x: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Step 4: the counts of the fixed sites made whole. First by rounding: GPU blocks up;
    plant modules up, or down where that is cheaper (a 600 MW block rounded up from 0.07 modules
    would dwarf a small site; rounded down, the LP fills the gap with continuous supply). Then by
    the fixed-site MIP: the model with its sites and coolings fixed (``lower``/``upper``) and
    every count and redundancy binary integer, which presolve shrinks to the open sites' columns
    (:func:`restrict`), within ``FIXED_SITE_MIP_SHARE`` of the time left. Rounding misses
    trade-offs the MIP sees (rung 2 of the ladder: rounded 255.85, fixed-site MIP 253.68 in 1 s,
    LP bound 252.58). Returns the better feasible (solution, objective)."""
    rounded = _rounded(relaxation, lower, upper, cols, x)
    left = relaxation.deadline - time.perf_counter()
    found = relaxation.solve(lower, upper, relaxation.integer, time_limit_s=FIXED_SITE_MIP_SHARE * left)
    exact = (found, relaxation.objective) if found is not None else None
    return exact if rounded is None else _better(rounded, exact)


def _rounded(
    relaxation: Relaxation, lower: np.ndarray, upper: np.ndarray, cols: SiteColumns, x: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """The counts rounded (see :func:`_round_counts`): the better feasible (LP solution, objective)."""
    best: tuple[np.ndarray, float] | None = None
    for down in (False, True):
        lo, up = lower.copy(), upper.copy()
        for i in cols.integer:
            value = (
                math.floor(x[i] + 1e-7)
                if down and cols.names[i] == "energy.modules"
                else math.ceil(x[i] - 1e-7)
            )
            lo[i] = up[i] = min(upper[i], value)
        fix_unit_use(lo, up, cols)
        fix_unit_trips(lo, up, cols, x)
        trial = relaxation.solve(lo, up)
        if trial is not None and (best is None or relaxation.objective < best[1]):
            best = (trial, relaxation.objective)
    return best


def _relaxation_bound(relaxation: Relaxation, lp: highspy.HighsLp, bound: float) -> float:
    """The LP relaxation's objective with the original column bounds (a valid lower bound on the
    MIP optimum), or ``bound`` if it finds no solution (time limit)."""
    relaxation.h.clearSolver()
    if relaxation.solve(*column_bounds(lp), interior_point=True) is not None:
        return relaxation.objective
    return bound
