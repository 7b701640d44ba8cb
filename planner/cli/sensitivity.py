"""``planner sensitivity SCENARIO [--vary path=LO:HI[:STEPS] ...]``: one-at-a-time sensitivity.

Solves the base plan and each input at each of its values on Dask (local processes by default,
``--workers N``, or ``--scheduler tcp://host:port``), bisects the flip points (where the open
sites or the leading energy technology change) to 2% of each input's range, forces the most
relevant losing sites open for their break-even power price, and prints: the $/Mtok and
gCO2e/Mtok at each value, the flips, the tornado order and the break-even per losing site.
Writes ``sensitivity.csv``, ``flips.csv``, ``tornado.csv``, ``tornado.png``, ``break_even.csv``
and a run directory per distinct solve to ``--out``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from planner.cli.console import Col, console, err_console, fail, fitted_table, fmt_num
from planner.cli.study_options import (
    MipGap,
    ScenarioArg,
    Scheduler,
    Sets,
    TimeLimit,
    Workers,
    Yes,
    out_option,
)
from planner.errors import InputError, PlannerError

Out = out_option("sensitivity")


def register(app: typer.Typer) -> None:
    """Add the ``sensitivity`` command to ``app``."""

    @app.command("sensitivity")
    def sensitivity_command(
        scenario: ScenarioArg = None,
        vary: Annotated[
            Optional[list[str]],
            typer.Option(
                "--vary",
                help="path=LO:HI[:STEPS] or path=V1,V2,... (repeatable; default: gas price, grid price, "
                "WACC, GPU price, plant capex, demand, throughput basis, carbon price)",
            ),
        ] = None,
        scheduler: Scheduler = None,
        workers: Workers = 2,
        out: Out = None,
        set_: Sets = None,
        time_limit: TimeLimit = None,
        mip_gap: MipGap = None,
        break_even: Annotated[
            str,
            typer.Option(
                "--break-even", help="Losing sites to force open for a break-even price: N or 'all'"
            ),
        ] = "3",
        yes: Yes = False,
    ) -> None:
        """One-at-a-time sensitivity: $/Mtok and gCO2e/Mtok per input value, flip points, tornado, break-even."""  # noqa: E501 - typer shows this docstring verbatim in `planner --help`
        try:
            result = run_sensitivity(
                scenario, vary, scheduler, workers, out, set_ or [], time_limit, mip_gap, break_even, yes
            )
        except PlannerError as exc:
            raise fail(exc) from None
        print_result(result)
        console.print(
            f"sensitivity directory: {result.out}  (sensitivity.csv, flips.csv, tornado.csv, tornado.png, "
            "break_even.csv, points/)"
        )


def parse_break_even(text: str) -> int | None:
    """``--break-even``: a count of sites (0 = none) or ``all`` (None)."""
    if text.strip().lower() == "all":
        return None
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise InputError(f"--break-even '{text}': expected a number of sites (0 for none) or 'all'")
    return count


def run_sensitivity(
    scenario: Path | None,
    vary: list[str] | None,
    scheduler: str | None,
    workers: int,
    out: Path | None,
    sets: list[str],
    time_limit: float | None,
    mip_gap: float | None,
    break_even: str,
    yes: bool,
) -> Any:
    """Check the arguments, pick the output directory, run the sensitivity with a progress bar."""
    from planner.catalogs.load import load_catalogs
    from planner.paths import DEFAULT_SCENARIO
    from planner.results.rundir import check_new, default_run_dir
    from planner.scenario.load import load_scenario, parse_overrides
    from planner.studies.sensitivity import sensitivity
    from planner.studies.sensitivity_inputs import parse_vary
    from planner.studies.sweep import check_cluster

    inputs = parse_vary(vary) if vary else None  # every argument checked before the progress bar
    count = parse_break_even(break_even)
    check_cluster(scheduler, workers)
    overrides = parse_overrides(sets)
    path = scenario or DEFAULT_SCENARIO
    catalogs = load_catalogs()
    if out is None:
        out = default_run_dir(f"{load_scenario(path, catalogs, overrides=overrides).name}-sensitivity")
    check_new(out)
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task("sensitivity: base plan and grid", total=None)

        def on_solve(about: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=f"sensitivity: {about}")

        return sensitivity(
            path,
            inputs,
            overrides=overrides,
            out=out,
            workers=None if scheduler else workers,
            scheduler=scheduler,
            break_even=count,
            time_limit_s=time_limit,
            mip_gap=mip_gap,
            yes=yes,
            catalogs=catalogs,
            on_solve=on_solve,
        )


def _value(value: Any) -> str:
    from planner.studies.sensitivity_inputs import format_value

    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else format_value(value)


def print_result(result: Any) -> None:
    """The points (base and grid), the flips, the tornado order and the break-even table."""
    table = result.table[result.table["kind"] != "bisection"]
    cols = [
        Col("input", "id", 0),
        Col("value", "id", 0),
        Col("$/Mtok", "num", 0),
        Col("gCO2e/Mtok", "num", 1),
        Col("sites", "text", 2),
        Col("leading", "id", 3),
        Col("status", "id", 4),
    ]
    rows = [
        [
            str(r["input"]),
            _value(r["value"]),
            fmt_num(r["cost_usd_per_mtok"], ".4f"),
            fmt_num(r["gco2e_per_mtok"], ",.1f"),
            str(r["sites"]).replace("+", ", "),
            str(r["leading_energy"]),
            str(r["status"]),
        ]
        for r in table.to_dict("records")
    ]
    console.print(
        fitted_table("Sensitivity: one input at a time (the rest at the base scenario)", cols, rows)
    )
    print_flips(result.flips)
    print_tornado(result.tornado)
    print_break_even(result.break_even)


def print_flips(flips: pd.DataFrame) -> None:
    """Flip points: input, bracket, flip value, what changes from -> to."""
    if flips.empty:
        console.print(
            "No flip: the open sites and the leading energy technology stay the same over every range."
        )
        return
    cols = [
        Col("input", "id", 0),
        Col("between", "id", 2),
        Col("flip", "id", 0),
        Col("what", "text", 1),
        Col("from -> to", "text", 0),
    ]
    rows = [
        [
            str(f["input"]),
            f"{_value(f['value_below'])} / {_value(f['value_above'])}",
            _value(f["flip_value"]) or "-",
            str(f["what"]),
            f"{f['from']} -> {f['to']}".replace("+", ", "),
        ]
        for f in flips.to_dict("records")
    ]
    console.print(fitted_table("Flip points (bisection to 2% of each range)", cols, rows))


def print_tornado(tornado: pd.DataFrame) -> None:
    """Inputs by $/Mtok swing: the range of $/Mtok and of gCO2e/Mtok."""
    cols = [
        Col("input", "id", 0),
        Col("$/Mtok low", "num", 0),
        Col("$/Mtok high", "num", 0),
        Col("swing", "num", 0),
        Col("gCO2e low", "num", 1),
        Col("gCO2e high", "num", 1),
    ]
    rows = [
        [
            str(r["input"]),
            fmt_num(r.get("cost_min"), ".4f"),
            fmt_num(r.get("cost_max"), ".4f"),
            fmt_num(r.get("swing_usd_per_mtok"), ".4f"),
            fmt_num(r.get("gco2e_min"), ",.1f"),
            fmt_num(r.get("gco2e_max"), ",.1f"),
        ]
        for r in tornado.to_dict("records")
    ]
    console.print(fitted_table("Tornado ($/Mtok swing, largest first)", cols, rows))


def print_break_even(table: pd.DataFrame) -> None:
    """Per losing site: the cost of forcing it open and the power price change that brings it in."""
    if table.empty:
        return
    if "site_id" not in table:
        console.print(f"Break-even: {table['note'].iloc[0]}")
        return
    cols = [
        Col("site", "id", 0),
        Col("gap", "num", 0),
        Col("$/MWh", "num", 2),
        Col("enters if power price", "text", 0),
        Col("check", "text", 1),
    ]
    rows = []
    for r in table.to_dict("records"):
        note, change = r.get("note"), r.get("price_change")
        if isinstance(note, str) and note:
            verdict = note
        elif r.get("within_gap"):
            verdict = "already a tie (gap within the solver's MIP gap)"
        else:
            verdict = f"falls {-change:.1%}" if change else "changes 0%"
        check = ""
        if pd.notna(r.get("check_price_change")):
            opens = "opens" if r.get("check_opens") else "does not open"
            check = f"at {r['check_price_change']:+.1%}: {opens}"
        rows.append(
            [
                str(r["site_id"]),
                fmt_num(r.get("cost_gap_share"), "+.2%"),
                fmt_num(r.get("gap_usd_per_mwh"), ",.1f"),
                verdict,
                check,
            ]
        )
    console.print(fitted_table("Break-even of losing sites (first order; docs/benchmarks.md)", cols, rows))
