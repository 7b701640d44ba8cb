"""Interactive siting map (``map.html``): folium/Leaflet, self-contained and offline.

Leaflet 1.9.4's JS and CSS (vendored in ``planner/static/leaflet``, BSD-2) are inlined instead
of folium's CDN links, and the basemap (``data/basemap`` countries and, where in view, US
states) is a vector layer, so the page shows geography and markers with no network at all.
An OpenStreetMap tile layer is offered as an overlay that is off by default.

Layers (toggled in an always-open layer control): basemap, chosen sites, candidate sites
not chosen, demand regions, serving flows. Sites and regions are CircleMarkers (SVG paths,
no icon images) with a popup table of their attributes; every chosen-site marker carries the
CSS class ``planner-site-chosen`` (candidates ``planner-site-candidate``, regions
``planner-region``, flows ``planner-flow``) so tests can count them in the DOM.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path

import folium
import pandas as pd
from branca.element import Element

from planner.maps.data import OTHER_COLOUR, TECH_COLOURS, MapData, fmt_mw
from planner.maps.reasons import fmt_tokens

STATIC = Path(__file__).resolve().parent / "leaflet"
SEA, LAND, BORDER = "#dbe7f0", "#f5f2ea", "#9b9b9b"
FLOW = "#2f5f8f"
POPUP_PAN = {
    "auto_pan_padding_top_left": (60, 170),
    "auto_pan_padding_bottom_right": (20, 20),
}  # keep popups clear of the title and layer control
JQUERY_SHIM = (  # folium's popups build their content with `$(html)[0]`; this is all of jQuery they need
    "window.$=window.$||function(s){var t=document.createElement('template');"
    "t.innerHTML=String(s).trim();return [t.content.firstElementChild];};"
)

# popup rows: (column, label, format); absent or empty values are skipped
CHOSEN_ROWS = (
    ("site_id", "site", "{}"),
    ("country", "country", "{}"),
    ("it_mw", "IT", "mw"),
    ("facility_mw", "facility (peak)", "mw"),
    ("cooling_id", "cooling", "{}"),
    ("pue", "PUE", "{:.2f}"),
    ("gpus", "GPUs", "{:,.0f}"),
    ("gpus_by_type", "GPUs by type", "{}"),
    ("energy_capacity", "energy capacity", "{}"),
    ("dominant_tech", "dominant supply", "{}"),
    ("tokens_per_s", "served", "tokens"),
    ("cost_usd_per_mtok", "cost", "{:.3f} $/Mtok"),
    ("gco2e_per_mtok", "carbon", "{:,.1f} gCO2e/Mtok"),
    ("facility_joules_per_token", "energy", "{:.3f} J/token"),
    ("water_ml_per_yr", "water", "{:,.1f} ML/yr"),
    ("water_l_per_mtok", "water intensity", "{:.3f} L/Mtok"),
    ("annualized_cost_usd", "annualised cost", "musd"),
    ("regions_served", "regions served", "{}"),
    ("in_service", "in service (bound by)", "{}"),
    ("bridge_mw", "bridge power", "mw"),
    ("bridge_for", "bridged until it arrives", "{}"),
    ("bridge_kept_mw", "bridge kept as backup", "mw"),
    ("backup_mw", "backup gensets", "mw"),
    ("power_redundancy", "power redundancy", "{}"),
    ("largest_loss", "largest contingency", "{}"),
)
CANDIDATE_ROWS = (
    ("site_id", "site", "{}"),
    ("reason", "why not chosen", "{}"),
    ("streams_in_reach", "demand streams in latency reach", "{}"),
    ("nearest_rtt_ms", "nearest region round trip", "{:.1f} ms"),
    ("electricity_price_usd_per_mwh", "electricity", "{:.0f} $/MWh"),
    ("gas_price_usd_per_mmbtu", "gas", "{:.2f} $/MMBtu"),
    ("grid_co2_g_per_kwh", "grid carbon", "{:.0f} gCO2e/kWh"),
    ("wind_cf", "wind CF", "{:.2f}"),
    ("pv_cf", "PV CF", "{:.2f}"),
    ("best_pue", "best PUE", "{:.2f}"),
    ("water_stress", "water stress", "{}"),
    ("water_limit_ml_per_yr", "water limit", "{:,.0f} ML/yr"),
    ("campus_mw_max", "campus max", "{:,.0f} MW IT"),
)
REGION_ROWS = (
    ("region_id", "region", "{}"),
    ("tokens_per_s", "demand", "tokens"),
    ("served_tokens_per_s", "served", "tokens"),
    ("demand_by_model", "demand by model [tokens/s]", "{}"),
    ("served_by", "served by", "{}"),
)
FLOW_ROWS = (
    ("site_id", "from site", "{}"),
    ("region_id", "to region", "{}"),
    ("tokens_per_s", "tokens/s", "tokens"),
    ("rtt_ms", "round trip", "{:.1f} ms"),
    ("latency_budget_ms", "tightest budget", "{:g} ms"),
    ("models", "by model [tokens/s]", "{}"),
)


def esc(value: object) -> str:
    """Text made inert wherever folium puts it: HTML-escaped (``<>&"'``), and the characters that act
    inside the JavaScript template literals folium wraps tooltips and popups in (backtick, ``$``,
    backslash) as HTML entities, which display as the same characters."""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def popup_table(title: str, row: pd.Series, spec: tuple[tuple[str, str, str], ...]) -> str:
    """A small HTML table of ``row``'s attributes (escaped), with a bold title."""
    cells = []
    for col, label, fmt in spec:
        value = row.get(col)
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            continue
        special = {
            "tokens": fmt_tokens,
            "mw": lambda v: f"{fmt_mw(v)} MW",
            "musd": lambda v: f"{v / 1e6:,.1f} M$/yr",
        }
        text = special[fmt](float(value)) if fmt in special else fmt.format(value)
        cells.append(f"<tr><th>{esc(label)}</th><td>{esc(text)}</td></tr>")
    return f'<div class="planner-popup"><b>{esc(title)}</b><table>{"".join(cells)}</table></div>'


def _leaflet_inline() -> str:
    css = (STATIC / "leaflet.css").read_text(encoding="utf-8")
    js = (STATIC / "leaflet.js").read_text(encoding="utf-8")
    style = (
        f".leaflet-container{{background:{SEA};font-family:system-ui,sans-serif}}"
        ".planner-popup table{border-collapse:collapse;margin-top:4px}"
        ".planner-popup th{text-align:left;font-weight:600;padding:1px 8px 1px 0;vertical-align:top;"
        "white-space:nowrap}"
        ".planner-popup td{padding:1px 0;max-width:320px}"
        ".planner-box{position:fixed;z-index:1000;background:rgba(255,255,255,.92);padding:6px 10px;"
        "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 system-ui,sans-serif}"
        ".planner-swatch{display:inline-block;width:11px;height:11px;border-radius:50%;border:1px solid #222;"
        "margin-right:6px;vertical-align:-1px}"
    )
    return (
        f"<style>{css}</style>\n<style>{style}</style>\n<script>{js}</script>\n<script>{JQUERY_SHIM}</script>"
    )


def _legend(data: MapData) -> str:
    techs = dict.fromkeys(data.layers["sites_chosen"]["dominant_tech"])
    rows = "".join(
        f'<div><span class="planner-swatch" style="background:{TECH_COLOURS.get(t, OTHER_COLOUR)}"></span>'
        f"supply: {esc(t)}</div>"
        for t in techs
    )
    rows += (
        '<div><span class="planner-swatch" style="background:#fff;border-color:#6b6b6b"></span>'
        "candidate, not chosen</div>"
        '<div><span class="planner-swatch" style="background:#fff;border:1.5px dashed #222"></span>'
        "demand region</div>"
        f'<div><span style="display:inline-block;width:18px;border-top:3px solid {FLOW};margin-right:6px;'
        'vertical-align:3px"></span>serving flow</div>'
        '<div style="color:#666">circle area ~ MW IT (sites), tokens/s (regions)</div>'
    )
    return f'<div class="planner-box planner-legend" style="right:10px;bottom:28px">{rows}</div>'


def _radius(value: float, vmax: float, lo: float, hi: float) -> float:
    """Circle radius [px] with area proportional to ``value``."""
    return lo + (hi - lo) * math.sqrt(max(value, 0.0) / max(vmax, 1e-9))


def _circles(
    m: folium.Map,
    name: str,
    gdf,
    css_class: str,
    rows: tuple,
    *,
    title: Callable,
    tooltip: Callable,
    style: Callable,
) -> None:
    """One toggleable layer of CircleMarkers (SVG paths with ``css_class``), each with a tooltip and a
    popup table."""
    group = folium.FeatureGroup(name=name).add_to(m)
    for _, row in gdf.iterrows():
        folium.CircleMarker(
            (row.geometry.y, row.geometry.x),
            fill=True,
            fill_opacity=0.9,
            class_name=css_class,
            tooltip=esc(tooltip(row)),
            popup=folium.Popup(popup_table(title(row), row, rows), max_width=520, **POPUP_PAN),
            **style(row),
        ).add_to(group)


def write_html(data: MapData, path: Path) -> None:
    """Write the interactive map as one self-contained HTML file."""
    x0, y0, x1, y1 = data.bounds
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=4,
        tiles=None,
        control_scale=True,
        font_size="12px",
        zoom_snap=0.25,
    )
    m.default_js, m.default_css = [], []  # no CDN: Leaflet is inlined below
    root = m.get_root()
    root.title = esc(data.title)
    root.header.add_child(Element(_leaflet_inline()), name="leaflet_inline")
    root.html.add_child(
        Element(
            '<div class="planner-box planner-title" '
            'style="top:10px;left:56px;max-width:calc(100% - 340px);font-weight:600">'
            f"{esc(data.title)}</div>"
        )
    )
    root.html.add_child(Element(_legend(data)))
    folium.map.CustomPane("basemap", z_index=350, pointer_events=False).add_to(m)
    folium.map.CustomPane("tiles", z_index=375, pointer_events=False).add_to(
        m
    )  # above the filled basemap, below the markers
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap tiles (needs network)", overlay=True, show=False, pane="tiles"
    ).add_to(m)
    basemap = data.basemap()
    base = folium.FeatureGroup(
        name="Basemap: " + ", ".join(n.replace("states", "US states") for n in basemap), show=True
    ).add_to(m)
    for name, gdf in basemap.items():
        weight = 0.8 if name == "countries" else 0.5
        fill = name == "countries"
        folium.GeoJson(
            gdf.to_json(drop_id=True),
            name=name,
            pane="basemap",
            interactive=False,
            style_function=lambda _f, w=weight, f=fill: {
                "color": BORDER,
                "weight": w,
                "fillColor": LAND,
                "fillOpacity": 1.0 if f else 0.0,
                "fill": f,
            },
        ).add_to(base)

    layers = data.layers
    flows = folium.FeatureGroup(name="Serving flows").add_to(m)
    tmax = max(float(layers["flows"]["tokens_per_s"].max()) if len(layers["flows"]) else 1.0, 1.0)
    for _, f in layers["flows"].iterrows():
        folium.PolyLine(
            [(lat, lon) for lon, lat in f.geometry.coords],
            color=FLOW,
            opacity=0.6,
            weight=1.5 + 7 * f["tokens_per_s"] / tmax,
            class_name="planner-flow",
            tooltip=esc(f"{f['site_id']} → {f['region_id']}: {fmt_tokens(f['tokens_per_s'])}"),
            popup=folium.Popup(popup_table("Serving flow", f, FLOW_ROWS), max_width=460, **POPUP_PAN),
        ).add_to(flows)

    closed, regions, chosen = layers["sites_not_chosen"], layers["demand_regions"], layers["sites_chosen"]
    _circles(
        m,
        "Candidate sites (not chosen)",
        closed,
        "planner-site-candidate",
        CANDIDATE_ROWS,
        title=lambda s: f"{s['name']} (not chosen)",
        tooltip=lambda s: f"{s['name']} (not chosen: {s['reason_code']})",
        style=lambda s: {
            "radius": 5,
            "color": "#9b3b3b" if s["reason_code"] == "latency" else "#6b6b6b",
            "weight": 1.5,
            "fill_color": "#ffffff",
        },
    )
    dmax = float(regions["tokens_per_s"].max())
    _circles(
        m,
        "Demand regions",
        regions,
        "planner-region",
        REGION_ROWS,
        title=lambda r: r["name"],
        tooltip=lambda r: f"{r['region_id']}: {fmt_tokens(r['tokens_per_s'])} demanded",
        style=lambda r: {
            "radius": _radius(r["tokens_per_s"], dmax, 4, 14),
            "color": "#222222",
            "weight": 2,
            "fill_color": "#ffffff",
            "dash_array": "4 3",
        },
    )
    mw_max = float(chosen["it_mw"].max())
    _circles(
        m,
        "Chosen sites",
        chosen,
        "planner-site-chosen",
        CHOSEN_ROWS,
        title=lambda s: s["name"],
        tooltip=lambda s: (
            f"{s['name']}: {fmt_mw(s['it_mw'])} MW IT, {s['cooling_id']}, {s['dominant_tech']}"
            + (f", in service {s['in_service']}" if s.get("in_service") else "")
        ),
        style=lambda s: {
            "radius": _radius(s["it_mw"], mw_max, 7, 26),
            "color": "#1a1a1a",
            "weight": 1.5,
            "fill_color": TECH_COLOURS.get(s["dominant_tech"], OTHER_COLOUR),
        },
    )

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[y0, x0], [y1, x1]])
    m.save(str(path))
