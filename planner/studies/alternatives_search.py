"""Searching near-optimal alternatives and verifying each by a solve of its own.

Search model: the scenario in annual mode (for an hourly scenario its annual screening
variant, :func:`planner.api.screening_scenario`, at the scenario's own MIP gap), built once and
solved with only the site, cooling and MGA binaries integer (GPU blocks, plant modules and the
other binaries relaxed: :func:`solve_relaxed`). Its optimum ``objective*`` in that relaxation is
the slack's reference; each alternative then solves the MGA problem of
:mod:`planner.studies.alternatives_space` on the same model (objective within
``(1 + slack) x objective*``), started from the last plan found (within the budget).

Why (measured on the default scenario, 2 cores shared with other jobs): the MGA with every
integer kept found no plan better than its start in 100-220 s per alternative, on the full
annual MIP and with the relax-and-round warm start alike (the budget row makes a feasible plan as
hard to find as a near-optimal cost plan); with only the binaries integer each MGA solve takes
about a minute. Rounding GPU blocks and modules costs about the same in every plan, so a slack
measured inside the relaxation carries over; the verification says where it does not.

Verification: each alternative is solved again on the scenario itself (hourly if it is) with
its sites and cooling fixed by variable bounds and the investment of the chosen space kept as
lower bounds (GPU blocks for ``gpus``, plant and grid tie MW for ``energy``; all of them for
``all``): the operation, GPU blocks, plant modules and anything the hours need beyond the annual
plan are re-optimised. The caller compares that solve's objective with the optimum's own solve.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import NoSolutionError
from planner.model.inputs import ModelInputs
from planner.model.warmstart import Screening
from planner.scenario.schema import Scenario
from planner.studies.alternatives_space import Plan, add_mga, plan_from_model, remove_mga, start_mga
from planner.studies.sweep import PointResult, attempt

MGA_GAP = 0.05
"""Relative gap an MGA solve stops at [-]: the distance only ranks candidates (each is verified
by its own solve), so proving the farthest plan to 1% is not worth the branching."""
AT_LEAST = {
    "energy": (("energy", "cap"), ("energy", "grid_cap")),
    "gpus": (("fleet", "blocks"),),
    "cooling": (),
    "sites": (),
}
"""(block, variable) kept as lower bounds in a verification solve, per space."""


@dataclass(frozen=True)
class PlanFix:
    """What a verification solve keeps of an alternative: each open site's cooling (the others
    closed), and lower bounds ``(block, variable, index, value)``."""

    site_cooling: dict[str, str]
    at_least: tuple[tuple[str, str, Any, float], ...] = ()


def search_scenario(scn: Scenario) -> Scenario:
    """The scenario the search runs on: itself in annual mode, else its annual screening variant
    at its own MIP gap."""
    if scn.time.mode == "annual":
        return scn
    from planner.api import screening_scenario

    annual = screening_scenario(scn)
    return annual.model_copy(
        update={"solver": annual.solver.model_copy(update={"mip_gap": scn.solver.mip_gap})}
    )


@dataclass
class SearchModel:
    """The annual model the alternatives are searched on, built once."""

    scenario: Scenario
    inputs: ModelInputs
    model: pyo.ConcreteModel

    @classmethod
    def build(cls, scn: Scenario, catalogs: Catalogs) -> SearchModel:
        """Build the search model of ``scn`` (see :func:`search_scenario`)."""
        from planner.model.build import build_model
        from planner.model.inputs import build_inputs

        search = search_scenario(scn)
        inp = build_inputs(search, catalogs)
        return cls(search, inp, build_model(inp))

    def optimum(self) -> tuple[float, Plan]:
        """Solve the search model (:func:`solve_relaxed`) for its own objective: (objective*, plan)."""
        if not solve_relaxed(self.model, self.scenario, from_start=False):
            raise NoSolutionError(
                f"the annual search model of {self.scenario.name} found no plan in "
                f"{self.scenario.solver.time_limit_s:g} s (infeasible, or raise --time-limit)"
            )
        return float(pyo.value(self.model.objective.expr)), plan_from_model(self.model, self.inputs)

    def next(
        self, found: Sequence[Plan], space: str, norm: dict[str, float], budget: float
    ) -> tuple[Plan, PlanFix, float, float] | None:
        """The plan farthest from ``found`` within ``budget`` (objective units), what its
        verification keeps, its objective and the MGA's ``z`` (its smallest distance to ``found``
        as the linearised rows see it); None when the MGA solve finds no plan."""
        m, inp = self.model, self.inputs
        add_mga(m, inp, found, space, norm, budget)
        try:
            start_mga(m, inp, found, space)
            if not solve_relaxed(m, self.scenario, from_start=True):
                return None
            plan = plan_from_model(m, inp)
            objective, z = float(pyo.value(m.objective.expr)), float(pyo.value(m.mga.z))
        finally:
            remove_mga(m)
        return plan, plan_fix(m, plan, space), objective, z

    def next_site_set(
        self, found: Sequence[Plan], space: str, budget: float
    ) -> tuple[Plan, PlanFix, float, float] | None:
        """The cheapest plan whose set of open sites differs from every plan in ``found``, if its
        objective is within ``budget``; None otherwise (or when no such plan is found).

        The fallback when an MGA solve does not move from its start within the time limit: the
        search model's own objective, min c'x, with one no-good row per found site set F,

            sum_{s in F} (1 - open_s) + sum_{s not in F} open_s >= 1,

        a cost minimisation in the site and cooling binaries that HiGHS solves about as fast as the
        optimum (no distance objective to bound). The MGA's ``z`` is reported as 0."""
        m, inp = self.model, self.inputs
        m.nogood = pyo.ConstraintList()
        for plan in found:
            chosen = set(plan.sites)
            m.nogood.add(
                sum(1 - m.site.open[s] for s in inp.sites if s in chosen)
                + sum(m.site.open[s] for s in inp.sites if s not in chosen)
                >= 1
            )
        try:
            if not solve_relaxed(m, self.scenario, from_start=False):
                return None
            objective = float(pyo.value(m.objective.expr))
            if objective > budget:
                return None
            plan = plan_from_model(m, inp)
        finally:
            m.del_component(m.nogood)
        return plan, plan_fix(m, plan, space), objective, 0.0


