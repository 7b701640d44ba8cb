"""Regret of plans across futures (min-max regret, Savage's criterion).

For plans p and futures f with cost C[p, f] (the plan's annualised cost in that future plus the
cost of the demand it leaves unserved, USD/yr)::

    regret[p, f]  = C[p, f] - min_q C[q, f]         [USD/yr]   >= 0, 0 for the best plan of f
    max_regret[p] = max_f regret[p, f]              [USD/yr]
    chosen        = argmin_p max_regret[p]          the min-max-regret plan (first on a tie)

A plan missing from a future (its evaluation failed) has no cost there: its regret there and its
max regret are NaN (unknown), and it cannot be the chosen plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import InputError

COST_COLUMN = "total_cost_usd"
"""Column of an evaluation table (one row per plan and future) that regret is computed on."""


def cost_matrix(costs: pd.DataFrame) -> pd.DataFrame:
    """Plans x futures costs [USD/yr]: ``costs`` as given if already wide (index plans, one column
    per future), or pivoted from a long evaluation table with columns plan, future, total_cost_usd."""
    if {"plan", "future", COST_COLUMN} <= set(costs.columns):
        wide = costs.pivot_table(
            index="plan", columns="future", values=COST_COLUMN, aggfunc="first", sort=False
        )
        wide.columns.name = None
        return wide.astype(float)
    return costs.astype(float)


def regret(costs: pd.DataFrame) -> pd.DataFrame:
    """The regret table (module docstring): one row per plan with ``regret_<future>`` [USD/yr] for
    each future, ``max_regret_usd`` and ``min_max_regret`` (True on the chosen plan).

    ``costs``: plans x futures [USD/yr] (index plans, one column per future) or the long table
    :func:`planner.studies.evaluate.evaluate` returns. Raises InputError if it holds no plan or
    no future, or a future in which no plan has a cost.
    """
    wide = cost_matrix(costs)
    if wide.empty or wide.shape[1] == 0:
        raise InputError("regret needs at least one plan and one future with a cost")
    empty = [str(f) for f in wide.columns if wide[f].isna().all()]
    if empty:
        raise InputError(f"regret: no plan has a cost in future(s) {', '.join(empty)}")
    best = wide.min(axis=0, skipna=True)
    table = wide.sub(best, axis=1)
    table.columns = [f"regret_{f}" for f in wide.columns]
    worst = table.max(axis=1, skipna=False)
    table["max_regret_usd"] = worst
    chosen = worst.idxmin() if worst.notna().any() else None
    table["min_max_regret"] = [p == chosen for p in table.index]
    table.index.name = "plan"
    return table


def best_plan(table: pd.DataFrame) -> str | None:
    """The min-max-regret plan of a :func:`regret` table (None if every plan has an unknown cost)."""
    chosen = table.index[np.asarray(table["min_max_regret"], dtype=bool)]
    return str(chosen[0]) if len(chosen) else None
