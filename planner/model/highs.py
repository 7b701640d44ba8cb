"""Hand a Pyomo model to HiGHS as arrays and bring the solution back.

Route (measured fastest in ``shared/perf-notes.md``): Pyomo's
``LinearStandardFormCompiler`` compiles the model once to CSC arrays, which go to
``highspy.Highs.passModel`` whole; no LP/MPS file is written. The solution vector is mapped
back onto the Pyomo variables so results are read through the model's own expressions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from planner.model.gas import drop_idle_laterals
from planner.model.interrupt import run_interruptible
from planner.model.polish import polish
from planner.model.site_gap import site_gaps
from planner.model.threads import use_threads
from planner.model.warmstart import Screening, WarmStart, relax_and_round
from planner.scenario.schema import SolverOptions


@dataclass(frozen=True)
class SolverEvent:
    """Where the solver stands: incumbent and bound in the objective's units (MUSD/yr or
    tCO2e/yr), relative gap (objective - bound) / |objective| [-], and branch-and-bound nodes.
    None where not known yet (no incumbent, or no finite bound)."""

    objective: float | None
    bound: float | None
    gap: float | None
    nodes: int = 0


Progress = Callable[[SolverEvent], None]
"""Called with a :class:`SolverEvent` on each improving solution and on each MIP log line."""


def _known(value: float) -> float | None:
    """A finite solver figure, else None (HiGHS reports +-inf before it knows)."""
    return float(value) if value is not None and np.isfinite(value) and abs(value) < 1e30 else None


def solver_event(objective: float, bound: float, nodes: int = 0) -> SolverEvent:
    """A :class:`SolverEvent` from raw HiGHS figures, infinities as None and the gap derived."""
    obj, low = _known(objective), _known(bound)
    gap = (obj - low) / max(abs(obj), 1e-12) if obj is not None and low is not None else None
    return SolverEvent(obj, low, gap, int(nodes))


POLISH_SHARE = 0.1
"""Share of the time limit given to polishing a time- or node-limited incumbent (at least 5 s)."""

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kSolutionLimit: "node_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


@dataclass
class SolveOutcome:
    """What HiGHS reported, plus sizes and timings [s]."""

    status: str
    has_solution: bool
    objective_value: float | None
    best_bound: float | None
    mip_gap: float | None
    handoff_s: float
    solve_s: float
    n_variables: int
    n_constraints: int
    n_nonzeros: int
    n_integer: int
    stats: dict[str, float] = field(default_factory=dict)
    site_gaps: dict[str, float] = field(default_factory=dict)
    """Closed site -> estimated extra annualised cost of opening it [USD/yr]
    (:mod:`planner.model.site_gap`; only when :func:`solve` is asked for them)."""


def _bounds(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lower = np.array([-highspy.kHighsInf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([highspy.kHighsInf if v.ub is None else v.ub for v in columns], dtype=float)
    integer = np.array([v.is_integer() or v.is_binary() for v in columns], dtype=bool)
    return lower, upper, integer


def compile_to_highs(model: pyo.ConcreteModel) -> tuple[highspy.HighsLp, list, dict[str, int]]:
    """Compile ``model`` to standard-form arrays held in a ``HighsLp``.

    Rows come in mixed form: multiplier -1 is ``>= rhs``, 0 is ``= rhs``, +1 is ``<= rhs``.
    Returns the HiGHS model, the Pyomo columns (in HiGHS order) and the model sizes.
    """
    repn = LinearStandardFormCompiler().write(model, mixed_form=True)
    A = repn.A.tocsc()
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([mult for _, mult in repn.rows], dtype=int)
    row_lower = np.where(sense <= 0, rhs, -highspy.kHighsInf)
    row_upper = np.where(sense >= 0, rhs, highspy.kHighsInf)
    cost = np.asarray(repn.c.toarray()[0], dtype=float) if repn.c.shape[0] else np.zeros(A.shape[1])
    lower, upper, integer = _bounds(repn.columns)

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = cost
    lp.offset_ = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    sizes = {
        "n_variables": int(A.shape[1]),
        "n_constraints": int(A.shape[0]),
        "n_nonzeros": int(A.nnz),
        "n_integer": int(integer.sum()),
    }
    return lp, list(repn.columns), sizes


def _load(model: pyo.ConcreteModel, columns: list, values) -> None:
    """Write a solution vector into the Pyomo variables (integers rounded; unused vars at their
    lower bound)."""
    for var, value in zip(columns, values):
        var.set_value(round(value) if var.is_integer() or var.is_binary() else value, skip_validation=True)
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.value is None:
            var.set_value(var.lb if var.lb is not None else 0.0, skip_validation=True)


def _merge_logs(log_path: Path | None, warm_log: Path | None, note: str) -> None:
    """Prepend the warm-start log to the solver log (both HiGHS logs) with a note between."""
    if log_path is None or warm_log is None or not warm_log.exists():
        return
    main = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    warm = warm_log.read_text(encoding="utf-8", errors="replace")
    log_path.write_text(
        f"## warm start: relax and round (binaries-only MIP, then LPs)\n{warm}\n## {note}\n{main}",
        encoding="utf-8",
    )
    warm_log.unlink()


def solve(
    model: pyo.ConcreteModel,
    options: SolverOptions,
    log_path: Path | None = None,
    progress: Progress | None = None,
    warm_start: tuple[int, int | None] | None = None,
    screening: Screening | Callable[[], Screening | None] | None = None,
    client: Any = None,
    gaps: bool = False,
) -> SolveOutcome:
    """Solve ``model`` with HiGHS; on a feasible result load the values into the model's variables.

    ``warm_start`` = (min_sites, max_sites) runs :func:`relax_and_round` first and gives its
    plan to HiGHS as the starting incumbent (``screening``: sites from the annual solve of an
    hourly scenario, or a function that waits for them, called once the model is compiled so
    a screening running in the background overlaps the compile too; ``client``: a
    dask.distributed client for the site LPs of its bound). The wait counts in ``solve_s``
    and the time limit, and is ``stats["screening_wait_s"]`` [s]. Never raises on a
    non-optimal outcome: the caller branches on ``status`` and ``has_solution`` (a time limit
    with an incumbent is a usable plan). With ``gaps`` (the objective must be annualised cost
    in MUSD/yr), ``site_gaps`` estimates what opening each closed site would add, within a
    share of the time limit (``stats["site_gap_s"]`` [s]).
    """
    t0 = time.perf_counter()
    try:
        lp, columns, sizes = compile_to_highs(model)
    except InfeasibleConstraintException:  # fixed variables made a row trivially infeasible
        return SolveOutcome("infeasible", False, None, None, None, time.perf_counter() - t0, 0.0, 0, 0, 0, 0)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    handoff = time.perf_counter() - t0
    t1 = time.perf_counter()
    if callable(screening):
        screening = screening()
    waited = time.perf_counter() - t1
    if waited > 0.0:
        options = options.model_copy(update={"time_limit_s": max(options.time_limit_s - waited, 1e-3)})
    outcome = _solve_compiled(
        h, lp, columns, sizes, model, options, log_path, progress, warm_start, screening, client, handoff
    )
    outcome.solve_s += waited
    outcome.stats["screening_wait_s"] = waited
    if outcome.has_solution and drop_idle_laterals(model):  # within-gap slack: a lateral for no plant
        outcome.objective_value = float(pyo.value(model.objective))
        if outcome.best_bound is not None:
            objective = outcome.objective_value
            outcome.mip_gap = (objective - outcome.best_bound) / max(abs(objective), 1e-12)
    if gaps and outcome.has_solution and sizes["n_integer"]:
        t2 = time.perf_counter()
        x = np.array([v.value for v in columns], dtype=float)
        outcome.site_gaps = site_gaps(lp, columns, x, options)
        outcome.stats["site_gap_s"] = time.perf_counter() - t2
    return outcome


def _solve_compiled(
    h: highspy.Highs,
    lp: highspy.HighsLp,
    columns: list,
    sizes: dict[str, int],
    model: pyo.ConcreteModel,
    options: SolverOptions,
    log_path: Path | None,
    progress: Progress | None,
    warm_start: tuple[int, int | None] | None,
    screening: Screening | None,
    client: Any,
    handoff: float,
) -> SolveOutcome:
    """:func:`solve` once ``lp`` is compiled and passed to ``h`` (``handoff`` [s])."""
    t1 = time.perf_counter()
    ws_log = log_path.with_name(log_path.name + ".warmstart") if log_path is not None else None
    start = (
        relax_and_round(
            lp,
            columns,
            options,
            *warm_start,
            log_path=ws_log,
            screening=screening,
            client=client,
            report=(lambda obj, bound: progress(solver_event(obj, bound))) if progress else None,
        )
        if warm_start and sizes["n_integer"]
        else None
    )
    bound_s = time.perf_counter() - t1  # relaxation bound and its rounded plan
    remaining = options.time_limit_s - bound_s
    if start is not None and (start.gap <= options.mip_gap or remaining <= 0):
        outcome = _warm_start_outcome(model, columns, start, options, (log_path, ws_log), handoff, t1, sizes)
        outcome.stats["bound_s"] = bound_s
        return outcome
    if start is not None and progress is not None:
        progress(solver_event(start.objective, start.bound))
    _configure(h, options, remaining, log_path, progress, start)
    run_interruptible(h)
    solve_s = time.perf_counter() - t1
    _merge_logs(log_path, ws_log, "branch and bound (HiGHS MIP) follows")
    outcome = _mip_outcome(h, model, columns, start, sizes, handoff, solve_s)
    outcome.stats["bound_s"] = bound_s
    if warm_start and sizes["n_integer"] and outcome.has_solution and outcome.status != "optimal":
        _polish(lp, columns, model, outcome, options, warm_start[0], h.getSolution().col_value)
        outcome.solve_s = time.perf_counter() - t1
    return outcome


def _polish(
    lp: highspy.HighsLp,
    columns: list,
    model: pyo.ConcreteModel,
    outcome: SolveOutcome,
    options: SolverOptions,
    min_sites: int,
    incumbent: list[float],
) -> None:
    """Replace a time- or node-limited incumbent by its polished plan (:mod:`planner.model.polish`)
    when that is no worse; the gap is recomputed against the same bound."""
    budget = max(POLISH_SHARE * options.time_limit_s, 5.0)
    polished = polish(
        lp,
        columns,
        np.asarray(incumbent, dtype=float),
        float(outcome.objective_value),
        options.model_copy(update={"time_limit_s": budget}),
        min_sites,
    )
    outcome.stats["polished"] = float(polished is not None)
    if polished is None:
        return
    _load(model, columns, polished.x)
    outcome.objective_value = polished.objective
    if outcome.best_bound is not None:
        outcome.mip_gap = (polished.objective - outcome.best_bound) / max(abs(polished.objective), 1e-12)


def _warm_start_outcome(
    model: pyo.ConcreteModel,
    columns: list,
    start: WarmStart,
    options: SolverOptions,
    logs: tuple[Path | None, Path | None],
    handoff: float,
    t1: float,
    sizes: dict[str, int],
) -> SolveOutcome:
    """The relax-and-round plan as the answer, without branch and bound: ``optimal`` when its gap
    to the relaxation bound is within ``mip_gap``, else (no time left) ``time_limit``.
    ``logs`` = (solver log, warm-start log); ``t1`` = perf_counter at the start of the solve [s]."""
    _load(model, columns, start.x)
    _merge_logs(
        *logs,
        "relax-and-round plan is within the MIP gap of the relaxation bound: branch and bound not needed",
    )
    status = "optimal" if start.gap <= options.mip_gap else "time_limit"
    stats = {"mip_node_count": 0.0, "warm_start": 1.0, "warm_start_closed_gap": 1.0}
    bound, gap = (start.bound, start.gap) if np.isfinite(start.bound) else (None, None)
    return SolveOutcome(
        status, True, start.objective, bound, gap, handoff, time.perf_counter() - t1, stats=stats, **sizes
    )


def _configure(
    h: highspy.Highs,
    options: SolverOptions,
    remaining: float,
    log_path: Path | None,
    progress: Progress | None,
    start: WarmStart | None,
) -> None:
    """Set the MIP options of ``h`` (``remaining`` time [s], gap, threads, seed, node limit, log),
    subscribe ``progress`` to improving solutions, and give ``start`` as the incumbent."""
    h.setOptionValue("time_limit", float(max(remaining, 1e-3)))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    use_threads(h, options.threads)
    h.setOptionValue("random_seed", int(options.random_seed))
    if options.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(options.node_limit))
    if log_path is not None:
        h.setOptionValue("log_file", str(log_path))
    h.setOptionValue("output_flag", bool(log_path is not None or options.verbose))
    h.setOptionValue("log_to_console", bool(options.verbose))
    if progress is not None:

        def report(e: Any) -> None:  # a highspy callback event
            out = e.data_out
            progress(solver_event(out.objective_function_value, out.mip_dual_bound, out.mip_node_count))

        h.cbMipImprovingSolution.subscribe(report)
        h.cbMipLogging.subscribe(report)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start.x
        solution.value_valid = True
        h.setSolution(solution)


def _mip_outcome(
    h: highspy.Highs,
    model: pyo.ConcreteModel,
    columns: list,
    start: WarmStart | None,
    sizes: dict[str, int],
    handoff: float,
    solve_s: float,
) -> SolveOutcome:
    """What HiGHS reported after ``run``; a solution is loaded into the model.

    bound = max(HiGHS dual bound, relax-and-round bound); gap = (objective - bound) / |objective| [-].
    """
    status = _STATUS.get(h.getModelStatus(), "error")
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2 and status not in ("infeasible", "unbounded")
    is_mip = sizes["n_integer"] > 0
    objective = float(info.objective_function_value) if has_solution else None
    bound = float(info.mip_dual_bound) if is_mip and has_solution else objective
    if start is not None and bound is not None and np.isfinite(start.bound):
        bound = max(bound, start.bound)
    gap = (
        (objective - bound) / max(abs(objective), 1e-12)
        if is_mip and has_solution and bound is not None
        else (0.0 if has_solution else None)
    )
    if gap is not None and not np.isfinite(gap):
        gap = None
    if has_solution:
        _load(model, columns, h.getSolution().col_value)
    stats = {
        "mip_node_count": float(info.mip_node_count),
        "simplex_iterations": float(info.simplex_iteration_count),
        "warm_start": float(start is not None),
        "warm_start_closed_gap": 0.0,
    }
    return SolveOutcome(status, has_solution, objective, bound, gap, handoff, solve_s, stats=stats, **sizes)
