"""Static siting map (PNG or SVG) for a slide: matplotlib (Agg), basemap from ``data/basemap``.

Plate carrée with the aspect corrected for the mean latitude (1/cos(lat)), extent fitted to
all candidate sites and demand regions. Chosen sites are discs whose area scales with MW IT,
coloured by their dominant supply technology; closed candidates are small hollow circles
(a cross where no demand stream has them within its latency budget); demand regions are
squares whose area scales with tokens/s demanded; flows are lines whose width scales with
tokens/s served.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke

from planner.maps.data import OTHER_COLOUR, TECH_COLOURS, MapData, fmt_mw
from planner.maps.reasons import fmt_tokens

SEA, LAND, BORDER, STATE = "#dbe7f0", "#f5f2ea", "#9b9b9b", "#c4c4c4"
FLOW = "#2f5f8f"
HALO = [withStroke(linewidth=3, foreground="white", alpha=0.85)]
FIG_IN = (13.0, 7.5)  # figure size [in]; the map takes the left ~78 %
MAP_BOX = (0.03, 0.08, 0.74, 0.80)  # axes [left, bottom, width, height] in figure fractions
ATTRIBUTION = "Basemap: Natural Earth 1:110m countries (public domain)"
STATES_ATTRIBUTION = "; US states: US Census Bureau cartographic boundaries (public domain)"
MAX_CANDIDATE_LABELS = 8  # closed candidates are labelled only when there are this few


def site_area_pt2(mw: np.ndarray, mw_max: float) -> np.ndarray:
    """Marker area [pt^2] of a chosen site: proportional to MW IT, 60 pt^2 at least."""
    return 60.0 + 1400.0 * np.asarray(mw, dtype=float) / max(mw_max, 1e-9)


def _fit_aspect(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float, float]:
    """Grow the extent so that, drawn with aspect 1/cos(lat), it fills the map axes;
    returns (x0, x1, y0, y1, aspect)."""
    x0, y0, x1, y1 = bounds
    aspect = 1.0 / math.cos(math.radians((y0 + y1) / 2))
    box_ratio = (FIG_IN[1] * MAP_BOX[3]) / (FIG_IN[0] * MAP_BOX[2])  # height / width of the axes
    dx, dy = x1 - x0, y1 - y0
    if dy * aspect / dx < box_ratio:
        grow = (dx * box_ratio / aspect - dy) / 2
        y0, y1 = max(y0 - grow, -89.0), min(y1 + grow, 89.0)
    else:
        grow = (dy * aspect / box_ratio - dx) / 2
        x0, x1 = x0 - grow, x1 + grow
    return x0, x1, y0, y1, aspect


def _short(name: str) -> str:
    return name.split(" (")[0].split(" / ")[0]


# label positions around a marker: (x, y) offset in marker radii, horizontal and vertical alignment
_SPOTS = (
    (1, 0.3, "left", "bottom"),
    (1, -0.3, "left", "top"),
    (-1, 0.3, "right", "bottom"),
    (-1, -0.3, "right", "top"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
)


def _overlap(a, b) -> float:
    """Overlap area of two display-space boxes (x0, y0, x1, y1) [px^2]."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _place_labels(
    fig: Figure,
    ax,
    labels: list[tuple[str, float, float, float, dict]],
    markers: list[tuple[float, float, float]],
) -> None:
    """Greedy label placement: each label (text, lon, lat, marker radius [pt], style) takes the first
    spot around its marker that overlaps no marker, no earlier label and stays inside the map,
    else the least bad one."""
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    px = fig.dpi / 72.0
    taken = []
    for x, y, r in markers:
        cx, cy = ax.transData.transform((x, y))
        taken.append((cx - r * px, cy - r * px, cx + r * px, cy + r * px))
    frame = ax.get_window_extent(renderer).extents
    for text, x, y, r, style in labels:
        best = None
        for dx, dy, ha, va in _SPOTS:
            t = ax.annotate(
                text,
                (x, y),
                xytext=(dx * (r + 3), dy * (r + 3)),
                textcoords="offset points",
                ha=ha,
                va=va,
                path_effects=HALO,
                parse_math=False,  # names are text: a '$' must not start mathtext
                **style,
            )
            box = t.get_window_extent(renderer).extents
            area = (box[2] - box[0]) * (box[3] - box[1])
            score = sum(_overlap(box, o) for o in taken) + 10 * (area - _overlap(box, frame))
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, t, box)
            else:
                t.remove()
            if score == 0:
                break
        taken.append(best[2])