def plan_fix(m: pyo.ConcreteModel, plan: Plan, space: str) -> PlanFix:
    """The :class:`PlanFix` of the plan loaded in ``m`` for ``space``."""
    pairs = {p for sp in (AT_LEAST if space == "all" else {space: AT_LEAST[space]}) for p in AT_LEAST[sp]}
    bounds = []
    for block, name in sorted(pairs):
        var = getattr(getattr(m, block), name)
        bounds += [
            (block, name, i, float(pyo.value(v))) for i, v in var.items() if (pyo.value(v) or 0.0) > 1e-6
        ]
    return PlanFix(dict(plan.site_cooling), tuple(bounds))


KEEP_INTEGER = ("site.open", "site.y", "mga.above")
"""Columns that stay integer in the search: which sites are open, their cooling, and the sides
of the MGA's absolute values; GPU blocks, plant modules and the other binaries are relaxed."""


def solve_relaxed(m: pyo.ConcreteModel, scn: Scenario, from_start: bool) -> bool:
    """Solve ``m`` with only the :data:`KEEP_INTEGER` columns integer (a MIP in the site and
    cooling binaries: seconds, where the full MIP with a distance objective gets no warm start);
    ``from_start``: HiGHS starts from the values ``m`` holds (a feasible plan). Gap
    :data:`MGA_GAP` or the scenario's if looser; the scenario's time limit, threads, seed and node
    limit. Loads the plan and returns True if one was found."""
    from planner.model.highs import compile_to_highs
    from planner.model.threads import use_threads

    lp, columns, _ = compile_to_highs(m)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger
        if c.parent_component().name in KEEP_INTEGER
        else highspy.HighsVarType.kContinuous
        for c in columns
    ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    opts = scn.solver
    h.setOptionValue("time_limit", float(opts.time_limit_s))
    h.setOptionValue("mip_rel_gap", max(MGA_GAP, float(opts.mip_gap)))
    h.setOptionValue("random_seed", int(opts.random_seed))
    use_threads(h, opts.threads)
    if opts.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(opts.node_limit))
    if from_start:
        start = highspy.HighsSolution()
        start.col_value = [float(v.value if v.value is not None else (v.lb or 0.0)) for v in columns]
        start.value_valid = True
        h.setSolution(start)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return False
    for var, value in zip(columns, np.asarray(h.getSolution().col_value, dtype=float)):
        integer = var.parent_component().name in KEEP_INTEGER
        var.set_value(round(value) if integer else value, skip_validation=True)
    return True


@contextmanager
def fixed_plan(m: pyo.ConcreteModel, inp: ModelInputs, fix: PlanFix) -> Iterator[None]:
    """Within the block, ``m`` has the sites and cooling of ``fix`` fixed by bounds (every other
    site closed) and its lower bounds applied; the original bounds come back after."""
    saved: list[tuple[Any, Any, Any]] = []

    def bound(var: Any, lb: float | None = None, ub: float | None = None) -> None:
        saved.append((var, var.lb, var.ub))
        if ub is not None:
            var.setub(ub)
        if lb is not None:
            var.setlb(lb if var.ub is None else min(lb, var.ub))

    for s in inp.sites:
        chosen = fix.site_cooling.get(s)
        bound(m.site.open[s], *((1.0, 1.0) if chosen else (0.0, 0.0)))
        for c in inp.coolings:
            bound(m.site.y[s, c], *((1.0, 1.0) if c == chosen else (0.0, 0.0)))
    for block, name, index, value in fix.at_least:
        var = getattr(getattr(m, block), name)
        if index in var:
            bound(var[index], lb=value)
    try:
        yield
    finally:
        for var, lb, ub in reversed(saved):
            var.setlb(lb)
            var.setub(ub)


def verify_point(index: int, data: dict[str, Any], fix: PlanFix | None) -> PointResult:
    """Task: solve the resolved scenario ``data`` for its own objective, with ``fix`` applied
    (None: the optimum). Each process keeps the built model between its tasks
    (:func:`planner.studies.pareto.cached_model`)."""
    from planner.studies.pareto import MODEL_LOCK, cached_model

    catalogs = load_catalogs()

    def run(log: Path) -> Any:
        frontier = cached_model(data, catalogs)
        objective = frontier.scenario.objective
        if fix is None:
            return frontier.solve(objective, None, log)
        with fixed_plan(frontier.model, frontier.inputs, fix):
            return frontier.solve(objective, None, log, screening=Screening(dict(fix.site_cooling)))

    with MODEL_LOCK:
        return attempt(index, run)
