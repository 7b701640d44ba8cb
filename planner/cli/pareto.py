"""``planner pareto SCENARIO --points N``: the cost-versus-carbon frontier (epsilon constraint).

Prints one row per frontier point (carbon cap, tCO2e/yr, $/Mtok, gCO2e/Mtok, sites, GPU mix,
what changes between the plans, gap) and the points merged or dropped with their reason, and
writes ``pareto.csv``, ``pareto.parquet``, ``pareto_removed.csv``, ``pareto.png`` and a run
directory per point. With ``--workers``/``--scheduler`` the points after the two ends run on Dask.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from planner.cli.console import Col, console, err_console, fail, fitted_table, fmt_num, study_progress
from planner.cli.study_options import (
    MipGap,
    ScenarioArg,
    Scheduler,
    Sets,
    Threads,
    TimeLimit,
    Workers,
    Yes,
    out_option,
    solver_overrides,
)
from planner.errors import PlannerError

Out = out_option("pareto")


def register(app: typer.Typer) -> None:
    """Add the ``pareto`` command to ``app``."""

    @app.command("pareto")
    def pareto_command(
        scenario: ScenarioArg = None,
        points: Annotated[
            int, typer.Option("--points", help="Points on the frontier, the two ends included (>= 2)")
        ] = 5,
        out: Out = None,
        set_: Sets = None,
        scheduler: Scheduler = None,
        workers: Workers = None,
        threads: Threads = None,
        time_limit: TimeLimit = None,
        mip_gap: MipGap = None,
        yes: Yes = False,
    ) -> None:
        """Cost-versus-carbon frontier: min cost, min carbon, and cost-optimal plans under carbon caps in between."""  # noqa: E501 - typer shows this docstring verbatim in `planner --help`; a wrap would show too
        try:
            table, out_dir = run_pareto(
                scenario, points, out, set_ or [], scheduler, workers, threads, time_limit, mip_gap, yes
            )
        except PlannerError as exc:
            raise fail(exc) from None
        print_frontier(table)
        console.print(
            f"pareto directory: {out_dir}  "
            "(pareto.csv, pareto.parquet, pareto_removed.csv, pareto.png, points/)"
        )


def run_pareto(
    scenario: Path | None,
    points: int,
    out: Path | None,
    sets: list[str],
    scheduler: str | None,
    workers: int | None,
    threads: int | None,
    time_limit: float | None,
    mip_gap: float | None,
    yes: bool = False,
) -> tuple[pd.DataFrame, Path]:
    """Overrides and output directory, then :func:`planner.studies.pareto.pareto` with a progress bar."""
    from planner.catalogs.load import load_catalogs
    from planner.paths import DEFAULT_SCENARIO
    from planner.results.rundir import check_new, default_run_dir
    from planner.scenario.load import load_scenario
    from planner.studies.pareto import check_points, pareto
    from planner.studies.sweep import check_cluster

    check_points(points, yes)  # every argument checked before the progress bar appears
    check_cluster(scheduler, workers)
    overrides = solver_overrides(
        sets,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        on_dask=scheduler is not None or workers is not None,
    )
    path = scenario or DEFAULT_SCENARIO
    catalogs = load_catalogs()
    if out is None:
        out = default_run_dir(f"{load_scenario(path, catalogs, overrides=overrides).name}-pareto")
    check_new(out)
    with study_progress() as progress:
        task = progress.add_task("pareto: solving the two ends", total=points)

        def on_point(row: dict[str, Any], done: int, total: int) -> None:
            progress.update(
                task,
                completed=done,
                description=f"pareto: point {row['point']} ({row['kind']}) {row['status']}",
            )

        table = pareto(
            path,
            points=points,
            out=out,
            overrides=overrides,
            scheduler=scheduler,
            workers=workers,
            catalogs=catalogs,
            on_point=on_point,
            yes=yes,
        )
    return table, out


def print_frontier(table: pd.DataFrame) -> None:
    """The frontier as a table, min cost first (ids and numbers whole at any width); warns if cost
    falls as the cap tightens."""
    cols = [
        Col("#", "id", 0),
        Col("kind", "id", 0),
        Col("cap tCO2e/yr", "num", 4),
        Col("tCO2e/yr", "num", 3),
        Col("gCO2e/Mtok", "num", 0),
        Col("$/Mtok", "num", 0),
        Col("M$/yr", "num", 2),
        Col("sites", "text", 6),
        Col("GPU mix", "text", 7),
        Col("what changes", "text", 1),
        Col("gap", "num", 5),
    ]
    rows = []
    for r in table.to_dict("records"):
        head = [str(r["point"]), str(r["kind"]), fmt_num(r["carbon_cap_t_per_yr"], ",.0f")]
        if r.get("annualized_cost_usd") is None or pd.isna(r.get("annualized_cost_usd")):
            rows.append([*head, "", "", "", "", "", "", f"{r['status']}: {r['message']}"[:120], ""])
            continue
        rows.append(
            [
                *head,
                fmt_num(r["emissions_t_per_yr"], ",.0f"),
                fmt_num(r["gco2e_per_mtok"], ",.1f"),
                fmt_num(r["cost_usd_per_mtok"], ".4f"),
                fmt_num(r["annualized_cost_usd"] / 1e6, ",.1f"),
                str(r["sites"]).replace(";", ", "),
                str(r["gpu_mix"]),
                str(r["label"]),
                fmt_num(r["gap"], ".2%"),
            ]
        )
    console.print(fitted_table("Cost-carbon frontier (epsilon constraint)", cols, rows))
    for note in table.attrs.get("removed", []):
        console.print(f"removed {note}")
    cost = table["annualized_cost_usd"].to_numpy(dtype=float)
    gap = table["gap"].fillna(0).to_numpy(dtype=float)
    falls = [
        int(k) for k in range(1, len(cost)) if cost[k] < cost[k - 1] * (1 - max(gap[k], gap[k - 1]) - 1e-9)
    ]
    if falls:
        err_console.print(
            f"warning: cost falls as the cap tightens at point(s) {falls} beyond the MIP gap; "
            "tighten --mip-gap"
        )
