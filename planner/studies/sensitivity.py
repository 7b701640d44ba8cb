"""One-at-a-time sensitivity of the plan, its flip points and the break-even of losing sites.

Method:

1. **Grid.** The base scenario and every input at each of its values (the others at the base
   scenario's values) are solved in one parallel round on Dask (the engine of
   :mod:`planner.studies.sweep`: plain-data tasks, a LocalCluster of one-thread processes or
   ``tcp://host:port``). A value that resolves to the same scenario as another point (e.g. the
   middle of ``gas_price_scale=0.6:1.4``, which is the default 1.0) is solved once.
2. **Flip points.** A plan is described by two aspects: the set of open sites and the leading
   energy technology (largest share of the energy generated and imported, ``energy_mix_share``).
   Between two neighbouring numeric values at which an aspect differs, its flip point is
   bracketed by bisection: solve the midpoint, keep the half whose ends differ, until the
   bracket is at most 2% of the input's range (:data:`~planner.studies.sensitivity_inputs.
   FLIP_TOLERANCE`; whole steps for integer fields). The flip value is the bracket's middle;
   its two ends are solves on either side, so every flip is checked by construction. When a
   point is infeasible or unsolved, the aspect is the plan as a whole (``plan``), so that
   "infeasible above demand x1.3" is a flip too. Bisection steps are sequential per bracket;
   brackets (and inputs) run in parallel, one step each per round.
3. **Break-even of losing sites** (:mod:`planner.studies.sensitivity_breakeven`), in the same
   rounds as the bisections.

Caveats: the plans are MIP solutions within the scenario's gap (``solver.mip_gap``, 1% by
default); near a flip the two plans cost nearly the same, so which one the solver returns
within its gap decides the side, and a flip is located to the input's 2% only up to that
tolerance (``mip_gap`` tightens it). A bracket holding two flips of the same aspect reports one.

Output directory (``out``, written whole or not at all)::

    sensitivity.csv  one row per solved point: input, value, $/Mtok, gCO2e/Mtok, sites,
                     leading energy, status (and kind grid/bisection/base, message, run_dir)
    flips.csv        input, the bracket (value_below, value_above), flip value, what changes,
                     from -> to
    tornado.csv, tornado.png   $/Mtok (and gCO2e/Mtok) range per input, sorted by $/Mtok swing
    break_even.csv   per losing site: cost gap of forcing it open, the power price change that
                     brings it in (first order) and the solve that checks it
    points/<n>-<slug>/         one run directory per distinct solve (as ``planner solve``)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InputError
from planner.scenario.schema import Scenario
from planner.studies.sensitivity_inputs import DEFAULT_INPUTS, Input, check_inputs, format_value, parse_vary
from planner.studies.sweep import PointResult, check_cluster, check_size, dask_client, run_tasks, slug

OnSolve = Callable[[str, int, int], None]
"""Called with (a short description of the point, solves done, solves started) as each ends."""
ASPECTS = ("sites", "leading energy")
UNDECIDED = ("no_solution", "error", "invalid")
"""Statuses that say nothing about the plan (the solver stopped, a crash, a bad value): no flip
is bisected towards such a point, and a bisection that meets one stops there (``note``)."""


@dataclass
class Request:
    """One solve a chain asks for: overrides of the base scenario, and a site forced open."""

    overrides: dict[str, Any] = field(default_factory=dict)
    force: str | None = None
    about: str = ""


Chain = Generator[Request, PointResult, Any]
"""A sequence of dependent solves: yields a request, receives its result, returns its outcome."""


@dataclass
class SensitivityResult:
    """The tables of a sensitivity (the CSV files of its output directory)."""

    table: pd.DataFrame
    flips: pd.DataFrame
    tornado: pd.DataFrame
    break_even: pd.DataFrame
    out: Path | None = None

    def __repr__(self) -> str:
        inputs = self.table["input"].nunique() if "input" in self.table else 0
        where = f", written to {self.out}" if self.out is not None else ""
        return (
            f"SensitivityResult({len(self.table)} points of {inputs} inputs, {len(self.flips)} flips"
            f"{where}; .table, .flips, .tornado, .break_even)"
        )


def plan_aspects(point: PointResult) -> dict[str, str]:
    """``{"sites": "a+b", "leading energy": "gas_recip"}`` of a solved point; for a point without a
    plan both are its status in brackets (``(infeasible)``)."""
    if point.summary is None:
        return dict.fromkeys(ASPECTS, f"({point.status})")
    mix = point.summary.get("energy_mix_share") or {}
    leading = max(sorted(mix), key=lambda t: mix[t]) if mix else "(none)"
    return {
        "sites": "+".join(sorted(point.summary.get("sites") or [])) or "(none)",
        "leading energy": leading,
    }


def plan_label(point: PointResult) -> str:
    """``"sites: a+b, leading: gas_recip"`` (or the status of a point without a plan)."""
    if point.summary is None:
        return f"({point.status})"
    asp = plan_aspects(point)
    return f"sites: {asp['sites']}, leading: {asp['leading energy']}"


def aspect_of(point: PointResult, what: str) -> str:
    """One aspect of a point's plan: ``sites``, ``leading energy`` or ``plan`` (the whole label)."""
    return plan_label(point) if what == "plan" else plan_aspects(point)[what]


