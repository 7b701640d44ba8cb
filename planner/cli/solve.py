"""``planner solve [SCENARIO]``: build, solve, print the plan and write a run directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from planner.cli.console import console, err_console, fail
from planner.cli.plan_print import print_summary
from planner.cli.progress import SolveReporter
from planner.cli.study_options import ScenarioArg
from planner.errors import InputError, PlannerError


def register(app: typer.Typer) -> None:
    """Add the ``solve`` command to the planner CLI."""
    app.command("solve")(solve)


def solve(
    scenario: ScenarioArg = None,
    objective: Annotated[Optional[str], typer.Option(help="cost | carbon (overrides the scenario)")] = None,
    out: Annotated[
        Optional[Path],
        typer.Option(help="Run directory to create (must not exist); default runs/<scenario>-<timestamp>"),
    ] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Solver time limit [s]")] = None,
    mip_gap: Annotated[Optional[float], typer.Option("--mip-gap", help="Relative MIP gap, e.g. 0.01")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help="HiGHS threads")] = None,
    set_: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="Override a scenario field: path.to.field=value (repeatable)"),
    ] = None,
    workers: Annotated[
        Optional[int],
        typer.Option(
            help="Representative days: screening and site LPs on a local dask cluster of N processes",
        ),
    ] = None,
    scheduler: Annotated[
        Optional[str], typer.Option(help="Representative days: use this dask scheduler (tcp://host:port)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Echo the HiGHS log")] = False,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write map.geojson/gpkg/png/html")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write report.html")] = False,
) -> None:
    """Solve a scenario, print the plan, write a run directory (maps, capex.xlsx, report.html)."""
    from planner.api import solve as api_solve
    from planner.api import write_run
    from planner.model.cluster import check_cluster
    from planner.paths import DEFAULT_SCENARIO
    from planner.results.rundir import check_new, default_run_dir, staging
    from planner.scenario.load import parse_overrides

    started = time.perf_counter()
    try:
        overrides = parse_overrides(set_ or [])
        if verbose:
            overrides["solver.verbose"] = True
        if threads is not None:
            overrides["solver.threads"] = threads
        if objective is not None and objective not in ("cost", "carbon"):
            raise InputError(f"--objective '{objective}': allowed values are cost, carbon")
        check_cluster(scheduler, workers)
        if out is not None:
            check_new(out)
        path = scenario or DEFAULT_SCENARIO
        with SolveReporter(err_console, enabled=not verbose) as report:
            report.stage(f"loading {path}")
            from planner.catalogs.load import load_catalogs

            catalogs = load_catalogs()
            run_dir = out
            if run_dir is None:
                from planner.scenario.load import load_scenario

                run_dir = default_run_dir(load_scenario(path, catalogs, overrides=overrides).name)
            with staging(run_dir) as tmp:
                result = api_solve(
                    path,
                    objective=objective,
                    time_limit_s=time_limit,
                    mip_gap=mip_gap,
                    overrides=overrides,
                    log_path=tmp / "solver.log",
                    progress=report.solver,
                    stage=report.stage,
                    catalogs=catalogs,
                    on_scenario=lambda scn: report.limits(scn.solver.time_limit_s, scn.objective),
                    workers=workers,
                    scheduler=scheduler,
                )
                write_run(
                    result, tmp, maps=not no_map, report=not no_report, shown_as=run_dir, stage=report.stage
                )
    except PlannerError as exc:
        raise fail(exc) from None
    print_summary(result.summary, result.tables)
    console.print(f"run directory: {run_dir}  ({time.perf_counter() - started:.1f} s)")
    if not no_report:
        console.print(f"report: {run_dir / 'report.html'}", soft_wrap=True)
