"""One evaluation as a task for the sweep engine (:func:`planner.studies.sweep.run_tasks`): here in
order, or on Dask workers (``--workers``/``--scheduler``), sent and returned as plain data.

A task gets the plan (a :class:`~planner.studies.evaluate_read.Plan`, plain data) and the future's
resolved scenario as a dict, and returns a :class:`~planner.studies.sweep.PointResult` whose
``tables`` hold the run directory's tables plus ``unserved`` and whose ``summary["evaluation"]`` is
the evaluation's row. Each process keeps the model of the last future it built and re-uses it for
the next plan of that future (:class:`~planner.studies.evaluate_plan.FutureModel`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from planner.studies.evaluate_plan import FutureModel, Price, evaluate_plan
from planner.studies.evaluate_read import Plan
from planner.studies.sweep import PointResult, attempt

_CACHE: dict[str, FutureModel] = {}
_LOCK = threading.Lock()


def evaluation_task(index: int, plan: Plan, future: str, data: dict[str, Any], price: Price) -> PointResult:
    """Evaluate ``plan`` in the future ``future`` (resolved scenario ``data``) at ``price`` [USD/Mtok]."""
    from planner.api import SolveResult, resolve_scenario
    from planner.catalogs.load import load_catalogs

    key = json.dumps([future, data, price], sort_keys=True, default=str)

    def run(log: Path) -> SolveResult:
        if key not in _CACHE:
            _CACHE.clear()
            catalogs = load_catalogs()
            _CACHE[key] = FutureModel.build(resolve_scenario(data, catalogs), catalogs, future, price)
        ev = evaluate_plan(plan, _CACHE[key], log_path=log)
        ev.result.tables["unserved"] = ev.unserved
        return ev.result

    with _LOCK:  # one evaluation at a time per process: the cached model is shared state
        return attempt(index, run)


def clear_cache() -> None:
    """Drop this process's cached future model."""
    with _LOCK:
        _CACHE.clear()


def point_row(point: PointResult, plan: Plan, future: str) -> dict[str, Any]:
    """The evaluation table's row of a task's result: ``summary["evaluation"]``, or the failure."""
    if point.summary is None:
        return {"plan": plan.name, "future": future, "status": point.status, "message": point.message}
    row = dict(point.summary["evaluation"])
    row.pop("plan_dir", None)
    row.pop("unserved_usd_per_mtok", None)
    return {**row, "message": ""}
