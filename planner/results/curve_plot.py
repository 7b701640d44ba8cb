"""PNG of the throughput-interactivity frontier (:class:`planner.results.curve_view.CurveView`).

The ``--y`` quantity (tokens/s per GPU, per MW, or USD per million tokens) against tokens/s per
user, both on log axes (each spans two to three decades). Per GPU: the calibrated roofline as a
line in the GPU's own colour, marker and dash (:mod:`planner.results.curve_style`) and the
expected-error band shaded around it. The model's MLPerf results (latest version at the curve's
precision) are markers in the GPU's colour (circle offline, square server, triangle interactive)
at 1000 / their scenario's TPOT limit; beside each, a bar marks the estimate at the same
conditions (the benchmark's request shape, the scenario's TTFT and TPOT limits), joined to the
median result by a dotted line and labelled with its error. Results of different GPUs at the same
limit are spread a few per cent sideways so none hides another. The title states the request
shape and TTFT the lines hold; a footnote states the finance and power assumptions of the MW and
cost axes. Legends sit outside the axes so they hide no point.

matplotlib is imported here only, with the Agg backend (no display needed). The file is written
to a temporary sibling and renamed, so a failed write leaves nothing behind.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

from planner.results.atomic import new_files
from planner.results.curve_style import SCENARIO_MARKERS, Style, gpu_styles
from planner.results.curve_view import CurveView, shape_text

SPREAD = 0.03
"""Sideways step between GPUs' MLPerf markers at the same limit [decades of tokens/s per user]."""
CLUSTER = 0.12
"""MLPerf markers closer than this share one column of error labels [decades of tokens/s per user]."""
LABEL_PX = 15.0
"""Least vertical distance between two error labels in one column [pixels]."""
LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}
"""Background of an error label, so it reads over lines and bands."""
GPU_LEGEND_ROWS = 16
"""GPUs listed in one legend column; more take two, so the GPU legend never runs into the other."""
X_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
"""Tokens/s per user labelled on the x axis."""


def _lines(ax: Any, view: CurveView, styles: dict[str, Style]) -> None:
    """One line per GPU with its band and markers."""
    alpha = min(0.15, max(0.05, 0.6 / max(len(styles), 1)))  # many overlapping bands stay see-through
    for i, (g, grp) in enumerate(view.sweep.groupby("gpu_id", sort=False)):
        st, x = styles[g], grp["tokens_per_s_per_user"]
        ax.fill_between(x, grp["y_low"], grp["y_high"], color=st.colour, alpha=alpha, lw=0, zorder=1)
        ax.plot(x, grp["y"], st.dash, color=st.colour, lw=1.7, marker=st.marker, ms=5,
                markevery=(0.03 * (i % 4), 0.12), label=f"{g} ({grp['precision'].iloc[0]})",
                zorder=2)  # fmt: skip


def _spread(view: CurveView) -> dict[tuple[str, str], float]:
    """Sideways factor of each (GPU, scenario) with MLPerf results: GPUs at one limit centred
    around it, :data:`SPREAD` decades apart."""
    out: dict[tuple[str, str], float] = {}
    for _, grp in view.measured.groupby("scenario", sort=False):
        gpus = list(grp["gpu_id"])
        for j, (g, s) in enumerate(zip(gpus, grp["scenario"])):
            out[(g, s)] = 10 ** (SPREAD * (j - (len(gpus) - 1) / 2))
    return out


def _repel(ys: list[float], gap: float) -> list[float]:
    """Label heights (input order kept) at least ``gap`` decades apart, pushed upwards."""
    order = sorted(range(len(ys)), key=lambda k: ys[k])
    out, last = list(ys), -math.inf
    for k in order:
        level = max(math.log10(ys[k]), last + gap)
        out[k], last = 10**level, level
    return out


def _markers(ax: Any, view: CurveView, styles: dict[str, Style]) -> None:
    """The MLPerf results of the compared version, the estimate at their conditions, the error."""
    meas, pts = view.measured, view.points
    if meas.empty:
        return
    shift = _spread(view)
    latest = pts.merge(meas[["gpu_id", "scenario", "precision", "version"]])
    for r in latest.itertuples():
        c = styles[r.gpu_id].colour
        ax.scatter(r.tokens_per_s_per_user * shift[(r.gpu_id, r.scenario)], r.y,
                   marker=SCENARIO_MARKERS.get(r.scenario, "x"), s=42, linewidths=1.3, edgecolor=c,
                   facecolor="white" if r.scenario == "offline" else c, zorder=4)  # fmt: skip
    rows = list(meas.itertuples())
    xs = [r.tokens_per_s_per_user * shift[(r.gpu_id, r.scenario)] for r in rows]
    for x, r in zip(xs, rows):
        c = styles[r.gpu_id].colour
        ax.plot([x, x], [r.measured_y, r.estimate_y], ":", color=c, lw=1.2, zorder=3)
        ax.plot([x], [r.estimate_y], "_", color=c, ms=12, mew=2.6, zorder=5)
    lo, hi = ax.get_ylim()
    gap = math.log10(hi / lo) * LABEL_PX / ax.bbox.height  # decades of y per label height
    for group in _clusters(xs):  # labels of nearby markers in one column right of the rightmost
        both = len({rows[k].scenario for k in group}) > 1
        heights = _repel([rows[k].estimate_y for k in group], gap)
        for k, label_y in zip(group, heights):
            r = rows[k]
            text = f"{r.gpu_id}{' ' + r.scenario if both else ''} {r.estimate_y / r.measured_y - 1:+.0%}"
            ax.annotate(text, (max(xs[j] for j in group), label_y), xytext=(9, 0), textcoords="offset points",
                        fontsize=7, color=styles[r.gpu_id].colour, va="center", zorder=6,
                        bbox=LABEL_BOX)  # fmt: skip


