"""``planner evaluate RUN_DIR [SCENARIO]``: a plan (or several) tested against other futures.

The plan's sites, cooling, plant, grid connection and GPU fleet are fixed; its operation is
re-solved in each future (the base scenario with ``--set``, and each ``--future NAME:path=value,...``);
demand it cannot serve is priced at ``--unserved-cost``. One plan in one future prints its cost there
and the unserved tokens/s per region and model, and writes its run directory; several plans or
futures print one row per evaluation and the regret table, and write ``evaluations.csv``,
``regret.csv`` and a run directory per evaluation (:mod:`planner.studies.evaluate`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer

from planner.cli.console import (
    Col,
    console,
    err_console,
    fail,
    fitted_table,
    fmt_num,
    metric_table,
    study_progress,
)
from planner.cli.plan_print import sites_table
from planner.cli.study_options import (
    MipGap,
    Scheduler,
    Sets,
    Threads,
    TimeLimit,
    Workers,
    out_option,
    solver_overrides,
)
from planner.errors import PlannerError

Out = out_option("evaluate", base="<plan>")


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` command to ``app``."""
    app.command("evaluate")(evaluate_command)


def evaluate_command(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="A run directory (planner solve), or a folder of them (sweep, Pareto, alternatives output)"
        ),
    ],
    scenario: Annotated[
        Optional[Path],
        typer.Argument(help="Scenario the futures are built on (default: the one the plans were solved for)"),
    ] = None,
    set_: Sets = None,
    future: Annotated[
        Optional[list[str]],
        typer.Option(
            "--future",
            help="A named future: NAME:path=value,path=value (repeatable; default one future, the scenario)",
        ),
    ] = None,
    unserved_cost: Annotated[
        Optional[list[str]],
        typer.Option(
            "--unserved-cost",
            help="Unserved demand [USD/Mtok]: USD (every model, default 10) or MODEL=USD (repeatable)",
        ),
    ] = None,
    out: Out = None,
    time_limit: TimeLimit = None,
    mip_gap: MipGap = None,
    threads: Threads = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Fix a plan's sites, plant and GPUs and re-solve its operation in other futures: cost, unserved demand, regret."""  # noqa: E501 - typer shows this docstring verbatim in `planner --help`
    try:
        table, out_dir = run_evaluate(
            run_dir,
            scenario,
            set_ or [],
            future or [],
            unserved_cost or [],
            out,
            (time_limit, mip_gap, threads),
            (workers, scheduler),
        )
    except PlannerError as exc:
        raise fail(exc) from None
    if len(table) == 1:
        print_evaluation(table.iloc[0].to_dict(), out_dir)
        console.print(
            f"run directory: {out_dir}  (tables/unserved.csv: unserved demand per region and model)"
        )
    else:
        print_evaluations(table)
        console.print(f"evaluate directory: {out_dir}  (evaluations.csv, regret.csv, runs/)")


def run_evaluate(
    run_dir: Path,
    scenario: Path | None,
    sets: list[str],
    futures: list[str],
    unserved_cost: list[str],
    out: Path | None,
    solver: tuple[float | None, float | None, int | None],
    cluster: tuple[int | None, str | None],
) -> tuple[pd.DataFrame, Path]:
    """Check every argument, then :func:`planner.studies.evaluate.evaluate` with a progress bar
    (``solver``: time limit, MIP gap, threads; ``cluster``: workers, scheduler)."""
    from planner.catalogs.load import load_catalogs
    from planner.results.rundir import check_new, default_run_dir
    from planner.studies.evaluate import evaluate, parse_futures, parse_unserved
    from planner.studies.sweep import check_cluster

    workers, scheduler = cluster
    check_cluster(scheduler, workers)
    time_limit, mip_gap, threads = solver
    on_dask = workers is not None or scheduler is not None
    overrides = solver_overrides(
        sets, time_limit=time_limit, mip_gap=mip_gap, threads=threads, on_dask=on_dask
    )
    named = parse_futures(futures)
    price = parse_unserved(unserved_cost)
    if out is None:
        out = default_run_dir(f"{run_dir.resolve().name}-evaluate")
    check_new(out)
    with study_progress() as progress:
        task = progress.add_task("evaluate: reading plans, then solving", total=None)

        def on_evaluation(row: dict[str, Any], done: int, total: int) -> None:
            progress.update(
                task,
                completed=done,
                total=total,
                description=f"evaluate: {row['plan']} in {row['future']} {row['status']}",
            )

        table = evaluate(
            run_dir,
            scenario,
            overrides=overrides,
            futures=named or None,
            unserved_usd_per_mtok=price,
            out=out,
            catalogs=load_catalogs(),
            on_evaluation=on_evaluation,
            workers=workers,
            scheduler=scheduler,
        )
    return table, out