def bisect(
    lo: float, hi: float, side_lo: Any, side_hi: Any, tol: float, integer: bool = False
) -> Generator[float, Any, tuple[float, float, Any, Any]]:
    """Bracket the change from ``side_lo`` (at ``lo``) to another side (at ``hi``) to ``tol``.

    Yields the midpoints to evaluate and receives the side found there; a midpoint on
    ``side_lo``'s side moves ``lo`` up, any other side moves ``hi`` down (so the bracket always
    holds the first change seen from ``lo``; ``None`` stops the search). Returns
    ``(lo, hi, side_lo, side_hi)`` with ``hi - lo <= tol`` unless stopped (integer inputs: whole
    midpoints, at least 1 apart). Steps: ceil(log2((hi - lo) / tol)).
    """
    while hi - lo > tol:
        mid = (lo + hi) // 2 if integer else float(f"{(lo + hi) / 2:.12g}")  # no 1.3499999999999999
        if not lo < mid < hi:
            break
        side = yield mid
        if side is None:  # undecided (the solve failed): stop with the bracket found so far
            break
        if side == side_lo:
            lo = mid
        else:
            hi, side_hi = mid, side
    return lo, hi, side_lo, side_hi


def bisect_sync(
    lo: float, hi: float, side: Callable[[float], Any], tol: float, integer: bool = False
) -> tuple[float, float, Any, Any, int]:
    """:func:`bisect` with ``side(x)`` evaluated here: ``(lo, hi, side_lo, side_hi, steps)``."""
    core = bisect(lo, hi, side(lo), side(hi), tol, integer)
    steps = 0
    try:
        mid = next(core)
        while True:
            steps += 1
            mid = core.send(side(mid))
    except StopIteration as stop:
        return (*stop.value, steps)


class Runner:
    """Solves requests on a Dask client (or here when ``client`` is None); each distinct
    resolved scenario (and forced site) is solved once and kept with its run-directory name."""

    def __init__(self, base: Scenario, catalogs: Catalogs, client: Any, on_solve: OnSolve | None):
        self.base_data = base.model_dump(mode="json", exclude={"extends"})
        self.catalogs, self.client, self.on_solve = catalogs, client, on_solve
        self.results: dict[str, PointResult] = {}
        self.names: dict[str, str] = {}
        self.started = 0
        self.done = 0

    def resolve(self, overrides: Mapping[str, Any]) -> Scenario:
        """The base scenario with ``overrides`` (raises InputError)."""
        from planner.api import resolve_scenario

        return resolve_scenario(self.base_data, self.catalogs, overrides)

    def run(self, requests: Sequence[Request]) -> list[PointResult]:
        """Solve the requests not solved before (in parallel); their results in order."""
        from planner.studies.sensitivity_breakeven import sensitivity_point

        keys, todo = [], {}
        for req in requests:
            try:
                data = self.resolve(req.overrides).model_dump(mode="json", exclude={"extends"})
            except InputError as exc:
                key = "invalid:" + json.dumps(req.overrides, sort_keys=True, default=str)
                self.results.setdefault(key, PointResult(-1, "invalid", str(exc)))
                keys.append(key)
                continue
            text = json.dumps([data, req.force], sort_keys=True, default=str)
            key = hashlib.sha256(text.encode()).hexdigest()
            keys.append(key)
            if key not in self.results and key not in todo:
                self.names[key] = f"{len(self.names):03d}-{slug(req.overrides or {'base': req.force or 0})}"
                todo[key] = (len(self.names) - 1, data, req.force, req.about)
        self.started += len(todo)
        by_index = {call[0]: key for key, call in todo.items()}

        def finished(point: PointResult) -> None:
            key = by_index[point.index]
            self.results[key] = point
            self.done += 1
            if self.on_solve:
                self.on_solve(f"{todo[key][3]}: {point.status}", self.done, self.started)

        calls = [(i, data, force) for i, data, force, _ in todo.values()]
        run_tasks(self.client, sensitivity_point, calls, finished)
        return [self.results[k] for k in keys]

    def run_dir(self, point: PointResult) -> str | None:
        """``points/<n>-<slug>`` of a solved point (None for one without a plan)."""
        if point.summary is None:
            return None
        key = next(k for k, p in self.results.items() if p is point)
        return f"points/{self.names[key]}"


