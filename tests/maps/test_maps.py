"""Siting maps: GeoJSON/GPKG layers and attributes, static PNG/SVG, the offline HTML map in a
real headless browser, and no partial files when a writer fails.

The ``map_run`` fixtures (the tiny scenario plus Quincy WA, which no stream can reach within its
30 ms budget) are in tests/conftest.py; ``planner map`` exit codes for broken run directories are
tested in tests/cli/test_map.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from PIL import Image

from planner.errors import InputError
from planner.maps.data import LAYERS
from planner.maps.write import ALL_FORMATS, write_maps
from tests.helpers import no_map_files, read_summary

CHOSEN_ATTRS = {
    "site_id",
    "name",
    "it_mw",
    "facility_mw",
    "cooling_id",
    "gpus",
    "gpus_by_type",
    "energy_capacity",
    "dominant_tech",
    "tokens_per_s",
    "cost_usd_per_mtok",
    "gco2e_per_mtok",
    "water_ml_per_yr",
    "water_l_per_mtok",
}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def mapped(map_run, tmp_path_factory) -> Path:
    """A copy of the run directory with every map format written."""
    out = tmp_path_factory.mktemp("mapped") / "run"
    shutil.copytree(map_run, out)
    written = write_maps(out)
    assert [p.name for p in written] == [f"map.{f}" for f in ALL_FORMATS]
    return out


def test_geojson_layers_and_attributes(mapped):
    gdf = gpd.read_file(mapped / "map.geojson")
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf["layer"]) == set(LAYERS)
    summary = read_summary(mapped)
    chosen = gdf[gdf["layer"] == "sites_chosen"]
    assert sorted(chosen["site_id"]) == sorted(summary["sites"])
    assert set(chosen.columns) >= CHOSEN_ATTRS
    assert (chosen["it_mw"] > 0).all() and chosen["gpus_by_type"].str.len().gt(0).all()
    closed = gdf[gdf["layer"] == "sites_not_chosen"]
    assert closed["reason"].str.len().gt(10).all()
    assert set(closed["reason_code"]) <= {"latency", "water", "price", "carbon", "cost"}
    quincy = closed.set_index("site_id").loc["quincy_wa"]
    assert quincy["reason_code"] == "latency" and "budget" in quincy["reason"]
    regions = gdf[gdf["layer"] == "demand_regions"]
    assert regions["tokens_per_s"].sum() == pytest.approx(summary["demand_tokens_per_s"], rel=1e-6)
    flows = gdf[gdf["layer"] == "flows"]
    assert (flows.geom_type == "LineString").all()
    assert flows["tokens_per_s"].sum() == pytest.approx(summary["served_tokens_per_s"], rel=1e-4)


def test_gpkg_has_real_layers(mapped):
    names = [name for name, _ in pyogrio.list_layers(mapped / "map.gpkg")]
    assert names == [*LAYERS, "layer_styles"]
    chosen = gpd.read_file(mapped / "map.gpkg", layer="sites_chosen")
    assert chosen.crs.to_epsg() == 4326
    assert set(chosen.columns) >= CHOSEN_ATTRS
    gpus = {
        c.removeprefix("gpus_"): int(chosen[c].sum())
        for c in chosen.columns
        if c.startswith("gpus_") and c != "gpus_by_type"
    }
    assert {k: v for k, v in gpus.items() if v} == read_summary(mapped)["gpus"]
    assert any(c.startswith("energy_mw_") for c in chosen.columns)
    flows = gpd.read_file(mapped / "map.gpkg", layer="flows")
    assert len(flows) > 0 and flows.crs.to_epsg() == 4326


def test_map_fields_are_typed(mapped):
    """Years and counts are integers, MW and money floats, in the GeoPackage (read back with pyogrio
    and as SQLite column types) and in the GeoJSON (JSON numbers, not text)."""
    info = pyogrio.read_info(mapped / "map.gpkg", layer="sites_chosen")
    dtypes = dict(zip(info["fields"], info["dtypes"]))
    for field in ("in_service_year", "grid_in_service_year", "gpus"):
        assert dtypes[field].startswith("int"), (field, dtypes[field])
    for field in ("it_mw", "facility_mw", "bridge_mw", "backup_mw", "tokens_per_s", "annualized_cost_usd"):
        assert dtypes[field] == "float64", (field, dtypes[field])
    con = sqlite3.connect(mapped / "map.gpkg")
    try:
        types = {row[1]: row[2] for row in con.execute("PRAGMA table_info(sites_chosen)")}
        closed = {row[1]: row[2] for row in con.execute("PRAGMA table_info(sites_not_chosen)")}
    finally:
        con.close()
    assert types["in_service_year"] in ("INTEGER", "MEDIUMINT", "SMALLINT") and types["it_mw"] == "REAL"
    assert closed["streams_in_reach"] in ("INTEGER", "MEDIUMINT", "SMALLINT") and closed["pv_cf"] == "REAL"
    doc = json.loads((mapped / "map.geojson").read_text())
    chosen = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "sites_chosen"]
    for props in chosen:
        assert type(props["in_service_year"]) is int and type(props["gpus"]) is int
        assert isinstance(props["it_mw"], float) and isinstance(props["backup_mw"], (int, float))


def test_gpkg_embeds_a_qgis_style_per_layer(mapped):
    """layer_styles holds one default QML style per layer, on a meaningful field; the graduated
    classes cover the layer's values."""
    con = sqlite3.connect(mapped / "map.gpkg")
    try:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles"
        ).fetchall()
        registered = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    finally:
        con.close()
    assert registered == ("attributes",)
    styles = {
        name: (geom, ET.fromstring(qml.split("\n", 1)[1]), default) for name, geom, qml, default in rows
    }
    assert set(styles) == set(LAYERS)
    assert all(geom and default == 1 for geom, _, default in styles.values())
    renderer = styles["sites_chosen"][1].find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == "it_mw"
    ranges = renderer.findall("ranges/range")
    it_mw = gpd.read_file(mapped / "map.gpkg", layer="sites_chosen")["it_mw"]
    assert float(ranges[0].get("lower")) == pytest.approx(it_mw.min())
    assert float(ranges[-1].get("upper")) == pytest.approx(it_mw.max())
    assert len(renderer.findall("symbols/symbol")) == len(ranges)
    closed = styles["sites_not_chosen"][1].find("renderer-v2")
    assert closed.get("type") == "categorizedSymbol" and closed.get("attr") == "reason_code"
    codes = set(gpd.read_file(mapped / "map.gpkg", layer="sites_not_chosen")["reason_code"])
    assert {c.get("value") for c in closed.findall("categories/category")} == codes
    flows = styles["flows"][1].find("renderer-v2")
    assert flows.get("attr") == "tokens_per_s" and flows.find("symbols/symbol").get("type") == "line"


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def _assert_not_blank(path: Path, min_colours: int) -> None:
    px = _pixels(path)
    assert px.std() > 15, f"{path.name} looks blank (pixel std {px.std():.1f})"
    colours = len(np.unique(px.reshape(-1, 3), axis=0))
    assert colours > min_colours, f"{path.name} has only {colours} distinct colours"