def _musd(value: Any) -> str:
    """USD/yr as M$/yr with one decimal ('' when unknown)."""
    return fmt_num(None if value is None or pd.isna(value) else value / 1e6, ",.1f")


def print_evaluation(row: dict[str, Any], run_dir: Path) -> None:
    """One plan in one future: its cost there against its planned cost, unserved demand and its cost,
    then the unserved tokens/s per region and model (``tables/unserved.csv``)."""
    rows = [
        ("planned cost", _musd(row["planned_cost_usd"]), "M$/yr"),
        ("cost in this future", _musd(row["annualized_cost_usd"]), "M$/yr"),
        ("demand", f"{row['demand_tokens_per_s']:,.0f}", "tokens/s"),
        ("unserved", f"{row['unserved_tokens_per_s']:,.0f}", "tokens/s"),
        ("unserved cost", _musd(row["unserved_cost_usd"]), "M$/yr"),
        ("total", _musd(row["total_cost_usd"]), "M$/yr"),
        ("cost of served", fmt_num(row["cost_usd_per_mtok"], ",.3f"), "$/Mtok"),
        ("carbon", fmt_num(row["gco2e_per_mtok"], ",.1f"), "gCO2e/Mtok"),
    ]
    title = f"Plan {row['plan']} in future {row['future']} ({row['status']})"
    console.print(metric_table(title, rows))
    console.print(sites_table(pd.read_csv(run_dir / "tables" / "sites.csv"), "Sites (fixed by the plan)"))
    unserved = pd.read_csv(run_dir / "tables" / "unserved.csv")
    cols = [
        Col("region", "id", 0),
        Col("model", "id", 0),
        Col("demand tokens/s", "num", 1),
        Col("unserved tokens/s", "num", 0),
        Col("share", "num", 2),
        Col("cost M$/yr", "num", 0),
    ]
    cells = [
        [
            str(r.region_id),
            str(r.model_id),
            f"{r.demand_tokens_per_s:,.0f}",
            f"{r.unserved_tokens_per_s:,.0f}",
            f"{r.unserved_share:.1%}",
            _musd(r.unserved_cost_usd),
        ]
        for r in unserved.itertuples()
    ]
    console.print(fitted_table("Unserved demand by region and model", cols, cells))


def print_evaluations(table: pd.DataFrame) -> None:
    """One row per plan and future, then the regret table and the min-max-regret plan."""
    from planner.studies.regret import best_plan, regret

    cols = [
        Col("plan", "id", 0),
        Col("future", "id", 0),
        Col("cost M$/yr", "num", 1),
        Col("unserved tokens/s", "num", 1),
        Col("unserved M$/yr", "num", 2),
        Col("total M$/yr", "num", 0),
        Col("status", "text", 3),
    ]
    rows = []
    for r in table.to_dict("records"):
        failed = r.get("total_cost_usd") is None or pd.isna(r.get("total_cost_usd"))
        rows.append(
            [
                str(r["plan"]),
                str(r["future"]),
                _musd(r.get("annualized_cost_usd")),
                "" if failed else f"{r['unserved_tokens_per_s']:,.0f}",
                _musd(r.get("unserved_cost_usd")),
                _musd(r.get("total_cost_usd")),
                f"{r['status']}: {r['message']}"[:160] if failed else str(r["status"]),
            ]
        )
    console.print(fitted_table("Plans in futures (total = cost + unserved demand)", cols, rows))
    solved = table[table["total_cost_usd"].notna()]
    if solved.empty or set(solved["future"]) != set(table["future"]):
        err_console.print("no regret table: some future has no plan with a cost")
        return
    reg = regret(table)
    futures = [c.removeprefix("regret_") for c in reg.columns if c.startswith("regret_")]
    cols = [Col("plan", "id", 0)] + [Col(f, "num", 2) for f in futures] + [Col("max regret", "num", 0)]
    cells = [
        [str(plan) + (" *" if r["min_max_regret"] else "")]
        + [_musd(r[f"regret_{f}"]) for f in futures]
        + [_musd(r["max_regret_usd"])]
        for plan, r in reg.iterrows()
    ]
    console.print(fitted_table("Regret [M$/yr]: cost - best plan's cost in each future", cols, cells))
    console.print(f"min-max-regret plan: {best_plan(reg)} (marked *)")