def drive(runner: Runner, chains: Sequence[Chain]) -> list[Any]:
    """Run chains in rounds: each round solves the next request of every active chain in
    parallel; returns each chain's outcome (its return value), in order."""
    outcomes: list[Any] = [None] * len(chains)
    pending: dict[int, Request] = {}
    for i, chain in enumerate(chains):
        with contextlib.suppress(StopIteration):
            pending[i] = next(chain)
    while pending:
        order = sorted(pending)
        results = runner.run([pending[i] for i in order])
        for i, point in zip(order, results):
            try:
                pending[i] = chains[i].send(point)
            except StopIteration as stop:
                outcomes[i] = stop.value
                del pending[i]
    return outcomes


def flip_chain(
    spec: Input, what: str, lo: Any, hi: Any, p_lo: PointResult, p_hi: PointResult, rows: list
) -> Chain:
    """Bisect one bracket of ``spec`` on aspect ``what``; returns the flip row."""
    core = bisect(lo, hi, aspect_of(p_lo, what), aspect_of(p_hi, what), spec.tolerance, spec.integer)
    note = ""
    try:
        mid = next(core)
        while True:
            point = yield Request({spec.path: mid}, about=f"{spec.label} = {format_value(mid)}")
            rows.append((spec, mid, point, "bisection"))
            if point.status in UNDECIDED:
                note = f"bisection stopped at {format_value(mid)}: {point.status}"
            mid = core.send(None if note else aspect_of(point, what))
    except StopIteration as stop:
        a, b, side_a, side_b = stop.value
    return _flip_row(spec, what, a, b, (a + b) / 2, side_a, side_b, note)


def _flip_row(
    spec: Input, what: str, a: Any, b: Any, value: Any, side_a: str, side_b: str, note: str = ""
) -> dict[str, Any]:
    return {
        "input": spec.label,
        "path": spec.path,
        "value_below": a,
        "value_above": b,
        "flip_value": value,
        "what": what,
        "from": side_a,
        "to": side_b,
        "note": note,
    }


def neighbour_flips(
    spec: Input, points: Sequence[PointResult], rows: list
) -> tuple[list[Chain], list[dict[str, Any]]]:
    """Bisection chains between neighbouring values of a numeric input whose plans differ, or
    the flip rows of a categorical input (no values in between: ``flip_value`` empty)."""
    chains: list[Chain] = []
    flips: list[dict[str, Any]] = []
    for (a, pa), (b, pb) in zip(zip(spec.values, points), zip(spec.values[1:], points[1:])):
        if pa.status in UNDECIDED or pb.status in UNDECIDED:
            continue
        failed = pa.summary is None or pb.summary is None
        for what in ("plan",) if failed else ASPECTS:
            if aspect_of(pa, what) == aspect_of(pb, what):
                continue
            if spec.numeric:
                chains.append(flip_chain(spec, what, a, b, pa, pb, rows))
            else:
                flips.append(_flip_row(spec, what, a, b, None, aspect_of(pa, what), aspect_of(pb, what)))
    return chains, flips


