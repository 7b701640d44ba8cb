"""Frontier hygiene: identical plans merged, dominated points dropped, and why.

An epsilon point whose cap does not bind returns the plan of its neighbour (two identical rows,
labels printed on top of each other); a solve that stops within its MIP gap (1% by default) can
return a plan that another point beats on both cost and carbon (typically the min-cost end,
beaten by the first epsilon point). Neither belongs on a frontier:

* two solved points are the **same plan** when their site sets and GPU mixes are equal and their
  cost and carbon agree within :data:`SAME_REL`; the later point is merged into the earlier one,
  except that an end (min cost, min carbon) is kept over an epsilon point (``same_plan_as`` lists
  the points merged);
* point ``j`` is **dominated** by ``i`` when ``cost_i <= cost_j`` and ``carbon_i <= carbon_j``
  (each within :data:`SAME_REL`) with at least one strictly lower by more than that; ``j`` is
  dropped.

Every point removed is kept in a second table with its reason, so the output says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

SAME_REL = 1e-5
"""Relative tolerance on cost and carbon for "the same" and for "no worse" [-] (solver noise
of an LP re-solved from another cap is ~1e-7 relative)."""


def _solved(row: Mapping[str, Any]) -> bool:
    value = row.get("annualized_cost_usd")
    return value is not None and not pd.isna(value)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_REL * max(abs(a), abs(b), 1e-12)


def same_plan(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same sites, same GPU mix, same cost and carbon (within :data:`SAME_REL`)."""
    return (
        a["sites"] == b["sites"]
        and a["gpu_mix"] == b["gpu_mix"]
        and _close(a["annualized_cost_usd"], b["annualized_cost_usd"])
        and _close(a["emissions_t_per_yr"], b["emissions_t_per_yr"])
    )


def dominates(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """``a`` is no worse than ``b`` in cost and carbon and better in one (beyond :data:`SAME_REL`)."""
    pairs = [(a[k], b[k]) for k in ("annualized_cost_usd", "emissions_t_per_yr")]
    no_worse = all(x <= y or _close(x, y) for x, y in pairs)
    return no_worse and any(x < y and not _close(x, y) for x, y in pairs)


def clean_frontier(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the frontier without duplicates or dominated points, with a ``same_plan_as`` column;
    the points removed, each with ``reason``). Unsolved points stay as they are."""
    kept: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for row in table.to_dict("records"):
        twin = next((k for k in kept if _solved(row) and _solved(k) and same_plan(k, row)), None)
        if twin is None:
            kept.append(row | {"same_plan_as": ""})
            continue
        if twin["kind"] == "epsilon" and row["kind"] != "epsilon":  # an end of the frontier stays
            i = kept.index(twin)
            kept[i] = row | {"same_plan_as": twin["same_plan_as"]}
            twin, row = kept[i], {k: v for k, v in twin.items() if k != "same_plan_as"}
        twin["same_plan_as"] = ";".join(filter(None, [twin["same_plan_as"], str(row["point"])]))
        removed.append(row | {"reason": f"same plan as point {twin['point']}: merged"})
    frontier = []
    for row in kept:
        better = next((k for k in kept if _solved(row) and _solved(k) and dominates(k, row)), None)
        if better is None:
            frontier.append(row)
            continue
        removed.append(row | {"reason": _dominated_reason(row, better)})
    columns = list(table.columns) + ["same_plan_as"]
    gone = pd.DataFrame(removed, columns=[*table.columns, "reason"]).sort_values("point", kind="stable")
    return pd.DataFrame(frontier, columns=columns).reset_index(drop=True), gone.reset_index(drop=True)


def _dominated_reason(row: Mapping[str, Any], better: Mapping[str, Any]) -> str:
    """``"dominated by point 1 (cost -0.4%, carbon -2.0%); its solve stopped within its MIP gap
    (0.9%): dropped"``."""
    cost = better["annualized_cost_usd"] / row["annualized_cost_usd"] - 1
    carbon = (
        better["emissions_t_per_yr"] / row["emissions_t_per_yr"] - 1 if row["emissions_t_per_yr"] else 0.0
    )
    gap = row.get("gap")
    within = f" within its MIP gap ({gap:.2%})" if gap is not None and not pd.isna(gap) else ""
    return (
        f"dominated by point {better['point']} (cost {cost:+.2%}, carbon {carbon:+.2%}); "
        f"its solve stopped{within}: dropped"
    )
