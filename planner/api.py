"""Python API: ``planner.solve(scenario) -> SolveResult`` with pandas tables.

The CLI's ``planner solve`` is a thin shell around :func:`solve` plus
:func:`planner.results.rundir.write_contents`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InfeasibleError, InputError, NoSolutionError
from planner.model import background
from planner.model.build import build_model
from planner.model.cluster import check_cluster, dask_client
from planner.model.explain import explain_infeasibility, unreachable_streams
from planner.model.gc_scope import built_frozen, solve_scope
from planner.model.highs import Progress, SolveOutcome
from planner.model.highs import solve as highs_solve
from planner.model.inputs import ModelInputs, build_inputs
from planner.model.phasing import PV_YEARS, present_value_musd, served_share_by_year
from planner.model.warmstart import Screening
from planner.paths import DEFAULT_SCENARIO
from planner.results import tables as results
from planner.results.accounts import account_tables
from planner.results.basis import basis_summary
from planner.results.capex import capex_line_items, opex_table
from planner.results.display import html_table, short_repr
from planner.results.readiness import readiness_summary, readiness_table
from planner.results.rundir import staging, write_contents
from planner.results.rundir_read import RunData
from planner.results.site_loss import site_loss_table
from planner.scenario.load import load_scenario, scenario_from_dict
from planner.scenario.schema import Scenario

Stage = Callable[[str], None]


@dataclass
class SolveResult:
    """A solved plan: headline numbers (``summary``, as ``summary.json``), tables (``tables``, as
    ``tables/*.csv``), and the objects behind them; ``log`` is the HiGHS log.

    ``repr(result)`` is two lines (scenario, status, $/Mtok, open sites); a notebook shows a small
    table (``_repr_html_``); :meth:`save` writes the run directory ``planner solve`` writes."""

    scenario: Scenario
    status: str
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    inputs: ModelInputs = field(repr=False)
    model: pyo.ConcreteModel = field(repr=False)
    outcome: SolveOutcome = field(repr=False)
    log: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return short_repr("SolveResult", self.scenario.name, self.summary, self.tables.get("sites"))

    def _repr_html_(self) -> str:
        return html_table("SolveResult", self.scenario.name, self.summary, self.tables.get("sites"))

    def save(self, directory: str | os.PathLike[str], *, maps: bool = True, report: bool = True) -> Path:
        """Write the run directory ``planner solve --out DIR`` writes (scenario, summary, tables,
        solver log, capex.xlsx and, unless ``maps=False``/``report=False``, the maps and
        report.html) into the new folder
        ``directory``, whole or not at all (:func:`planner.results.rundir.staging`; an existing
        folder is never overwritten). Returns its path; raises InputError naming ``directory``."""
        if not isinstance(directory, (str, os.PathLike)) or not os.fspath(directory):
            shown = f"{type(directory).__name__} {directory!r}"
            raise InputError(f"SolveResult.save: argument 'directory' must be a folder path, got {shown}")
        out = Path(directory)
        try:
            with staging(out) as tmp:
                write_run(self, tmp, maps=maps, report=report, shown_as=out)
        except InputError as exc:
            raise InputError(str(exc).replace("--out ", "SolveResult.save: directory ", 1)) from None
        return out


def write_run(
    result: SolveResult,
    directory: Path,
    *,
    maps: bool = True,
    report: bool = True,
    shown_as: Path | None = None,
    stage: Stage | None = None,
) -> None:
    """Write a solved plan into ``directory`` (a staging folder, see
    :func:`planner.results.rundir.staging`) as ``planner solve`` does: scenario, summary, tables and
    solver log (:func:`~planner.results.rundir.write_contents`), ``capex.xlsx``, (``maps``) the
    map files and (``report``) ``report.html``, which names the run directory ``shown_as`` (its
    final name; default ``directory``). ``stage`` gets a short text before each step (the CLI's
    progress line)."""
    from planner.maps.write import SOLVE_FORMATS, write_maps
    from planner.results.export import export_capex

    say = stage or (lambda _: None)
    say("writing run directory")
    log = directory / "solver.log"
    if result.log and not log.exists():
        log.write_text(result.log, encoding="utf-8")
    write_contents(result.scenario, result.summary, result.tables, directory)
    say("writing capex.xlsx")
    export_capex(directory, "xlsx")
    if maps:
        say("writing maps")
        write_maps(directory, SOLVE_FORMATS)
    if report:
        from planner.report.write import write_report

        say("writing report.html")
        write_report(directory, shown_as=shown_as or directory)


def resolve_scenario(
    scenario: str | Path | Scenario | Mapping[str, Any] | None,
    catalogs: Catalogs,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Accept a path, a dict or a Scenario (``None`` = the default scenario) and validate it."""
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        scenario = scenario.model_dump(mode="json", exclude={"extends"})
    if isinstance(scenario, Mapping):
        return scenario_from_dict(scenario, catalogs, overrides=overrides)
    return load_scenario(scenario, catalogs, overrides=overrides)


def solve(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    *,
    objective: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    log_path: Path | None = None,
    progress: Progress | None = None,
    stage: Stage | None = None,
    catalogs: Catalogs | None = None,
    on_scenario: Callable[[Scenario], None] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> SolveResult:
    """Build and solve a scenario; return the plan with its tables.

    Hooks for progress displays: ``on_scenario`` gets the resolved scenario (time limit,
    objective) before the build, ``stage`` a short text at each stage, ``progress`` a
    :class:`~planner.model.highs.SolverEvent` (incumbent, bound, gap) as the solver goes.

    ``workers`` (a local dask cluster of that many processes) or ``scheduler`` (an existing
    dask scheduler, ``tcp://host:port``): an hourly scenario's annual screening runs on the
    cluster while the hourly model is built here, and the site LPs of its Lagrangian bound run
    there in parallel. The plan is the same as without a cluster.

    Raises
    ------
    InputError (exit 2), InfeasibleError (exit 3, with an explanation), NoSolutionError
    (exit 4: the time or node limit came before any feasible plan).
    """
    t_start = time.perf_counter()
    say = stage or (lambda _: None)
    catalogs = catalogs or load_catalogs()
    extra = dict(overrides or {})
    if objective is not None:
        extra["objective"] = objective
    if time_limit_s is not None:
        extra["solver.time_limit_s"] = time_limit_s
    if mip_gap is not None:
        extra["solver.mip_gap"] = mip_gap
    scn = resolve_scenario(scenario, catalogs, extra)
    check_cluster(scheduler, workers)
    if on_scenario is not None:
        on_scenario(scn)
    use_cluster = scn.time.mode == "representative_days" and (workers is not None or scheduler is not None)
    cluster = dask_client(scheduler, workers or 2) if use_cluster else contextlib.nullcontext()
    with contextlib.ExitStack() as stack:
        if log_path is None:  # kept in result.log, for result.save()
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="planner-"))
            log_path = Path(folder) / "solver.log"
        with cluster as client, solve_scope():  # the collector leaves the model alone (gc_scope)
            result = _solve(scn, catalogs, log_path, progress, say, client, t_start)
        if log_path.is_file():
            result.log = log_path.read_text(encoding="utf-8", errors="replace")
        return result


def _solve(
    scn: Scenario,
    catalogs: Catalogs,
    log_path: Path | None,
    progress: Progress | None,
    say: Stage,
    client: Any,
    t_start: float,
) -> SolveResult:
    """:func:`solve` for a resolved scenario (``client``: a dask client or None).

    An hourly scenario's annual screening starts first, on the cluster or in a forked child
    (:mod:`planner.model.background`), and runs while the hourly model is built and compiled
    here; ``screening_s`` in the timings is the wait for it after that (part of ``solve_s``)."""
    screening_job = _start_screening(scn, catalogs, client)
    try:
        say("building model")
        inp = build_inputs(scn, catalogs)
        if unreachable_streams(inp):
            raise InfeasibleError(
                "scenario is infeasible:\n" + explain_infeasibility(inp, scn.objective, scn.solver)
            )
        model = built_frozen(lambda: build_model(inp))
        build_s = time.perf_counter() - t_start

        def screening() -> Screening | None:  # called by highs_solve once the model is compiled
            say("screening sites with the annual model")
            found = _screening(scn, catalogs, screening_job)
            say("solving")
            return found

        if not inp.slices.hourly:
            say("solving")
        outcome = highs_solve(
            model,
            scn.solver,
            log_path,
            progress,
            warm_start=(scn.policy.min_sites, scn.policy.max_sites),
            screening=screening if inp.slices.hourly else None,
            client=client,
        )
    finally:
        if isinstance(screening_job, background.Background):
            screening_job.cancel()
    screening_s = outcome.stats.get("screening_wait_s", 0.0)
    if outcome.status in ("infeasible", "unbounded") or (
        outcome.status == "optimal" and not outcome.has_solution
    ):
        say("explaining infeasibility")
        raise InfeasibleError(
            "scenario is infeasible:\n" + explain_infeasibility(inp, scn.objective, scn.solver)
        )
    if not outcome.has_solution:
        raise NoSolutionError(
            f"no feasible plan found before the solver stopped ({outcome.status}, "
            f"{scn.solver.time_limit_s:g} s time limit); raise solver.time_limit_s or --time-limit"
        )
    say("extracting results")
    t_extract = time.perf_counter()
    tables = extract_tables(model, inp)
    summary = summarize(scn, inp, model, outcome, tables)
    extract_s = time.perf_counter() - t_extract
    summary["timings"] = _timings(build_s, outcome, screening_s, extract_s, t_start)
    return SolveResult(scn, outcome.status, summary, tables, inp, model, outcome)


def _timings(
    build_s: float, outcome: SolveOutcome, screening_s: float, extract_s: float, t_start: float
) -> dict[str, float]:
    """``summary.json`` ``timings`` [s] (``t_start``: perf_counter when the solve began)."""
    return {
        "build_s": round(build_s, 3),
        "handoff_s": round(outcome.handoff_s, 3),
        "solve_s": round(outcome.solve_s, 3),
        "screening_s": round(screening_s, 3),
        "bound_s": round(outcome.stats.get("bound_s", 0.0), 3),
        "extract_s": round(extract_s, 3),
        "total_s": round(time.perf_counter() - t_start, 3),
    }


def summarize(
    scn: Scenario,
    inp: ModelInputs,
    model: pyo.ConcreteModel,
    outcome: SolveOutcome,
    tables: Mapping[str, pd.DataFrame],
) -> dict[str, Any]:
    """The ``summary.json`` of a solved model, apart from ``timings`` (added by the caller)."""
    return {
        "scenario": scn.name,
        "status": outcome.status,
        "objective": scn.objective,
        "objective_value": outcome.objective_value,
        "objective_units": "MUSD/yr" if scn.objective == "cost" else "tCO2e/yr",
        "best_bound": outcome.best_bound,
        "mip_gap": outcome.mip_gap,
        "polished": bool(outcome.stats.get("polished")),
        **results.summary_numbers(
            model, inp, tables["sites"], tables["fleet"], tables["energy_capacity"], tables["capex_items"]
        ),
        **basis_summary(model, inp),
        "start_year": inp.timing.start_year if inp.timing else None,
        "online_year": scn.demand.online_year,
        "power_redundancy": scn.policy.power_redundancy,
        "demand_growth": {str(y): f for y, f in sorted(scn.demand.growth.items())},
        "served_share_by_year": {str(y): f for y, f in served_share_by_year(model, inp).items()},
        "present_value_cost_usd": present_value_musd(model, inp, PV_YEARS, _in_service_years(tables["sites"]))
        * 1e6,
        "sites_in_service": readiness_summary(tables["sites"].set_index("site_id")),
        "time_mode": scn.time.mode,
        "time_slices": inp.slices.n,
        "model_size": {
            "variables": outcome.n_variables,
            "constraints": outcome.n_constraints,
            "nonzeros": outcome.n_nonzeros,
            "integer_variables": outcome.n_integer,
        },
    }


def _in_service_years(sites: pd.DataFrame) -> dict[str, int]:
    """In-service year of each open site (``tables/sites.csv`` ``in_service_year``) [year]."""
    rows = sites.dropna(subset=["in_service_year"])
    return {str(s): int(y) for s, y in zip(rows["site_id"], rows["in_service_year"], strict=True)}


SCREENING_GAP = 0.03
"""The annual screening is solved to this relative gap (or the scenario's, if looser): it only
picks sites and coolings; the hourly plan's gap is proved by the hourly bound. Measured on the
default scenario on 8 days: the same hourly gap (0.5% vs 0.2%, both within 1%) for 30% less CPU."""


def screening_scenario(scn: Scenario) -> Scenario:
    """The annual-mode relaxation of an hourly scenario used to pick its sites: annual mode,
    gap :data:`SCREENING_GAP`; with a clean-energy policy, 24/7 CFE at x becomes annual matching
    at x (hourly matching implies it) and PV + wind are not capped (the cap would make 90% clean
    infeasible in annual mode, where only the hourly model can tell what firming they need)."""
    time_update: dict[str, Any] = {"mode": "annual"}
    policy = scn.policy
    if policy.hourly_cfe_share is not None or policy.clean_energy_share is not None:
        share = max(policy.hourly_cfe_share or 0.0, policy.clean_energy_share or 0.0)
        policy = policy.model_copy(update={"hourly_cfe_share": None, "clean_energy_share": share})
        time_update["annual_variable_share_max"] = 1.0
    return scn.model_copy(
        update={
            "time": scn.time.model_copy(update=time_update),
            "policy": policy,
            "solver": scn.solver.model_copy(update={"mip_gap": max(scn.solver.mip_gap, SCREENING_GAP)}),
        }
    )


def annual_screening(scn: Scenario, catalogs: Catalogs) -> Screening | None:
    """Solve the annual-mode relaxation of an hourly scenario (:func:`screening_scenario`); its
    open sites (with cooling) seed the hourly warm start."""
    annual = screening_scenario(scn)
    inp = build_inputs(annual, catalogs)
    model = build_model(inp)
    out = highs_solve(model, annual.solver, warm_start=(annual.policy.min_sites, annual.policy.max_sites))
    if not out.has_solution:
        return None
    return Screening({s: c for s in inp.sites for c in inp.coolings if pyo.value(model.site.y[s, c]) > 0.5})


def _start_screening(scn: Scenario, catalogs: Catalogs, client: Any) -> Any:
    """Start the annual screening of an hourly scenario in the background: a dask future on
    ``client``, else a forked child with one HiGHS thread (:func:`background.start`: the other
    core builds the hourly model); None for an annual scenario or where neither is possible."""
    if scn.time.mode != "representative_days":
        return None
    if client is not None:
        return client.submit(screening_task, scenario_data(scn), pure=False)
    one_thread = scn.model_copy(update={"solver": scn.solver.model_copy(update={"threads": 1})})
    return background.start(annual_screening, one_thread, catalogs)


def _screening(scn: Scenario, catalogs: Catalogs, job: Any) -> Screening | None:
    """The annual screening: the background ``job``'s result (a dask future or a forked
    child), or solved here (none, or the job failed, e.g. a remote worker without this data
    tree)."""
    if job is not None:
        try:
            return job.result()
        except Exception:  # noqa: BLE001 - any failure in the background: screen here instead
            pass
    return annual_screening(scn, catalogs)


def scenario_data(scn: Scenario) -> dict[str, Any]:
    """A resolved scenario as plain data (what a dask worker is sent)."""
    return scn.model_dump(mode="json", exclude={"extends"})


def screening_task(data: dict[str, Any]) -> Screening | None:
    """:func:`annual_screening` on a dask worker: catalogs from the worker's own data tree,
    one HiGHS thread (the client process builds the hourly model meanwhile)."""
    catalogs = load_catalogs()
    scn = resolve_scenario(data, catalogs, {"solver.threads": 1})
    return annual_screening(scn, catalogs)


def extract_tables(model: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, pd.DataFrame]:
    """All result tables of a solved model (the ``tables/`` of a run directory)."""
    sites = results.site_table(model, inp).join(readiness_table(model, inp), on="site_id")
    fleet = results.fleet_table(model, inp)
    energy = results.energy_table(model, inp)
    open_sites = sites.loc[sites["open"], "site_id"].tolist()
    return {
        "sites": sites,
        "fleet": fleet,
        "energy_capacity": energy,
        "dispatch": results.dispatch_table(model, inp, open_sites),
        "flows": results.flow_table(model, inp),
        "pipeline": results.pipeline_table(model, inp, sites, energy),
        "costs": results.cost_breakdown(model, inp),
        "throughput": inp.throughput,
        "capex_items": capex_line_items(model, inp),
        "opex": opex_table(model, inp),
        **account_tables(model, inp),
        "site_loss": site_loss_table(inp, fleet, open_sites),
    }


def curve(
    model: str,
    gpus: list[str] | None = None,
    precision: str | None = None,
    *,
    y: str = "tokens-per-gpu",
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    catalogs: Catalogs | None = None,
    isl: float | None = None,
    osl: float | None = None,
    prefix_hit: float | None = None,
) -> Any:
    """The throughput-interactivity frontier of a served model (``planner curve``), at the card's
    request shape or ``isl`` / ``osl`` [tokens] / ``prefix_hit`` [-].

    Returns a :class:`planner.results.curve_view.CurveView` in the units of ``y``
    (``tokens-per-gpu``, ``tokens-per-mw`` or ``usd-per-mtok``; equations in
    :mod:`planner.results.curve_y`): ``sweep`` (tokens/s per GPU and ``y`` with the band
    ``y_low``/``y_high`` at each tokens/s per user, per GPU), ``table`` (y at 5 to 200 tokens/s per
    user), ``points`` (the model's MLPerf results at each curve's precision) and ``measured``
    (their medians against the estimate at the same conditions); ``curve`` is the frontier in
    tokens/s. ``scenario`` (path, dict or Scenario; default the default scenario) supplies the
    finance and prices of the MW and cost units. ``out`` also writes the chart as a PNG there
    (replacing a file). Raises InputError for an unknown model, GPU, precision or ``y``.
    """
    from planner.chain.tokens.frontier import throughput_curve
    from planner.chain.tokens.shape import ShapeOverride
    from planner.results.curve_view import curve_view
    from planner.results.curve_y import y_axis

    y_axis(y)
    catalogs = catalogs or load_catalogs()
    plan = None if y == "tokens-per-gpu" and scenario is None else resolve_scenario(scenario, catalogs)
    shape = ShapeOverride(isl, osl, prefix_hit)
    result = curve_view(throughput_curve(catalogs, model, gpus, precision, shape), catalogs, y, plan)
    if out is not None:
        from planner.results.curve_plot import write_curve_png

        write_curve_png(result, Path(out))
    return result


def report(run_dir: str | Path, out: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write the HTML plan report of a run directory (``planner report``); return its path.

    Default ``out``: ``RUN_DIR/report.html`` (rewritten); an explicit ``out`` must be a new ``.html``
    file unless ``overwrite``. Raises InputError (exit 2) naming a missing or broken run-directory file.
    """
    from planner.report.write import write_report

    return write_report(run_dir, out, overwrite=overwrite)


def show(run_dir: str | Path) -> RunData:
    """The plan of a run directory as ``planner show`` reads it: ``summary.json``, the resolved
    scenario and the ``sites``, ``models`` and ``site_loss`` tables, each checked (InputError, exit 2,
    naming a missing or broken file). ``planner show`` prints it as ``planner solve`` did."""
    from planner.report.data import read_plan

    return read_plan(run_dir)