def sensitivity(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    vary: Sequence[str | Input] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    out: Path | None = None,
    workers: int | None = 2,
    scheduler: str | None = None,
    break_even: int | None = 3,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    yes: bool = False,
    catalogs: Catalogs | None = None,
    on_solve: OnSolve | None = None,
) -> SensitivityResult:
    """One-at-a-time sensitivity of ``scenario`` (method in the module docstring).

    ``vary``: ``"path=LO:HI[:STEPS]"`` / ``"path=V1,V2"`` strings or :class:`Input` objects
    (default :data:`~planner.studies.sensitivity_inputs.DEFAULT_INPUTS`); ``overrides`` apply to
    every point (``--set``). ``workers`` local Dask processes or ``scheduler`` (``tcp://host:port``);
    both None: solved here, one at a time. ``break_even``: how many losing sites get a
    break-even (None = all, 0 = none). ``out`` (must not exist): the output directory.
    Raises InputError before any solve for a bad input, value or output location, and the
    base scenario's own error (InfeasibleError, NoSolutionError) if it has no plan.
    """
    from planner.api import resolve_scenario
    from planner.results.rundir import check_new
    from planner.studies.sensitivity_breakeven import break_even_applies, break_even_chain, losing_sites
    from planner.studies.sensitivity_report import point_rows, tornado_table, write_outputs

    catalogs = catalogs or load_catalogs()
    check_cluster(scheduler, workers)
    if break_even is not None and break_even < 0:
        raise InputError(f"--break-even {break_even}: a number of sites (0 for none) or 'all'")
    on_dask = workers is not None or scheduler is not None
    extra = {**({"solver.threads": 1} if on_dask else {}), **(overrides or {})}
    extra |= {
        k: v for k, v in (("solver.time_limit_s", time_limit_s), ("solver.mip_gap", mip_gap)) if v is not None
    }
    base = resolve_scenario(scenario, catalogs, extra)
    if out is not None:
        check_new(out)
    specs = _inputs(vary)
    probe = Runner(base, catalogs, None, None)
    check_inputs(specs, probe.resolve)
    check_size(1 + sum(len(s.values) for s in specs), yes, "sensitivity grid")
    rows: list[tuple[Input, Any, PointResult, str]] = []
    with dask_client(scheduler, workers or 2) if on_dask else contextlib.nullcontext() as client:
        runner = Runner(base, catalogs, client, on_solve)
        grid = [Request(about="base")] + [
            Request({s.path: v}, about=f"{s.label} = {format_value(v)}") for s in specs for v in s.values
        ]
        results = runner.run(grid)
        base_point = _base_plan(results[0])
        chains: list[Chain] = []
        flips: list[dict[str, Any]] = []
        at = 1
        for spec in specs:
            points = results[at : at + len(spec.values)]
            at += len(spec.values)
            rows += [(spec, v, p, "grid") for v, p in zip(spec.values, points)]
            more, categorical = neighbour_flips(spec, points, rows)
            chains += more
            flips += categorical
        n_flips = len(chains)
        why_not = break_even_applies(base)
        losers = (
            []
            if why_not or break_even == 0
            else losing_sites(base_point, results[1:], base, catalogs, break_even)
        )
        chains += [break_even_chain(site, base_point, base, catalogs) for site in losers]
        outcomes = drive(runner, chains)
    flips += outcomes[:n_flips]
    table = pd.DataFrame(point_rows(specs, base_point, rows, runner))
    result = SensitivityResult(
        table=table,
        flips=_flip_table(flips, specs),
        tornado=tornado_table(specs, table),
        break_even=pd.DataFrame([{"note": why_not}] if why_not else outcomes[n_flips:]),
        out=out,
    )
    if out is not None:
        write_outputs(out, result, runner, base.name)
    return result


def _inputs(vary: Sequence[str | Input] | None) -> list[Input]:
    """The inputs to vary: the default set, or ``vary`` parsed (each path once)."""
    if vary is None:
        return list(DEFAULT_INPUTS)
    given = [v for v in vary if isinstance(v, Input)]
    specs = given + parse_vary([v for v in vary if isinstance(v, str)])
    paths = [s.path for s in specs]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise InputError(f"--vary {twice[0]}: given twice; give each path once")
    return specs


def _base_plan(point: PointResult) -> PointResult:
    """The base point, or its failure raised as the planner error it was."""
    from planner.errors import InfeasibleError, NoSolutionError, PlannerError

    if point.summary is not None:
        return point
    errors: dict[str, type[PlannerError]] = {
        "infeasible": InfeasibleError,
        "no_solution": NoSolutionError,
        "invalid": InputError,
    }
    raise errors.get(point.status, PlannerError)(f"the base scenario has no plan: {point.message}")


def _flip_table(flips: list[dict[str, Any]], specs: Sequence[Input]) -> pd.DataFrame:
    """Flip rows in input order, then by value."""
    columns = ["input", "path", "value_below", "value_above", "flip_value", "what", "from", "to", "note"]
    order = {s.path: i for i, s in enumerate(specs)}
    ranked = sorted(flips, key=lambda f: (order[f["path"]], _sortable(f["value_below"]), f["what"]))
    return pd.DataFrame(ranked, columns=columns)


def _sortable(value: Any) -> tuple[int, float, str]:
    """A sort key putting numbers in numeric order and other values after them, as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))
