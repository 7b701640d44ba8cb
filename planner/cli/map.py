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
from planner.errors import InputError, PlannerError


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``"png, html"`` -> ``("png", "html")``; None or ``"all"`` -> every format."""
    from planner.maps.write import ALL_FORMATS

    if text is None or text.strip().lower() == "all":
        return ALL_FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        raise InputError(
            f"--format {text!r}: unknown format(s) {', '.join(bad) or '(none)'}; "
            f"allowed: {', '.join(ALL_FORMATS)} (comma-separated) or all"
        )
    return formats


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
            from planner.maps.write import write_maps

            written = write_maps(run_dir, parse_formats(formats))
        except PlannerError as exc:
            raise fail(exc) from None
        for path in written:
            console.print(f"wrote {path}", highlight=False)
