"""The chart of near-optimal alternatives: what each plan builds, side by side.

Three panels of horizontal stacked bars, one bar per plan (the optimum on top): IT MW per site,
MW per energy technology, GPUs per type; each bar is labelled with its id, its objective's
change from the optimum and whether its own solve verified it within the slack.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from planner.studies.alternatives_space import Plan

PANELS = (("sites", "IT MW per site"), ("energy", "MW per energy technology"), ("gpus", "GPUs per type"))


def _label(row: Mapping[str, object]) -> str:
    """``"2  cost +1.3%  verified"`` (id, cost change, verification)."""
    if row["kind"] == "optimum":
        return f"{row['id']}  optimum"
    delta = row.get("cost_delta_pct")
    change = f"{delta:+.1f}%" if isinstance(delta, float) and delta == delta else "n/a"
    return f"{row['id']}  cost {change}  {'verified' if row['verified'] else 'NOT verified'}"


def plot_alternatives(table: pd.DataFrame, plans: Mapping[int, Plan], path: Path, title: str) -> None:
    """Write the PNG (see the module docstring) of the plans in ``table`` that were solved."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in table.to_dict("records") if r["id"] in plans]
    fig, axes = plt.subplots(1, 3, figsize=(15, 2.6 + 0.5 * max(len(rows), 1)), dpi=110, sharey=True)
    cmap = plt.get_cmap("tab20")
    ys = list(range(len(rows)))[::-1]
    for ax, (space, xlabel) in zip(axes, PANELS):
        keys = sorted({k for r in rows for k in getattr(plans[r["id"]], space)})
        left = [0.0] * len(rows)
        for i, key in enumerate(keys):
            widths = [getattr(plans[r["id"]], space).get(key, 0.0) for r in rows]
            ax.barh(ys, widths, left=left, color=cmap(i % 20), label=key, height=0.7)
            left = [a + b for a, b in zip(left, widths)]
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    axes[0].set_yticks(ys)
    axes[0].set_yticklabels([_label(r) for r in rows], fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
