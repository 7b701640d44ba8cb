"""Line styles of the frontier chart: each GPU its own colour, marker and, past the palette, dash.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"; the set
matplotlib's and Wong's Nature Methods 2011 note recommend for colour-blind readers) without
its yellow (too light on white), then Paul Tol's "muted" wine, olive and indigo (Tol 2021,
SRON/EPS/TN/09-002): ten colours. Every GPU also gets its own marker on its line (none of the
MLPerf scenario markers o, s, ^), and GPUs past the ten colours get a dashed, then dotted line,
so any number of GPUs stays apart in grey print and for colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLOURS = (
    "#0072B2",  # Okabe-Ito blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#882255",  # Tol muted wine
    "#999933",  # olive
    "#332288",  # indigo
)
"""Line colours in the order GPUs take them."""
LINE_MARKERS = ("D", "v", "P", "X", "*", "<", ">", "h", "p", "d", "H", "8")
"""Markers on the GPUs' lines (the MLPerf markers are o, s, ^ and the estimate's a bar)."""
DASHES = ("-", "--", ":", "-.")
"""Line styles, one per round through the colours."""
SCENARIO_MARKERS = {"offline": "o", "server": "s", "interactive": "^"}
"""Marker of the MLPerf results of each scenario."""


@dataclass(frozen=True)
class Style:
    """How one GPU's line is drawn: colour, line style and marker."""

    colour: str
    dash: str
    marker: str


def gpu_styles(gpu_ids: Sequence[str]) -> dict[str, Style]:
    """A distinct :class:`Style` per GPU in ``gpu_ids`` order: GPU i has colour i mod 10, dash
    i // 10 and marker i mod 12 (so colour, dash and marker never all repeat below 120 GPUs)."""
    return {
        g: Style(
            COLOURS[i % len(COLOURS)],
            DASHES[(i // len(COLOURS)) % len(DASHES)],
            LINE_MARKERS[i % len(LINE_MARKERS)],
        )
        for i, g in enumerate(gpu_ids)
    }