def test_static_png_and_svg(mapped):
    png = mapped / "map.png"
    width, height = Image.open(png).size
    assert width >= 1200 and height >= 700
    _assert_not_blank(png, 200)
    svg = (mapped / "map.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and len(svg) > 50_000
    assert read_summary(mapped)["scenario"] in svg or "tiny" in svg  # the title with the scenario name


def test_html_is_self_contained(mapped):
    text = (mapped / "map.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", text), (
        "map.html must not load scripts or styles from a CDN"
    )
    assert "Leaflet 1.9.4" in text and "planner-site-chosen" in text
    assert "L.control.layers" in text


def _browser() -> str | None:
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def _headless(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp}",
        "--window-size=1200,800",
        "--virtual-time-budget=5000",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def test_html_in_headless_browser(mapped, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no headless browser: install Debian's chromium (apt-get install chromium) "
            "to run the map.html browser test"
        )
    url = (mapped / "map.html").resolve().as_uri()
    dom = _headless(browser, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr, [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    chosen = len(read_summary(mapped)["sites"])
    paths = re.findall(r"<path[^>]*class=\"([^\"]*)\"", dom.stdout)
    assert sum("leaflet-interactive" in c for c in paths) >= chosen
    assert sum("planner-site-chosen" in c for c in paths) == chosen
    assert sum("planner-flow" in c for c in paths) >= 1
    assert "leaflet-control-layers" in dom.stdout
    shot = tmp_path / "shot.png"
    res = _headless(browser, tmp_path / "profile-shot", f"--screenshot={shot}", url)
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    _assert_not_blank(shot, 50)


def test_failed_writer_leaves_no_partial_files(map_run_copy, monkeypatch):
    import planner.maps.write

    def boom(data, path):
        Path(path).write_text("<html>half")
        raise InputError("simulated failure while writing the HTML map")

    monkeypatch.setattr(planner.maps.write, "write_html", boom)
    with pytest.raises(InputError, match="simulated"):
        write_maps(map_run_copy, ("geojson", "png", "html"))
    assert no_map_files(map_run_copy)


MARK = "document.documentElement.setAttribute('data-'+'pwned','yes')"
PAYLOADS = [
    f'<img src=x onerror="{MARK}">',
    f"</title><script>{MARK}</script>",
    f"`+{MARK}+`",
    "${" + MARK + "}",
    f"</script><script>{MARK}</script>",
    f"\\`;{MARK};//",
]
OPEN_ALL = (  # opens every popup and tooltip, so their HTML is parsed into the page
    "<script>window.addEventListener('load',function(){for(var k in window){var o=window[k];"
    "if(o&&o.openPopup&&o.getPopup&&o.getPopup()){o.openPopup();}"
    "if(o&&o.openTooltip&&o.getTooltip&&o.getTooltip()){o.openTooltip();}}});</script>"
)


def test_hostile_names_are_text_in_the_browser(map_run_copy, tmp_path):
    """Site names from a run directory are shown as text in map.html: nothing in them runs
    (tooltips, popups, all opened in headless Chromium)."""
    import pandas as pd

    browser = _browser()
    if browser is None:
        pytest.skip("no headless browser: install Debian's chromium to run the map.html browser test")
    run = map_run_copy
    sites = pd.read_csv(run / "tables" / "sites.csv")
    sites["name"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(sites))]
    sites.to_csv(run / "tables" / "sites.csv", index=False)
    write_maps(run, ("html", "png"))
    page = (run / "map.html").read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", OPEN_ALL + "</body>"))
    dom = _headless(browser, tmp_path / "profile", "--dump-dom", probe.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "leaflet-popup" in dom.stdout and "leaflet-tooltip" in dom.stdout  # they were opened
    assert 'data-pwned="yes"' not in dom.stdout
    assert "&lt;img src=x onerror=" in dom.stdout  # shown literally, as text


def test_markup_scenario_name_in_run_directory_is_refused(map_run_copy):
    """A scenario name is an id (``[A-Za-z0-9_.-]``, at most 100 characters): a resolved scenario
    whose name holds markup was edited by hand and is refused when read, before any map is drawn."""
    import yaml

    run = map_run_copy
    scenario = yaml.safe_load((run / "scenario.resolved.yaml").read_text())
    scenario["name"] = PAYLOADS[1]
    (run / "scenario.resolved.yaml").write_text(yaml.safe_dump(scenario))
    with pytest.raises(InputError, match=r"scenario.resolved.yaml: name: "):
        write_maps(run, ("html", "png"))
    assert not list(run.glob("map.*"))


def test_png_labels_show_name_and_id(map_run_copy, monkeypatch):
    import planner.maps.static as static

    seen: list[str] = []
    original = static._place_labels

    def spy(fig, ax, labels, markers):
        seen.extend(text for text, *_ in labels)
        return original(fig, ax, labels, markers)

    monkeypatch.setattr(static, "_place_labels", spy)
    write_maps(map_run_copy, ("png",))
    chosen = read_summary(map_run_copy)["sites"]
    for site in chosen:
        assert any(f"({site})" in text for text in seen), (site, seen)
