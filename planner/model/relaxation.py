"""One HiGHS instance holding a model's LP relaxation, re-solved under changing column bounds.

Used by the warm start (relax and round), the polish of a stopped incumbent and the Lagrangian
bound: each changes column bounds (fixing sites, rounding counts) and re-solves from the last basis.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import highspy
import numpy as np

from planner.model.interrupt import run_interruptible
from planner.model.threads import use_threads
from planner.scenario.schema import SolverOptions

_FEASIBLE = (highspy.HighsModelStatus.kOptimal,)


def column_bounds(lp: highspy.HighsLp) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the model's column lower and upper bounds (to tighten without changing ``lp``)."""
    return np.asarray(lp.col_lower_, dtype=float).copy(), np.asarray(lp.col_upper_, dtype=float).copy()


class Relaxation:
    """One HiGHS instance holding the LP relaxation; column bounds change between solves."""

    def __init__(self, lp: highspy.HighsLp, options: SolverOptions, log_path: Path | None) -> None:
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", log_path is not None or bool(options.verbose))
        self.h.setOptionValue("log_to_console", bool(options.verbose))  # --verbose streams every solve
        if log_path is not None:
            self.h.setOptionValue("log_file", str(log_path))
        use_threads(self.h, options.threads)
        self.deadline = time.perf_counter() + float(options.time_limit_s)
        self.h.passModel(lp)
        self.n = lp.num_col_
        self.idx = np.arange(self.n, dtype=np.int32)
        self.integer = np.array(
            [v == highspy.HighsVarType.kInteger for v in lp.integrality_] or [False] * self.n, dtype=bool
        )  # the model's own integer columns
        self.h.setOptionValue("mip_rel_gap", float(options.mip_gap) / 2)
        self.objective = self.bound = math.inf

    def solve(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        binaries: np.ndarray | None = None,
        time_limit_s: float | None = None,
        interior_point: bool = False,
    ) -> np.ndarray | None:
        """Solve with the given column bounds; with ``binaries`` (a mask) those columns stay
        integer (a MIP in them), within ``time_limit_s`` [s] if given (never past the overall
        deadline). ``interior_point``: solve this LP by HiGHS' interior point method with
        crossover (a cold start of a large LP: 608 grown sites, annual mode, 105k columns: 100 s
        against more than 485 s of dual simplex in one run; crossover leaves the basis that the
        next, bound-changed solves start from by simplex). None unless a plan was found;
        ``bound`` is then set."""
        kind = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        mask = binaries if binaries is not None else np.zeros(self.n, dtype=bool)
        self.h.setOptionValue("solver", "ipm" if interior_point and not mask.any() else "choose")
        self.h.changeColsIntegrality(self.n, self.idx, np.array([kind[0] if b else kind[1] for b in mask]))
        self.h.changeColsBounds(self.n, self.idx, lower, upper)
        left = self.deadline - time.perf_counter()
        self.h.setOptionValue("time_limit", max(min(left, time_limit_s or left), 1e-3))
        run_interruptible(self.h)
        info = self.h.getInfo()
        if self.h.getModelStatus() not in _FEASIBLE or info.primal_solution_status != 2:
            return None
        self.objective = float(info.objective_function_value)
        self.bound = float(info.mip_dual_bound) if mask.any() else self.objective
        return np.asarray(self.h.getSolution().col_value, dtype=float)