def write_static(data: MapData, path: Path) -> None:
    """Draw the map and save it as PNG or SVG (format from ``path``'s suffix)."""
    fmt = Path(path).suffix.lstrip(".").lower()
    fig = Figure(figsize=FIG_IN, dpi=150, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(MAP_BOX)
    x0, x1, y0, y1, aspect = _fit_aspect(data.bounds)
    ax.set_facecolor(SEA)
    base = data.basemap()
    base["countries"].plot(ax=ax, color=LAND, edgecolor=BORDER, linewidth=0.6, zorder=1)
    if "states" in base:
        base["states"].boundary.plot(ax=ax, color=STATE, linewidth=0.45, zorder=1.5)
    chosen, closed = data.layers["sites_chosen"], data.layers["sites_not_chosen"]
    regions, flows = data.layers["demand_regions"], data.layers["flows"]

    tmax = max(float(flows["tokens_per_s"].max()) if len(flows) else 1.0, 1.0)
    for geom, tps in zip(flows.geometry, flows["tokens_per_s"]):
        xs, ys = geom.xy
        ax.plot(
            xs, ys, color=FLOW, alpha=0.55, linewidth=0.8 + 5.0 * tps / tmax, solid_capstyle="round", zorder=2
        )

    far = closed["reason_code"] == "latency"
    ax.scatter(
        closed.geometry.x[~far],
        closed.geometry.y[~far],
        s=28,
        facecolors="white",
        edgecolors="#6b6b6b",
        linewidths=1.0,
        zorder=3,
    )
    ax.scatter(
        closed.geometry.x[far],
        closed.geometry.y[far],
        s=28,
        marker="x",
        color="#9b3b3b",
        linewidths=1.2,
        zorder=3,
    )

    region_area = 30 + 250 * regions["tokens_per_s"] / max(
        float(regions["tokens_per_s"].max()), 1.0
    )  # [pt^2]
    ax.scatter(
        regions.geometry.x,
        regions.geometry.y,
        s=region_area,
        marker="s",
        facecolors="#ffffff",
        edgecolors="#222222",
        linewidths=1.4,
        zorder=4,
    )

    mw_max = float(chosen["it_mw"].max())
    colours = [TECH_COLOURS.get(t, OTHER_COLOUR) for t in chosen["dominant_tech"]]
    ax.scatter(
        chosen.geometry.x,
        chosen.geometry.y,
        s=site_area_pt2(chosen["it_mw"], mw_max),
        c=colours,
        edgecolors="#1a1a1a",
        linewidths=1.1,
        alpha=0.92,
        zorder=5,
    )

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(aspect)
    ax.set_xlabel("")
    ax.set_ylabel("")
    site_r = np.sqrt(site_area_pt2(chosen["it_mw"], mw_max)) / 2
    region_r = np.sqrt(region_area) / 2
    labels = [
        (
            f"{_short(s.name)} ({s.site_id})\n{fmt_mw(s.it_mw)} MW IT, {s.cooling_id}\n"
            f"{s.dominant_tech}, {s.cost_usd_per_mtok:.3f} $/Mtok"
            + (f"\nin service {s.in_service}" if getattr(s, "in_service", "") else ""),
            s.geometry.x,
            s.geometry.y,
            r,
            {"fontsize": 8, "fontweight": "bold", "color": "#111111", "zorder": 7},
        )
        for s, r in zip(chosen.itertuples(), site_r)
    ]
    labels += [
        (
            f"{g.region_id} ({_short(g.name)})\n{fmt_tokens(g.tokens_per_s)}",
            g.geometry.x,
            g.geometry.y,
            r,
            {"fontsize": 7.5, "color": "#222222", "zorder": 6},
        )
        for g, r in zip(regions.itertuples(), region_r)
    ]
    if len(closed) <= MAX_CANDIDATE_LABELS:
        labels += [
            (
                f"{_short(c.name)} ({c.site_id})",
                c.geometry.x,
                c.geometry.y,
                3.0,
                {"fontsize": 7, "color": "#666666", "zorder": 6},
            )
            for c in closed.itertuples()
        ]
    markers = [(lab[1], lab[2], lab[3]) for lab in labels] + [(p.x, p.y, 3.0) for p in closed.geometry]
    _place_labels(fig, ax, labels, markers)
    ax.tick_params(labelsize=7, colors="#666666", length=2)
    ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):.0f}°{'W' if v < 0 else 'E'}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{abs(v):.0f}°{'S' if v < 0 else 'N'}")
    for spine in ax.spines.values():
        spine.set_color("#999999")
    fig.suptitle(data.title, x=0.03, y=0.975, ha="left", fontsize=13, fontweight="bold", parse_math=False)
    fig.text(
        0.03,
        0.915,
        f"{len(chosen)} site{'s' if len(chosen) != 1 else ''} chosen "
        f"of {len(chosen) + len(closed)} candidates; "
        "marker area ~ MW IT, colour = dominant energy supply; lines = serving flows (width ~ tokens/s)",
        fontsize=9,
        color="#444444",
    )
    fig.text(
        0.03,
        0.03,
        ATTRIBUTION + (STATES_ATTRIBUTION if "states" in base else ""),
        fontsize=6.5,
        color="#777777",
    )
    _legend(fig, chosen, mw_max, bool(far.any()))
    fig.savefig(path, format=fmt, facecolor="white")