def _clusters(xs: list[float]) -> list[list[int]]:
    """Indices of ``xs`` in runs whose neighbours lie within :data:`CLUSTER` decades."""
    groups: list[list[int]] = []
    last = -math.inf
    for k in sorted(range(len(xs)), key=lambda k: xs[k]):
        here = math.log10(xs[k])
        if groups and here - last <= CLUSTER:
            groups[-1].append(k)
        else:
            groups.append([k])
        last = here
    return groups


def _limits_text(row: Any) -> str:
    """``TTFT 2,000 ms, TPOT 80 ms`` or ``no latency limit``."""
    if not math.isfinite(row.tpot_ms):
        return "no latency limit"
    return f"TTFT {row.ttft_ms:,.0f} ms, TPOT {row.tpot_ms:g} ms"


def _legends(ax: Any, view: CurveView) -> None:
    """GPU legend (upper right, outside), MLPerf and band legend below it."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    many = ax.get_legend_handles_labels()[1]
    first = ax.legend(title="roofline estimate\n(GPU, precision)", loc="upper left", bbox_to_anchor=(1.01, 1),
                      ncol=1 if len(many) <= GPU_LEGEND_ROWS else 2)  # fmt: skip
    handles: list[Any] = [Patch(facecolor="grey", alpha=0.25, lw=0)]
    labels = [textwrap.fill(f"shaded: {view.band.text()}", 34)]
    meas = view.measured
    for s, mk in SCENARIO_MARKERS.items():
        row = next(meas[meas["scenario"] == s].itertuples(), None)
        if row is None:
            continue
        face = "white" if s == "offline" else "grey"
        handles.append(Line2D([], [], ls="", marker=mk, ms=7, mfc=face, mec="grey", mew=1.3))
        where = (
            "x: estimate's rate per user at full batch" if s == "offline" else f"x: 1000 / {row.tpot_ms:g} ms"
        )
        labels.append(f"MLPerf {s}, {_limits_text(row)}\n({where})")
    if not meas.empty:
        handles.append(Line2D([], [], ls="", marker="_", ms=12, mew=2.4, color="grey"))
        labels.append("estimate at the same conditions;\nlabel: estimate / measured - 1")
    ax.add_artist(first)  # a second ax.legend replaces the first: keep the first as an artist
    shape = shape_text(view.curve.mlperf_shape)
    title = "measured (latest MLPerf round,\nsame precision)" + (f"\nbenchmark: {shape}" if shape else "")
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(1.01, 0), title=title if len(meas) else None)


def _axes(ax: Any, view: CurveView) -> None:
    """Plain-number tick labels on the log axes, axis labels with units, grid, title."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = ax.get_xlim()
    ax.set_xticks([t for t in X_TICKS if lo <= t <= hi])
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    plain = FuncFormatter(lambda v, _: f"{v / 1e6:g}M" if v >= 1e6 else f"{v:,.0f}" if v >= 1 else f"{v:.3g}")
    ax.xaxis.set_major_formatter(plain)
    ax.yaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("interactivity: output tokens/s per user (= 1000 / TPOT ms)")
    ax.set_ylabel(view.axis.label)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    ax.set_title(chart_title(view), parse_math=False, fontsize=11)


def chart_title(view: CurveView) -> str:
    """Two lines: what is plotted, and the request shape and TTFT the lines hold."""
    better = "higher is better" if view.axis.higher_is_better else "lower is better"
    shape = shape_text(view.curve.shape, view.curve.ttft_ms) or "request shape unknown"
    return (
        f"{view.model_id}: {view.axis.unit} ({better}) vs tokens/s per user\n"
        f"lines: calibrated roofline estimate at a mean request of {shape}"
    )


def curve_figure(view: CurveView) -> Any:
    """The matplotlib Figure of ``view``'s frontier (close it with ``plt.close``), with the
    economics' assumptions (:meth:`planner.results.curve_y.Economics.basis`) under the axes for the
    MW and cost axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"legend.fontsize": 8, "legend.title_fontsize": 8}):
        fig, ax = plt.subplots(figsize=(11.5, 7), dpi=120)
        styles = gpu_styles(list(dict.fromkeys(view.curve.sweep["gpu_id"])))
        ax.set_xscale("log")
        ax.set_yscale("log")
        _lines(ax, view, styles)
        _markers(ax, view, styles)
        _axes(ax, view)
        _legends(ax, view)
        if view.economics is not None:
            note = textwrap.fill(view.economics.basis(view.axis.key), 170)
            fig.text(0.01, -0.01, note, fontsize=7.5, va="top", ha="left", color="#333333")
        fig.tight_layout()
    return fig


def write_curve_png(view: CurveView, path: Path, overwrite: bool = True) -> Path:
    """Write the frontier of ``view`` (:func:`curve_figure`) to ``path``, atomically; an existing
    file is replaced only if ``overwrite`` (:func:`planner.results.atomic.claim`)."""
    return _save(curve_figure(view), Path(path), overwrite)


def _save(fig: Any, path: Path, overwrite: bool) -> Path:
    """Save ``fig`` to a temporary sibling of ``path`` and claim the name ``path`` for it."""
    import matplotlib.pyplot as plt

    try:
        with new_files([path], overwrite) as (tmp,):
            fig.savefig(tmp, format="png", bbox_inches="tight")  # the legends outside the axes included
    finally:
        plt.close(fig)
    return path
