"""``planner sweep SCENARIO --set path=v1,v2 ...``: a grid of scenarios solved on Dask.

Local processes by default (``--workers N``, one thread each), or the cluster at
``--scheduler tcp://host:port``. A progress bar while points finish; then a table of the
points and where the run directories, ``sweep.csv`` and ``sweep.parquet`` are. Infeasible,
invalid and failed points are rows with their message; the exit code is 0 when the sweep
ran (2 for a bad grid or output directory).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer

from planner.cli.console import Col, console, fail, fitted_table, fmt_num, study_progress
from planner.cli.study_options import (
    MipGap,
    ScenarioArg,
    Scheduler,
    TimeLimit,
    Workers,
    Yes,
    out_option,
    solver_overrides,
)
from planner.errors import InputError, PlannerError

Out = out_option("sweep", exists="must not exist, unless --resume")


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to ``app``."""

    @app.command("sweep")
    def sweep_command(
        scenario: ScenarioArg = None,
        set_: Annotated[
            Optional[list[str]],
            typer.Option("--set", help="path.to.field=v1,v2,... (repeatable; the grid is every combination)"),
        ] = None,
        scheduler: Scheduler = None,
        workers: Workers = 2,
        out: Out = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="Continue the sweep in --out: skip points already solved")
        ] = False,
        yes: Yes = False,
        threads: Annotated[
            int, typer.Option(help="HiGHS threads per point (unless the grid sets solver.threads)")
        ] = 1,
        time_limit: TimeLimit = None,
        mip_gap: MipGap = None,
    ) -> None:
        """Solve the full grid of --set values; one run directory per point and one tidy table."""
        try:
            table, out_dir = run_sweep(
                scenario, set_ or [], (scheduler, workers), out, resume, yes, (threads, time_limit, mip_gap)
            )
        except PlannerError as exc:
            raise fail(exc) from None
        print_table(table)
        counts = ", ".join(f"{n} {s}" for s, n in Counter(table["status"]).most_common())
        console.print(f"{len(table)} points: {counts}")
        console.print(f"sweep directory: {out_dir}  (sweep.csv, sweep.parquet, manifest.json, points/)")


def run_sweep(
    scenario: Path | None,
    sets: list[str],
    cluster: tuple[str | None, int],
    out: Path | None,
    resume: bool,
    yes: bool,
    solver: tuple[int, float | None, float | None],
) -> tuple[pd.DataFrame, Path]:
    """Parse the grid, pick the output directory and run :func:`planner.studies.sweep.sweep` with a
    progress bar (``cluster``: scheduler, workers; ``solver``: threads, time limit [s], MIP gap; the
    time limit and gap apply to every point unless the grid sets them)."""
    from planner.catalogs.load import load_catalogs
    from planner.paths import DEFAULT_SCENARIO
    from planner.results.rundir import default_run_dir
    from planner.scenario.load import load_scenario
    from planner.studies.sweep import check_cluster, parse_sets, sweep

    (scheduler, workers), (threads, time_limit, mip_gap) = cluster, solver
    grid = parse_sets(sets)
    if not grid:
        raise InputError("sweep: give at least one --set path=v1,v2,...")
    if resume and out is None:
        raise InputError("--resume needs --out: the directory of the sweep to continue")
    check_cluster(scheduler, workers)  # before the progress bar, the manifest or any solve
    path = scenario or DEFAULT_SCENARIO
    catalogs = load_catalogs()
    limits = solver_overrides([], time_limit=time_limit, mip_gap=mip_gap)
    base = load_scenario(path, catalogs, overrides=limits)
    if out is None:
        out = default_run_dir(f"{base.name}-sweep")
    with study_progress(remaining=True) as progress:
        task = progress.add_task("sweep: validating points", total=None)

        def on_point(row: dict[str, Any], done: int, total: int) -> None:
            label = f"point {row['index']}: {row['status']}"
            progress.update(task, completed=done, total=total, description=label)

        table = sweep(
            base if limits else path,
            grid,
            out=out,
            scheduler=scheduler,
            workers=workers,
            resume=resume,
            yes=yes,
            threads=threads,
            catalogs=catalogs,
            on_point=on_point,
        )
    return table, out


def print_table(table: pd.DataFrame) -> None:
    """The sweep as a rich table: overrides, status, headline numbers (and the message)."""
    fixed = {
        "status",
        "message",
        "cost_usd_per_mtok",
        "annualized_cost_usd",
        "capex_usd",
        "gco2e_per_mtok",
        "emissions_t_per_yr",
        "it_mw",
        "n_sites",
        "sites",
        "gpus",
        "gap",
        "solve_s",
        "wall_s",
        "run_dir",
        "index",
    }
    keys = [c for c in table.columns if c not in fixed and not c.startswith(("gpus_", "mix_"))]
    messages = table["message"].fillna("").astype(str).str.len().gt(0).any()
    cols = [
        Col("#", "id", 0),
        *(Col(k.rsplit(".", 1)[-1], "id", 0) for k in keys),
        Col("status", "id", 0),
        Col("$/Mtok", "num", 1),
        Col("gCO2e/Mtok", "num", 2),
        Col("IT MW", "num", 3),
        Col("sites", "text", 5),
        Col("gap", "num", 4),
    ] + ([Col("message", "text", 1)] if messages else [])
    rows = []
    for r in table.to_dict("records"):
        cells = [
            str(r["index"]),
            *(str(r[k]) for k in keys),
            str(r["status"]),
            fmt_num(r.get("cost_usd_per_mtok"), ".3f"),
            fmt_num(r.get("gco2e_per_mtok"), ",.1f"),
            fmt_num(r.get("it_mw"), ",.1f"),
            str(r.get("sites") or "").replace(";", ", "),
            fmt_num(r.get("gap"), ".2%"),
        ]
        rows.append(cells + ([str(r.get("message") or "")[:160]] if messages else []))
    console.print(fitted_table("Sweep", cols, rows))
