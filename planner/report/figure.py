"""Chart plumbing of the plan report: figures, colours, and SVG images as ``data:`` URIs.

Charts are matplotlib (Agg) figures saved as SVG with the text kept as text (small, sharp in
print and at any zoom) and embedded in the page as ``<img src="data:image/svg+xml;base64,...">``,
so each chart is self-contained (no shared SVG ids between charts) and the page works offline.
Colours are the Okabe-Ito palette (Okabe & Ito 2008; the order of
:data:`planner.results.curve_style.COLOURS`), each energy technology a fixed colour so the
dispatch, capacity and energy-mix charts agree; the plot text uses the page's font stack.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.results.curve_style import COLOURS

TECH_COLOURS: dict[str, str] = {
    "grid": "#999999",  # grey: bought, not built
    "pv": "#F0E442",  # Okabe-Ito yellow
    "wind": "#56B4E9",  # sky blue
    "battery": "#CC79A7",  # reddish purple
    "ngcc": "#D55E00",  # vermillion
    "gas_recip": "#E69F00",  # orange
    "gas_ct_aero": "#882255",  # Tol muted wine
    "nuclear_smr": "#0072B2",  # blue
    "geothermal": "#009E73",  # bluish green
}
"""Fill colour of each energy technology in every chart (others take :data:`COLOURS` in turn)."""
EDGE = "#333333"
WIDTH_IN = 6.6
"""Chart width [in]; the page scales it to the column (up to 100%)."""
FONT = ["DejaVu Sans", "Helvetica", "Arial"]


def tech_colours(techs: Sequence[str]) -> dict[str, str]:
    """A colour per technology: the fixed one, else the next palette colour not yet used."""
    spare = [c for c in COLOURS if c not in TECH_COLOURS.values()]
    out: dict[str, str] = {}
    for t in techs:
        out[t] = TECH_COLOURS.get(t) or spare[len([k for k in out if k not in TECH_COLOURS]) % len(spare)]
    return out


PALETTE = (
    *COLOURS,
    *("#44AA99", "#88CCEE", "#DDCC77", "#CC6677", "#117733", "#AA4499"),
    *("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#BBCC33", "#AAAA00", "#99DDFF", "#DDDDDD"),
)
"""Series colours: the ten of the frontier chart, then the rest of Paul Tol's "muted" set (teal,
cyan, sand, rose, green, purple), then his "light" set (light blue, orange, yellow, pink, pear,
olive, mint-blue, pale grey): twenty-four, for the capex categories (21 with the whole capex)."""


def series_colours(names: Sequence[str]) -> dict[str, str]:
    """Palette colours in order (categories, GPU types, models), distinct up to 24 series."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


CHAR_IN = 0.085
"""Width of a tick-label character at the chart font size [in] (DejaVu Sans 9.5 pt averages ~0.55 em)."""


def new_axes() -> tuple[Figure, Axes]:
    """A white Agg figure of the report's width with one axes (sized by :func:`finish`)."""
    fig = Figure(figsize=(WIDTH_IN, 3.0), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def finish(
    fig: Figure,
    ax: Axes,
    plot_h: float,
    ylabels: Sequence[str] = (),
    xtick_lines: float = 1.0,
    legend: bool = True,
    ncol: int = 5,
) -> str:
    """Size the figure around a plot area ``plot_h`` inches tall, with margins from the text
    around it (``ylabels``: the y tick labels, else numbers; ``xtick_lines`` lines of x tick
    labels; the legend in rows of ``ncol`` under the plot), and return it as an SVG data URI.

    Margins are computed, not measured (matplotlib's constrained layout draws every chart twice:
    twice the time for the same page)."""
    handles, labels = ax.get_legend_handles_labels()
    title = ax.get_title(loc="left")
    ax.set_title("", loc="left")
    if labels:  # as many legend columns as fit the width: handle + gap + the longest label
        entry = 0.65 + CHAR_IN * max(len(s) for s in labels)
        ncol = max(1, min(ncol, len(labels), int((WIDTH_IN - 0.2) // entry)))
    rows = -(-len(labels) // ncol) if legend and labels else 0
    left = 0.3 + CHAR_IN * max(len(s) for s in ylabels) if ylabels else 0.8
    bottom = (
        0.15 + 0.19 * xtick_lines + (0.25 if ax.get_xlabel() else 0.0) + (0.27 * rows + 0.12 if rows else 0.0)
    )
    top, right = 0.4, 0.6
    height = plot_h + top + bottom
    fig.set_size_inches(WIDTH_IN, height)
    fig.subplots_adjust(
        left=left / WIDTH_IN, right=1 - right / WIDTH_IN, bottom=bottom / height, top=1 - top / height
    )
    fig.text(0.08 / WIDTH_IN, 1 - 0.1 / height, title, ha="left", va="top", fontsize=11.5, fontweight="bold")
    if rows:
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=min(ncol, len(labels)),
            bbox_to_anchor=(0.5, 0.05 / height),
        )
    return svg_uri(fig)


def style_axes(ax, grid_axis: str = "y") -> None:
    """Light grid behind the data, no top/right frame, readable ticks."""
    ax.set_axisbelow(True)
    ax.grid(axis=grid_axis, color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9.5)


@contextmanager
def chart_style() -> Iterator[None]:
    """Settings every report chart is made under: text is literal (a ``$`` in a site name never
    starts mathtext), sans-serif fonts, SVG text kept as text, stable SVG ids."""
    with matplotlib.rc_context(
        {
            "text.parse_math": False,
            "font.family": "sans-serif",
            "font.sans-serif": FONT,
            "svg.fonttype": "none",
            "svg.hashsalt": "planner-report",
            "font.size": 10.5,
            "axes.titlesize": 11.5,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "legend.fontsize": 9.5,
            "legend.frameon": False,
        }
    ):
        yield


def svg_uri(fig: Figure) -> str:
    """The figure as an SVG ``data:`` URI (no metadata date: the same plan gives the same bytes)."""
    buf = io.BytesIO()
    with chart_style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def png_uri(data: bytes) -> str:
    """PNG bytes as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def money(usd: float) -> tuple[float, str]:
    """A divisor and unit that keep dollar amounts readable: (1e9, 'B$'), (1e6, 'M$') or (1e3, 'k$')."""
    usd = abs(usd)
    if usd >= 1e9:
        return 1e9, "B$"
    if usd >= 1e6:
        return 1e6, "M$"
    return 1e3, "k$"
