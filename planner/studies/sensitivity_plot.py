"""The tornado chart of a sensitivity: per input, the range of $/Mtok (left panel) and of
gCO2e/Mtok (right panel) over its values, inputs sorted by their $/Mtok swing (largest on top).

Each bar runs from the lowest to the highest result over the input's solved values; a vertical
line marks the base plan. The input values that give each end are written beside it, and an
input whose plan flips (sites or leading energy) is marked with its flip values in its label.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.studies.sensitivity_inputs import format_value

if TYPE_CHECKING:  # pragma: no cover
    from planner.studies.sensitivity import SensitivityResult

LOW, HIGH = "tab:blue", "tab:orange"
"""Bar colours: below and above the base plan's result."""


def _short(value: Any) -> str:
    """A value as written on the chart: numbers to 4 significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else format_value(value)


def _label(row: pd.Series, flips: pd.DataFrame) -> str:
    """``gas price\\n0.6 - 1.4 (flip: sites at 1.21)``."""
    head = f"{row['input']}\n{format_value(row.get('value_low'))} - {format_value(row.get('value_high'))}"
    mine = flips[flips["path"] == row["path"]] if len(flips) else flips
    if len(mine):
        parts = [
            f"{f['what'].replace('leading energy', 'energy')}"
            + (f" at {_short(f['flip_value'])}" if pd.notna(f["flip_value"]) else "")
            for _, f in mine.iterrows()
        ]
        head += "\nflip: " + "; ".join(dict.fromkeys(parts))
    return head


def _panel(ax: Any, tornado: pd.DataFrame, table: pd.DataFrame, column: str, base: float, unit: str) -> None:
    """One panel: a bar per input from its min to its max of ``column``, split at ``base``."""
    ends = []
    for y, (_, row) in enumerate(tornado.iterrows()):
        mine = table[(table["path"] == row["path"]) & table[column].notna()]
        if mine.empty:
            ax.text(base, y, " no plan", va="center", fontsize=8)
            continue
        lo_i, hi_i = mine[column].astype(float).idxmin(), mine[column].astype(float).idxmax()
        lo, hi = float(mine.at[lo_i, column]), float(mine.at[hi_i, column])
        ends += [lo, hi]
        if lo < base:
            ax.barh(y, min(hi, base) - lo, left=lo, color=LOW, height=0.6)
        if hi > base:
            ax.barh(y, hi - max(lo, base), left=max(lo, base), color=HIGH, height=0.6)
        if hi - lo <= 1e-9 * max(abs(hi), 1.0):
            ax.annotate(" no change", (hi, y), va="center", fontsize=8)
            continue
        for x, i, dx, ha in ((lo, lo_i, -3, "right"), (hi, hi_i, 3, "left")):
            text = _short(mine.at[i, "value"])
            ax.annotate(
                text,
                (x, y),
                xytext=(dx, 0),
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize=8,
                parse_math=False,
            )
    ax.axvline(base, color="black", linewidth=1)
    low, high = min([*ends, base]), max([*ends, base])
    pad = 0.3 * (high - low) or 0.05 * max(abs(base), 1e-9)
    ax.set_xlim(low - pad, high + pad)  # room for the values written beside the bar ends
    ax.set_xlabel(unit)
    ax.grid(True, axis="x", alpha=0.3)


def plot_tornado(result: SensitivityResult, path: Path, title: str) -> None:
    """Write the tornado PNG of ``result`` to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    tornado, table = result.tornado, result.table
    base = table[table["kind"] == "base"].iloc[0]
    n = max(len(tornado), 1)
    fig, (ax_cost, ax_co2) = plt.subplots(1, 2, figsize=(13, 1.6 + 0.85 * n), dpi=110, sharey=True)
    _panel(ax_cost, tornado, table, "cost_usd_per_mtok", float(base["cost_usd_per_mtok"]), "cost [$ / Mtok]")
    _panel(ax_co2, tornado, table, "gco2e_per_mtok", float(base["gco2e_per_mtok"]), "carbon [gCO2e / Mtok]")
    ax_cost.set_yticks(
        range(len(tornado)), [_label(r, result.flips) for _, r in tornado.iterrows()], fontsize=8
    )
    for text in ax_cost.get_yticklabels():
        text.set_parse_math(False)  # ids and values are shown as written
    ax_cost.set_ylim(len(tornado) - 0.4, -0.6)  # largest swing on top
    ax_cost.set_title(f"$/Mtok (base {float(base['cost_usd_per_mtok']):.3f}; sorted by swing)", fontsize=10)
    ax_co2.set_title(f"gCO2e/Mtok (base {float(base['gco2e_per_mtok']):,.1f})", fontsize=10)
    handles = [
        Patch(color=LOW, label="below the base plan"),
        Patch(color=HIGH, label="above the base plan"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    head = f"{title}\nbase plan: {base['sites']} (leading {base['leading_energy']}); "
    fig.suptitle(
        head + "numbers at bar ends: the input value giving that result", fontsize=10, parse_math=False
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path)
    plt.close(fig)
