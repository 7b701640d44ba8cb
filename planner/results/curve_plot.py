"""PNG of the throughput-interactivity frontier (:mod:`planner.chain.tokens.frontier`).

Tokens/s per GPU (y) against tokens/s per user (x), both on log axes (each spans two to three
decades): one line per GPU from the calibrated roofline, the MLPerf results of the model as
markers in the GPU's colour (circle offline, square server, triangle interactive), legends outside
the axes so they hide no point. matplotlib is
imported here only, with the Agg backend (no display needed). The file is written to a temporary
sibling and renamed, so a failed write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

MARKERS = {"offline": "o", "server": "s", "interactive": "^"}
"""Marker of the MLPerf results of each scenario."""


def _draw(ax: Any, curve: Any) -> None:
    """Lines per GPU (beyond ten GPUs the colours repeat, dashed), the measured markers in the
    GPU's colour, and two legends outside the axes (GPUs, scenarios)."""
    colours: dict[str, Any] = {}
    for i, (g, grp) in enumerate(curve.sweep.groupby("gpu_id", sort=False)):
        (line,) = ax.plot(
            grp["tokens_per_s_per_user"],
            grp["tokens_per_s_per_gpu"],
            "-" if i < 10 else "--",
            lw=1.8,
            color=f"C{i % 10}",
            label=f"{g} ({grp['precision'].iloc[0]})",
        )
        colours[g] = line.get_color()
    for (g, s), grp in curve.points.groupby(["gpu_id", "scenario"], sort=False):
        ax.scatter(
            grp["tokens_per_s_per_user"],
            grp["tokens_per_s_per_gpu"],
            marker=MARKERS.get(s, "x"),
            s=36,
            facecolor="none" if s == "offline" else colours.get(g, "k"),
            edgecolor=colours.get(g, "k"),
            linewidths=1.2,
            zorder=3,
        )
    first = ax.legend(title="roofline estimate\n(GPU, precision)", loc="upper left", bbox_to_anchor=(1.01, 1))
    shown = [s for s in MARKERS if s in set(curve.points["scenario"])]
    if shown:  # a second ax.legend replaces the first: keep the first as an artist of its own
        ax.add_artist(first)
        _scenario_legend(ax, shown)


def _scenario_legend(ax: Any, shown: list[str]) -> None:
    """Legend of the MLPerf markers, below the GPU legend outside the axes."""
    handles = [
        ax.scatter(
            [], [], marker=MARKERS[s], s=36, facecolor="none" if s == "offline" else "grey", edgecolor="grey"
        )  # fmt: skip
        for s in shown
    ]
    labels = [
        f"MLPerf {s}" + ("\n(x: estimated rate per\nuser at full batch)" if s == "offline" else "")
        for s in shown
    ]
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(1.01, 0), title="measured,\nsame precision")


def write_curve_png(curve: Any, path: Path, title: str | None = None) -> Path:
    """Write the frontier of ``curve`` (a :class:`planner.chain.tokens.frontier.Curve`) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"legend.fontsize": 8, "legend.title_fontsize": 8})
    fig, ax = plt.subplots(figsize=(11, 6.5), dpi=120)
    _draw(ax, curve)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("interactivity: tokens/s per user (= 1000 / TPOT ms)")
    ax.set_ylabel("throughput: output tokens/s per GPU")
    ax.set_title(title or f"{curve.model_id}: throughput vs interactivity", parse_math=False)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    fig.tight_layout()
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", bbox_inches="tight")  # the legends outside the axes included
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return path
