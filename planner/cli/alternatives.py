"""``planner alternatives SCENARIO``: near-optimal alternatives (modelling to generate alternatives).

Prints one row per plan (the optimum first: verified, cost and carbon change, $/Mtok, distance,
sites, GPU mix, energy), then what every near-optimal plan shares and what is free (min and max
of each site's IT MW, each technology's MW, each GPU type's count and each cooling's IT MW across
the optimum and the verified alternatives), and writes ``alternatives.csv``/``.parquet``,
``ranges.csv``, ``alternatives.png`` and a run directory per plan. With ``--workers``/``--scheduler``
the solves run on Dask.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli.console import Col, console, fail, fitted_table, fmt_num, study_progress
from planner.cli.study_options import (
    ScenarioArg,
    Scheduler,
    Sets,
    TimeLimit,
    Workers,
    out_option,
    solver_overrides,
)
from planner.errors import PlannerError

Out = out_option("alternatives")


def register(app: typer.Typer) -> None:
    """Add the ``alternatives`` command to ``app``."""

    @app.command("alternatives")
    def alternatives_command(
        scenario: ScenarioArg = None,
        slack: Annotated[
            float, typer.Option(help="Objective within (1 + slack) x the optimum's, e.g. 0.02 = 2%")
        ] = 0.02,
        count: Annotated[int, typer.Option(help="Alternatives to search after the optimum (1 to 50)")] = 6,
        space: Annotated[
            str, typer.Option(help="Decision space of the distance: sites, energy, gpus, cooling or all")
        ] = "sites",
        out: Out = None,
        set_: Sets = None,
        scheduler: Scheduler = None,
        workers: Workers = None,
        time_limit: TimeLimit = None,
    ) -> None:
        """Near-optimal alternatives: plans as different as possible from the optimum and each other, within a slack."""  # noqa: E501 - typer shows this docstring verbatim in `planner --help`
        started = time.perf_counter()
        try:
            result, out_dir = run_alternatives(
                scenario, slack, count, space, out, set_ or [], scheduler, workers, time_limit
            )
        except PlannerError as exc:
            raise fail(exc) from None
        print_plans(result.table)
        print_ranges(result.ranges)
        for note in result.notes:
            console.print(note)
        console.print(
            f"alternatives directory: {out_dir}  (alternatives.csv, ranges.csv, alternatives.png, plans/; "
            f"{time.perf_counter() - started:.0f} s)"
        )


def run_alternatives(
    scenario: Path | None,
    slack: float,
    count: int,
    space: str,
    out: Path | None,
    sets: list[str],
    scheduler: str | None,
    workers: int | None,
    time_limit: float | None,
) -> tuple[Any, Path]:
    """Check every argument, pick the output directory, then run
    :func:`planner.studies.alternatives.alternatives` with a progress line."""
    from planner.catalogs.load import load_catalogs
    from planner.paths import DEFAULT_SCENARIO
    from planner.results.rundir import check_new, default_run_dir
    from planner.scenario.load import load_scenario
    from planner.studies.alternatives import alternatives, check_args
    from planner.studies.sweep import check_cluster

    check_args(slack, count, space)  # before the progress line appears
    check_cluster(scheduler, workers)
    on_dask = scheduler is not None or workers is not None
    overrides = solver_overrides(sets, time_limit=time_limit, on_dask=on_dask)
    path = scenario or DEFAULT_SCENARIO
    catalogs = load_catalogs()
    if out is None:
        out = default_run_dir(f"{load_scenario(path, catalogs, overrides=overrides).name}-alternatives")
    check_new(out)
    with study_progress(bar=False) as progress:
        task = progress.add_task("alternatives: solving the optimum", total=None)
        result = alternatives(
            path,
            slack=slack,
            count=count,
            space=space,
            out=out,
            overrides=overrides,
            scheduler=scheduler,
            workers=workers,
            catalogs=catalogs,
            say=lambda text: progress.update(task, description=f"alternatives: {text}"),
        )
    return result, out


def print_plans(table: Any) -> None:
    """One row per plan: id, verified, cost and carbon change [%], $/Mtok, distance, sites, GPUs by
    type and MW by energy technology (text columns of 'id number' pairs, headed so: no text in a
    number column; ids and numbers whole at any width); the note of every plan not verified."""
    cols = [
        Col("#", "id", 0),
        Col("ok", "id", 0),
        Col("cost %", "num", 0),
        Col("carbon %", "num", 1),
        Col("$/Mtok", "num", 2),
        Col("dist", "num", 1),
        Col("sites", "text", 0),
        Col("GPUs by type", "text", 3),
        Col("MW by energy", "text", 4),
    ]
    rows, notes = [], []
    for r in table.to_dict("records"):
        if r.get("note"):
            notes.append(f"plan {r['id']}: {r['note']}")
        rows.append(
            [
                str(r["id"]),
                "yes" if r["verified"] else "no",
                fmt_num(r.get("cost_delta_pct"), "+.2f"),
                fmt_num(r.get("carbon_delta_pct"), "+.1f"),
                fmt_num(r.get("cost_usd_per_mtok"), ".4f"),
                fmt_num(r.get("distance"), ".2f"),
                _text(r.get("sites") if _text(r.get("sites")) else r.get("search_sites")).replace(";", ", "),
                _text(r.get("gpu_mix")),
                _text(r.get("energy_mw")),
            ]
        )
    console.print(
        fitted_table("Near-optimal plans (0 = optimum; ok = verified by its own solve)", cols, rows)
    )
    for note in notes:
        console.print(note)


def _text(value: Any) -> str:
    """A text cell: '' for a missing value (None, NaN)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def print_ranges(ranges: Any) -> None:
    """What every verified plan shares (``always``) and what is free: min and max per item."""
    cols = [
        Col("kind", "id", 0),
        Col("id", "id", 0),
        Col("min", "num", 0),
        Col("max", "num", 0),
        Col("unit", "id", 1),
        Col("plans", "num", 0),
        Col("verdict", "id", 0),
    ]
    rows = [
        [
            str(r["kind"]),
            str(r["id"]),
            fmt_num(r["min"], ",.1f"),
            fmt_num(r["max"], ",.1f"),
            str(r["unit"]),
            f"{r['plans']}/{r['of']}",
            str(r["verdict"]),
        ]
        for r in ranges.to_dict("records")
    ]
    title = "What all near-optimal plans share (always) and what is free: min and max across them"
    console.print(fitted_table(title, cols, rows))
