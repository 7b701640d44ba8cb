"""Write a run directory's maps: GeoJSON, GeoPackage, PNG/SVG and HTML, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from planner.errors import InputError, disk_error
from planner.maps.data import MapData, load_map_data
from planner.maps.html import write_html
from planner.maps.qgis_style import embed_styles
from planner.maps.static import write_static
from planner.results.atomic import new_files

ALL_FORMATS: tuple[str, ...] = ("geojson", "gpkg", "png", "svg", "html")
SOLVE_FORMATS: tuple[str, ...] = ("geojson", "gpkg", "png", "html")
"""What ``planner solve`` writes (``--no-map`` skips it)."""


def write_geojson(data: MapData, path: Path) -> None:
    """One FeatureCollection; each feature's ``layer`` property names its layer."""
    features = []
    for name, gdf in data.layers.items():
        for f in json.loads(gdf.to_json(na="null", drop_id=True))["features"]:
            f["properties"] = {"layer": name, **f["properties"]}
            features.append(f)
    doc = {"type": "FeatureCollection", "name": data.name, "features": features}
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")


def write_gpkg(data: MapData, path: Path) -> None:
    """One GeoPackage layer per map layer, each with its QGIS default style (``layer_styles``)."""
    for name, gdf in data.layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    embed_styles(path, data.layers)


def write_maps(run_dir: Path, formats: Sequence[str] = ALL_FORMATS) -> list[Path]:
    """Write ``map.<format>`` for each format into ``run_dir``; return the paths written.

    All files are first written to hidden temporary names and renamed only when every format
    succeeded, so an error (a full or read-only disk: exit 2 naming it) leaves no partial map
    file. Raises InputError (exit 2) for an unknown format or a missing/corrupted run-directory file.
    """
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        raise InputError(f"map format(s) {', '.join(bad) or '(none)'}: allowed: {', '.join(ALL_FORMATS)}")
    run_dir = Path(run_dir)
    data = load_map_data(run_dir)
    writers = {
        "geojson": write_geojson,
        "gpkg": write_gpkg,
        "png": write_static,
        "svg": write_static,
        "html": write_html,
    }
    if not os.access(run_dir, os.W_OK | os.X_OK):
        raise InputError(f"{run_dir}: the run directory is not writable; copy it somewhere writable first")
    finals = [run_dir / f"map.{fmt}" for fmt in dict.fromkeys(formats)]
    # map files are regenerated from the run directory: replaced (atomically), all or nothing
    with new_files(finals, overwrite=True, label="map") as tmps:
        for final, tmp in zip(finals, tmps, strict=True):
            try:
                writers[final.suffix[1:]](data, tmp)
            except (OSError, InputError):
                raise
            except Exception as exc:  # GDAL/SQLite (GeoPackage) words a full or read-only disk its own way
                known = disk_error(exc, final) or _full_disk(final)
                if known is None:
                    raise
                raise known from None
    return finals


def _full_disk(path: Path) -> InputError | None:
    """ "Disk full" when the folder of ``path`` has under 1 MiB free: GDAL words a GeoPackage write
    on a full disk as a missing table (``no such table: gpkg_contents``), not as ENOSPC."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return None
    return InputError(f"{path}: cannot write: disk full") if free < 1 << 20 else None
