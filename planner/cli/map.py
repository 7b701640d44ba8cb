"""``planner map RUN_DIR [--format geojson,gpkg,png,svg,html]``: siting maps of a run directory.

Writes ``map.<format>`` into the run directory (default: every format) and lists the files.
A missing or corrupted run-directory file is reported as ``error: <message>`` naming the file,
with exit code 2; no half-written map file is left behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from planner.cli.console import console, fail
from planner.errors import PlannerError


def register(app: typer.Typer) -> None:
    """Add the ``map`` command to the planner CLI."""

    @app.command("map")
    def map_(
        run_dir: Annotated[Path, typer.Argument(help="Run directory written by `planner solve`.")],
        formats: Annotated[
            Optional[str],
            typer.Option("--format", help="Comma-separated: geojson, gpkg, png, svg, html (default: all)."),
        ] = None,
    ) -> None:
        """Siting maps of a solved plan: GeoJSON + GeoPackage (EPSG:4326), static PNG/SVG, interactive HTML."""  # noqa: E501 - typer shows this docstring verbatim in `planner --help`; a wrap would show too
        try:
            from planner.commands import map as write_maps

            written = write_maps(run_dir, formats)
        except PlannerError as exc:
            raise fail(exc) from None
        for path in written:
            console.print(f"wrote {path}", highlight=False)
