"""``planner show RUN_DIR``: the plan of a run directory, printed as ``planner solve`` printed it.

The same printing functions as ``planner solve`` (:mod:`planner.cli.plan_print`), fed from
``summary.json`` and ``tables/sites.csv``, ``models.csv``, ``site_loss.csv`` (checked by
:mod:`planner.results.rundir_read`: a missing or broken file is one ``error: ...`` line naming
it, exit code 2). The last lines name the run directory and its report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.console import console, fail
from planner.cli.plan_print import print_summary
from planner.errors import PlannerError


def register(app: typer.Typer) -> None:
    """Add the ``show`` command to the planner CLI."""

    @app.command("show")
    def show(
        run_dir: Annotated[Path, typer.Argument(help="Run directory written by `planner solve`")],
    ) -> None:
        """Print the plan of a run directory again, as `planner solve` printed it."""
        from planner.report.data import read_plan

        try:
            run = read_plan(run_dir)
        except PlannerError as exc:
            raise fail(exc) from None
        print_summary(run.summary, run.tables)
        console.print(f"run directory: {run_dir}", soft_wrap=True)
        report = run_dir / "report.html"
        if report.is_file():
            console.print(f"report: {report}", soft_wrap=True)
