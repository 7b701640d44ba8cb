"""``planner report RUN_DIR [--out report.html]``: the plan report of a run directory, one HTML page.

The page is self-contained (styles inline, charts and map as ``data:`` URIs, no script), made from
the run directory alone (:mod:`planner.report`). A missing or broken run-directory file, or a bad
``--out``, is one ``error: ...`` line naming it, exit code 2; no half-written file is left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from planner.cli.console import console, fail
from planner.errors import PlannerError


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the planner CLI."""

    @app.command("report")
    def report(
        run_dir: Annotated[Path, typer.Argument(help="Run directory written by `planner solve`")],
        out: Annotated[
            Optional[Path],
            typer.Option("--out", help="HTML file to write (default RUN_DIR/report.html, rewritten)"),
        ] = None,
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace an existing --out file")
        ] = False,
    ) -> None:
        """Write the plan report: headline numbers, map, dispatch, mix, costs, GPUs, spend, time to power."""
        from planner.report.write import write_report

        try:
            path = write_report(run_dir, out, overwrite=overwrite)
        except PlannerError as exc:
            raise fail(exc) from None
        console.print(f"wrote {path}", soft_wrap=True)
