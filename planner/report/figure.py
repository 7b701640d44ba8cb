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


def series_colours(names: Sequence[str]) -> dict[str, str]:
    """Palette colours in order (categories, GPU types, models)."""
    return {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(names)}


def new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    """A white Agg figure of the report's width."""
    fig = Figure(figsize=(width_in, height_in), dpi=100, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def legend_below(fig: Figure, ncol: int = 5) -> None:
    """The figure's legend in rows under the plot (constrained layout makes room for it)."""
    fig.legend(loc="outside lower center", ncol=ncol)


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
