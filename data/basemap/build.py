"""Rebuild the basemap GeoJSON files in this folder from their public-domain sources.

Not run by the planner: the outputs are committed. Usage (sources unpacked from PyPI wheels,
see README.md)::

    pip download --no-deps geopandas==0.14.4 plotly-geo==1.0.0 -d /tmp/basemap
    (unzip geopandas/datasets/naturalearth_lowres/* and _plotly_geo/package_data/cb_2016_us_state_500k.*)
    python data/basemap/build.py NATURALEARTH_LOWRES.shp CB_2016_US_STATE_500K.shp
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
from shapely import set_precision

HERE = Path(__file__).resolve().parent
GRID_DEG = 0.001  # coordinate precision [deg] (~100 m; far below 1:110m detail)
STATES_TOLERANCE_DEG = 0.02  # Douglas-Peucker tolerance for the 1:500k Census outlines (~2 km)
MIN_PART_DEG2 = 0.003  # islets smaller than this (~30 km^2) are dropped from the state outlines


def _write(gdf: gpd.GeoDataFrame, name: str) -> None:
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    gdf["geometry"] = set_precision(gdf.geometry.values, GRID_DEG)
    gdf = gdf[~gdf.geometry.is_empty]
    gdf.to_file(HERE / name, driver="GeoJSON", COORDINATE_PRECISION=3, RFC7946="YES", WRITE_NAME="NO")


def main(countries_shp: str, states_shp: str) -> None:
    world = gpd.read_file(countries_shp)[["name", "iso_a3", "continent", "geometry"]]
    _write(world, "countries.geojson")
    states = gpd.read_file(states_shp).rename(columns={"NAME": "name", "STUSPS": "postal"})[
        ["name", "postal", "geometry"]
    ]
    parts = states.explode(index_parts=False)
    parts = parts[parts.geometry.area >= MIN_PART_DEG2]
    states = parts.dissolve(by=["name", "postal"], as_index=False)
    states["geometry"] = states.geometry.simplify(STATES_TOLERANCE_DEG, preserve_topology=True)
    _write(states.sort_values("postal"), "us_states.geojson")


if __name__ == "__main__":
    main(*sys.argv[1:3])
