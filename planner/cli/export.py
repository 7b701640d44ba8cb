"""``planner export RUN_DIR --capex FORMAT``: the capex workbook (or csv/json/parquet) of a run directory.

Errors (missing or corrupted run-directory file, tables that do not add up to ``summary.json``,
bad option) are printed as ``error: <message>`` with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from planner.cli.console import console, fail
from planner.errors import InputError, PlannerError


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""

    @app.command("export")
    def export(
        run_dir: Annotated[Path, typer.Argument(help="Run directory written by `planner solve`")],
        capex: Annotated[
            Optional[str], typer.Option("--capex", help="Capex export format: xlsx | csv | json | parquet")
        ] = None,
        out: Annotated[
            Optional[Path],
            typer.Option(
                "--out",
                help="Output file (default RUN_DIR/capex.<format>; csv/parquet: <stem>_<sheet>.<format>)",
            ),
        ] = None,
        horizon_years: Annotated[
            int,
            typer.Option("--horizon-years", help="Planning horizon for replacements at end of life [years]"),
        ] = 15,
        base_year: Annotated[
            Optional[int],
            typer.Option(
                "--base-year",
                help=(
                    "Year construction starts (default: as solved: the scenario name's year, "
                    "else the solve year)"
                ),
            ),
        ] = None,
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace files already at --out (default: refuse)")
        ] = False,
    ) -> None:
        """Export the capex line items, spend schedule, opex, assumptions and summary of a solved plan."""
        from planner.results.export import FORMATS, export_capex

        try:
            if capex is None:
                raise InputError(f"export: nothing to export; give --capex {'|'.join(FORMATS)}")
            written = export_capex(
                run_dir,
                capex.lower(),
                out,
                horizon_years=horizon_years,
                base_year=base_year,
                overwrite=overwrite,
            )
        except PlannerError as exc:
            raise fail(exc) from None
        for path in written:
            console.print(f"wrote {path}")