def _legend(fig: Figure, chosen, mw_max: float, any_far: bool) -> None:
    """Legend beside the map: supply colours, MW sizes, candidates, regions, flows."""
    dot = {"marker": "o", "linestyle": "", "markeredgecolor": "#1a1a1a"}
    handles = [
        Line2D([], [], color=TECH_COLOURS.get(t, OTHER_COLOUR), markersize=9, label=f"supply: {t}", **dot)
        for t in dict.fromkeys(chosen["dominant_tech"])
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#6b6b6b",
            markersize=6,
            label="candidate, not chosen",
        )
    )
    if any_far:
        handles.append(
            Line2D(
                [],
                [],
                marker="x",
                linestyle="",
                color="#9b3b3b",
                markersize=6,
                label="candidate, beyond latency budgets",
            )
        )
    handles.append(
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#222222",
            markersize=8,
            label="demand region (size ~ tokens/s)",
        )
    )
    handles.append(Line2D([], [], color=FLOW, alpha=0.55, linewidth=3, label="serving flow"))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.785, 0.88),
        fontsize=8.5,
        frameon=False,
        labelspacing=1.1,
        borderpad=0.2,
        handletextpad=0.9,
    )
    sizes = [
        Line2D(
            [],
            [],
            color="#d0d0d0",
            markersize=math.sqrt(float(site_area_pt2(np.array([mw]), mw_max)[0])),
            label=f"{fmt_mw(mw)} MW IT",
            **dot,
        )
        for mw in (mw_max, mw_max / 4)
    ]
    fig.legend(
        handles=sizes,
        title="chosen site size",
        title_fontsize=8.5,
        loc="upper left",
        bbox_to_anchor=(0.785, 0.45),
        fontsize=8.5,
        frameon=False,
        labelspacing=2.2,
        borderpad=0.2,
        handletextpad=1.6,
        alignment="left",
    )
