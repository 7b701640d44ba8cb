"""Stacked bar charts of the plan report: one bar per row (site, model, year), stacked by series.

The capacity and energy mix, GPUs by type, costs by category and the spend schedule are all
one pivot table drawn the same way; each chart is built from such a table by :func:`stacked`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from planner.report.figure import finish, new_axes, style_axes


def pivot(
    frame: pd.DataFrame, rows: str, series: str, value: str, order: list[str] | None = None
) -> pd.DataFrame:
    """``frame[value]`` summed into a table of ``rows`` x ``series`` (missing = 0), rows in first-seen
    order (or ``order``), series by total descending; all-zero series dropped."""
    table = frame.pivot_table(
        index=rows, columns=series, values=value, aggfunc="sum", fill_value=0.0, sort=False
    )
    if order is not None:
        table = table.reindex([r for r in order if r in table.index], fill_value=0.0)
    totals = table.abs().sum().sort_values(ascending=False, kind="stable")
    return table[[c for c in totals.index if totals[c] > 1e-9]]


def _box(p: float, lo: float, hi: float, horizontal: bool, width: float = 0.8) -> list[tuple[float, float]]:
    """Corners of one bar segment at position ``p`` from ``lo`` to ``hi`` (one polygon of a
    PolyCollection: one artist per series instead of one per bar, a fraction of the drawing time)."""
    a, b = p - width / 2, p + width / 2
    if horizontal:
        return [(lo, a), (hi, a), (hi, b), (lo, b)]
    return [(a, lo), (a, hi), (b, hi), (b, lo)]


def stacked(
    table: pd.DataFrame,
    colours: Mapping[str, str],
    title: str,
    unit: str,
    scale: float = 1.0,
    horizontal: bool = True,
) -> str:
    """Stacked bars of ``table`` (rows = bars, columns = series) divided by ``scale``, with the total
    written at each bar's end; an SVG data URI."""
    data = table.to_numpy(dtype=float) / scale
    n = len(table.index)
    labels = [str(i) for i in table.index]
    fig, ax = new_axes()
    pos = np.arange(n)[::-1] if horizontal else np.arange(n)
    base = np.zeros(n)
    for j, name in enumerate(table.columns):
        v = data[:, j]
        boxes = [_box(p, b, b + x, horizontal) for p, b, x in zip(pos, base, v) if x > 0]
        ax.add_collection(
            PolyCollection(
                boxes, facecolors=colours[name], edgecolors="white", linewidths=0.5, label=str(name)
            )
        )
        base += v
    top = max(float(base.max(initial=0.0)), 1e-9)
    for p, total in zip(pos, base):
        if total < 0.005 * top:
            continue
        text = f"{total:,.3g}" if total < 100 else f"{total:,.0f}"
        if horizontal:
            ax.text(total + 0.01 * top, p, text, va="center", fontsize=9)
        elif n <= 20:
            ax.text(p, total + 0.01 * top, text, ha="center", va="bottom", fontsize=8.5)
    ax.set_xlim(-0.6, n - 0.4) if not horizontal else ax.set_ylim(-0.6, n - 0.4)
    if horizontal:
        ax.set_yticks(pos)
        ax.set_yticklabels(labels)
        ax.set_xlim(0, top * 1.12)
        ax.set_xlabel(unit)
        style_axes(ax, "x")
    else:
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=90 if n > 14 else 0, fontsize=9)
        ax.set_ylim(0, top * 1.1)
        ax.set_ylabel(unit)
        style_axes(ax, "y")
    ax.set_title(title)
    if horizontal:
        return finish(fig, ax, 0.2 + 0.36 * n, ylabels=labels, legend=len(table.columns) > 1)
    lines = 1.0 if n <= 14 else 0.4 + 0.45 * max(len(s) for s in labels)
    return finish(fig, ax, 2.6, xtick_lines=lines, legend=len(table.columns) > 1)
