"""QGIS styles embedded in ``map.gpkg``: the ``layer_styles`` table QGIS reads as each layer's default.

One row per layer (``useAsDefault`` 1), a QML renderer on a meaningful field:

``sites_chosen``      graduated colour and size on ``it_mw`` (equal intervals, :data:`CLASSES` classes)
``sites_not_chosen``  categorised on ``reason_code`` (latency, water, price, carbon, cost, ...)
``demand_regions``    graduated size on ``tokens_per_s`` (demand)
``flows``             graduated line width on ``tokens_per_s``

The table has the layout QGIS creates itself (``id, f_table_catalog, f_table_schema, f_table_name,
f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui,
update_time``) and is listed in ``gpkg_contents`` as an attributes table, so the file stays a valid
GeoPackage.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

CLASSES = 5
"""Classes of a graduated style (fewer when the field has fewer distinct values)."""
REASON_COLOURS = {
    "latency": "117,112,179",
    "water": "31,120,180",
    "price": "217,95,2",
    "carbon": "102,102,102",
    "cost": "231,41,138",
}
"""Marker colour per ``reason_code`` (others: grey)."""
RAMP = ("254,229,217", "252,174,145", "251,106,74", "222,45,38", "165,15,21")
"""Light to dark red: the graduated classes."""
GRADUATED = {  # layer: (field, geometry kind, label unit)
    "sites_chosen": ("it_mw", "marker", "MW IT"),
    "demand_regions": ("tokens_per_s", "marker", "tokens/s"),
    "flows": ("tokens_per_s", "line", "tokens/s"),
}
CATEGORISED = {"sites_not_chosen": "reason_code"}
TABLE = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def _symbol(name: str, kind: str, colour: str, size: float) -> str:
    """One QML symbol: a circle marker of ``size`` mm or a line of ``size`` mm width."""
    if kind == "line":
        layer, props = "SimpleLine", {"line_color": f"{colour},255", "line_width": f"{size:g}"}
        props |= {"line_width_unit": "MM", "capstyle": "round"}
    else:
        layer, props = "SimpleMarker", {"color": f"{colour},255", "name": "circle", "size": f"{size:g}"}
        props |= {"outline_color": "35,35,35,255", "outline_width": "0.2", "size_unit": "MM"}
    options = "".join(f'<Option name="{k}" type="QString" value="{v}"/>' for k, v in props.items())
    return (
        f'<symbol type="{kind}" name="{name}" alpha="0.9" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer}" enabled="1" locked="0" pass="0"><Option type="Map">{options}</Option>'
        "</layer></symbol>"
    )


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.34" styleCategories="Symbology">{renderer}</qgis>\n'
    )


def breaks(values: pd.Series, classes: int = CLASSES) -> list[tuple[float, float]]:
    """Equal-interval class bounds (lower, upper) covering ``values`` (one class when all are equal,
    none when there are no values)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return []
    lo, hi = float(v.min()), float(v.max())
    n = min(classes, int(v.nunique()))
    if n <= 1 or hi <= lo:
        return [(lo, hi)]
    step = (hi - lo) / n
    return [(lo + i * step, hi if i == n - 1 else lo + (i + 1) * step) for i in range(n)]


def _fmt(x: float) -> str:
    return f"{x:,.3g}" if abs(x) < 1e3 else f"{x:,.0f}"


def graduated_qml(values: pd.Series, field: str, kind: str, unit: str) -> str:
    """Graduated colour (and marker size / line width) on ``field``."""
    ranges, symbols = [], []
    bounds = breaks(values)
    for i, (lo, hi) in enumerate(bounds):
        colour = RAMP[round(i * (len(RAMP) - 1) / max(len(bounds) - 1, 1))]
        size = (2.5 + 1.5 * i) if kind == "marker" else (0.4 + 0.6 * i)
        label = f"{_fmt(lo)} - {_fmt(hi)} {unit}"
        ranges.append(
            f'<range render="true" symbol="{i}" lower="{lo!r}" upper="{hi!r}" label={quoteattr(label)}/>'
        )
        symbols.append(_symbol(str(i), kind, colour, size))
    return _qml(
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} graduatedMethod="GraduatedColor" '
        'symbollevels="0" forceraster="0" enableorderby="0">'
        f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols>"
        '<classificationMethod id="EqualInterval"/></renderer-v2>'
    )


def categorised_qml(values: pd.Series, field: str) -> str:
    """Categorised colours on the distinct values of ``field`` (markers)."""
    cats, symbols = [], []
    for i, value in enumerate(dict.fromkeys(str(v) for v in values.dropna())):
        attr = quoteattr(value)
        cats.append(f'<category render="true" symbol="{i}" value={attr} label={attr}/>')
        symbols.append(_symbol(str(i), "marker", REASON_COLOURS.get(value, "150,150,150"), 3.0))
    return _qml(
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" forceraster="0" '
        f'enableorderby="0"><categories>{"".join(cats)}</categories>'
        f"<symbols>{''.join(symbols)}</symbols></renderer-v2>"
    )


def layer_qml(name: str, layer: pd.DataFrame) -> tuple[str, str] | None:
    """(QML, description) of a map layer, or None for a layer without a style."""
    if name in CATEGORISED:
        field = CATEGORISED[name]
        return categorised_qml(layer[field], field), f"categorised on {field}"
    if name in GRADUATED:
        field, kind, unit = GRADUATED[name]
        return graduated_qml(layer[field], field, kind, unit), f"graduated on {field} [{unit}]"
    return None


def embed_styles(path: Path, layers: dict[str, pd.DataFrame]) -> int:
    """Write one default style per layer into the GeoPackage ``path``; return the rows written."""
    con = sqlite3.connect(path)
    try:
        geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        con.execute(TABLE)
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS default styles of the map layers')"
        )
        n = 0
        for name, layer in layers.items():
            style = layer_qml(name, layer)
            if style is None or name not in geometry:
                continue
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'planner', NULL)",
                (name, geometry[name], name, style[0], style[1]),
            )
            n += 1
        con.commit()
    finally:
        con.close()
    return n
