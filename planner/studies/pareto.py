"""The cost-versus-carbon Pareto frontier by the epsilon-constraint method.

1. min carbon (the ``carbon`` objective: operational + upstream + embodied, with the usual
   tiny cost tie-break) and min cost give the two ends, emissions ``e_lo`` and ``e_hi``;
2. ``points - 2`` caps evenly spaced strictly between ``e_hi`` and ``e_lo``; each point
   minimises cost subject to ``emissions_total <= cap``.

Model reuse: the Pyomo model is built once, with the carbon-cap row present (its cap a
mutable Param, ``m.policy.carbon_cap``), and both objectives; between points only the active
objective, the row's activity and the Param value change. The compile + ``passModel``
hand-off is repeated per point (cheap next to a rebuild; ``benchmarks/sweep_bench.py``
measures both). With a Dask client the two ends run in parallel and then the epsilon points;
each worker process keeps its own built model between the points it solves.

Output directory::

    DIR/pareto.csv, pareto.parquet   one row per frontier point: cap, carbon, cost, $/Mtok,
                                     gCO2e/Mtok, sites, GPU mix, energy mix, gap, label (what sets
                                     the plan apart), same_plan_as (points merged into it)
    DIR/pareto_removed.csv           points merged (same plan) or dropped (dominated), with reason
    DIR/pareto.png                   the frontier, each point labelled by what sets it apart
    DIR/points/<k>-<kind>/           one run directory per solved point (as ``planner solve``)

Hygiene (:mod:`planner.studies.pareto_clean`): identical plans are merged and points another
point beats on cost and carbon (a solve stopped within its MIP gap) dropped; the returned table's
``attrs["removed"]`` says which and why.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InfeasibleError, NoSolutionError
from planner.model.inputs import ModelInputs
from planner.model.warmstart import Screening
from planner.results.cells import inert_frame
from planner.scenario.schema import Scenario
from planner.studies.pareto_clean import clean_frontier
from planner.studies.plan_labels import distinguishing_labels
from planner.studies.sweep import (
    PointResult,
    attempt,
    check_cluster,
    check_size,
    dask_client,
    headline_row,
    raise_for,
    run_tasks,
    write_point,
)

PLACEHOLDER_CAP = 1e12
"""Carbon cap [tCO2e/yr] the model is built with when the scenario has none (the row is
inactive until an epsilon point sets a real cap)."""
OnPoint = Callable[[dict[str, Any], int, int], None]
"""Called with (row, points done, points in total) as each point finishes."""


@dataclass
class FrontierModel:
    """A model built once for every point of one scenario's frontier."""

    scenario: Scenario
    inputs: ModelInputs
    model: pyo.ConcreteModel
    catalogs: Catalogs
    build_s: float
    solves: int = 0

    @classmethod
    def build(cls, scenario: Scenario, catalogs: Catalogs) -> FrontierModel:
        """Build the model with a carbon-cap Param and both objectives (carbon, and cost inactive)."""
        from planner.model.build import build_model
        from planner.model.explain import explain_infeasibility, unreachable_streams
        from planner.model.inputs import build_inputs

        t0 = time.perf_counter()
        cap = scenario.policy.carbon_cap_t_per_yr
        built = _variant(scenario, "carbon", PLACEHOLDER_CAP if cap is None else cap)
        inp = build_inputs(built, catalogs)
        if unreachable_streams(inp):
            raise InfeasibleError(
                "scenario is infeasible:\n" + explain_infeasibility(inp, scenario.objective, scenario.solver)
            )
        m = build_model(inp, objective="carbon")  # m.objective: carbon, exactly as planner.solve has it
        m.cost_objective = pyo.Objective(expr=m.cost.total, sense=pyo.minimize)
        m.cost_objective.deactivate()
        return cls(scenario, inp, m, catalogs, time.perf_counter() - t0)

    def solve(
        self,
        objective: str,
        cap: float | None,
        log_path: Path | None = None,
        screening: Screening | None = None,
    ) -> Any:
        """Minimise ``objective`` (cost or carbon) with emissions <= ``cap`` (None: the
        scenario's own cap, if any); return a :class:`planner.api.SolveResult`. ``screening``:
        the sites (with cooling) that seed the warm start instead of the annual screening of an
        hourly scenario (e.g. a plan whose sites are fixed by bounds)."""
        from planner.api import SolveResult, annual_screening, extract_tables, summarize
        from planner.model.explain import explain_infeasibility
        from planner.model.highs import solve as highs_solve
        from planner.model.inputs import build_inputs

        t0 = time.perf_counter()
        m, own = self.model, self.scenario.policy.carbon_cap_t_per_yr
        limit = own if cap is None else (cap if own is None else min(cap, own))
        scn = _variant(self.scenario, objective, limit)
        for component, on in (
            (m.cost_objective, objective == "cost"),
            (m.objective, objective == "carbon"),
            (m.policy.carbon_limit, limit is not None),
        ):
            component.activate() if on else component.deactivate()
        m.policy.carbon_cap.set_value(PLACEHOLDER_CAP if limit is None else float(limit))
        t_screen = time.perf_counter()
        if screening is None and self.inputs.slices.hourly:
            screening = annual_screening(scn, self.catalogs)
        screening_s = time.perf_counter() - t_screen
        pol = scn.policy
        outcome = highs_solve(
            m, scn.solver, log_path, None, warm_start=(pol.min_sites, pol.max_sites), screening=screening
        )
        outcome.solve_s += screening_s
        if outcome.status in ("infeasible", "unbounded") or (
            outcome.status == "optimal" and not outcome.has_solution
        ):
            raise InfeasibleError(
                "scenario is infeasible:\n"
                + explain_infeasibility(build_inputs(scn, self.catalogs), objective, scn.solver)
            )
        if not outcome.has_solution:
            raise NoSolutionError(f"no feasible plan found before the solver stopped ({outcome.status})")
        t_extract = time.perf_counter()
        tables = extract_tables(m, self.inputs)
        summary = summarize(scn, self.inputs, m, outcome, tables)
        build_s = self.build_s if self.solves == 0 else 0.0
        self.solves += 1
        summary["timings"] = {
            "build_s": round(build_s, 3),
            "handoff_s": round(outcome.handoff_s, 3),
            "solve_s": round(outcome.solve_s, 3),
            "screening_s": round(screening_s, 3),
            "extract_s": round(time.perf_counter() - t_extract, 3),
            "total_s": round(build_s + time.perf_counter() - t0, 3),
        }
        return SolveResult(scn, outcome.status, summary, tables, self.inputs, m, outcome)


def _variant(scenario: Scenario, objective: str, cap: float | None) -> Scenario:
    """``scenario`` with its objective and carbon cap replaced (what a point solves)."""
    policy = scenario.policy.model_copy(update={"carbon_cap_t_per_yr": cap})
    return scenario.model_copy(update={"objective": objective, "policy": policy})


_CACHE: dict[str, FrontierModel] = {}
_LOCK = threading.Lock()
MODEL_LOCK = _LOCK
"""Held while a task uses the process's cached model (one solve at a time per process)."""


def frontier_point(
    index: int, data: dict[str, Any], objective: str, cap: float | None, reuse: bool = True
) -> PointResult:
    """Task: one frontier point of the resolved scenario ``data`` (a dict). With ``reuse`` the
    process keeps the built model for the next point of the same scenario; without it the
    model is rebuilt (``planner.solve`` with the cap as an override)."""
    from planner.api import solve

    catalogs = load_catalogs()
    if not reuse:
        extra = {} if cap is None else {"policy.carbon_cap_t_per_yr": cap}
        return attempt(
            index,
            lambda log: solve(data, objective=objective, overrides=extra, log_path=log, catalogs=catalogs),
        )
    with _LOCK:  # one solve at a time per process: the cached model is shared state
        return attempt(index, lambda log: cached_model(data, catalogs).solve(objective, cap, log))


def cached_model(data: dict[str, Any], catalogs: Catalogs) -> FrontierModel:
    """The :class:`FrontierModel` of the resolved scenario ``data`` built in this process
    (built on first use; one scenario kept). Callers hold ``MODEL_LOCK`` while they use it."""
    from planner.api import resolve_scenario

    key = json.dumps(data, sort_keys=True)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = FrontierModel.build(resolve_scenario(data, catalogs), catalogs)
    return _CACHE[key]


def clear_cache() -> None:
    """Drop the model :func:`cached_model` keeps."""
    _CACHE.clear()


def pareto(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    *,
    points: int = 5,
    out: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    reuse: bool = True,
    catalogs: Catalogs | None = None,
    on_point: OnPoint | None = None,
    yes: bool = False,
) -> pd.DataFrame:
    """The cost-carbon frontier of ``scenario`` in ``points`` points (>= 2), from the
    min-cost end to the min-carbon end; one row per point.

    More than :data:`planner.studies.sweep.MAX_POINTS` points needs ``yes`` (as for a sweep).

    Runs here unless ``scheduler`` or ``workers`` is given (then on Dask). ``out`` (must not
    exist) receives a run directory per point, ``pareto.csv``/``.parquet`` and ``pareto.png``.
    Raises InputError / InfeasibleError / NoSolutionError when an end cannot be solved.
    """
    from planner.api import resolve_scenario
    from planner.results.rundir import check_new

    check_points(points, yes)
    check_cluster(scheduler, workers)
    catalogs = catalogs or load_catalogs()
    scn = resolve_scenario(scenario, catalogs, overrides)
    if out is not None:
        check_new(out)
    data = scn.model_dump(mode="json", exclude={"extends"})
    results: dict[int, PointResult] = {}
    kinds = {0: "min_cost", points - 1: "min_carbon"}

    def finished(point: PointResult) -> None:
        results[point.index] = point
        if on_point:
            on_point(
                _frontier_row(point, kinds.get(point.index, "epsilon"), caps.get(point.index)),
                len(results),
                points,
            )

    caps: dict[int, float | None] = {0: None, points - 1: None}
    use_dask = scheduler is not None or workers is not None
    try:
        with dask_client(scheduler, workers or 2) if use_dask else contextlib.nullcontext() as client:
            run_tasks(
                client,
                frontier_point,
                [(0, data, "cost", None, reuse), (points - 1, data, "carbon", None, reuse)],
                finished,
            )
            for end in (0, points - 1):
                raise_for(results[end])
            e_hi, e_lo = (accounted_t(results[i].summary) for i in (0, points - 1))  # type: ignore[index]
            caps.update({k: float(c) for k, c in enumerate(np.linspace(e_hi, e_lo, points)[1:-1], start=1)})
            run_tasks(
                client,
                frontier_point,
                [(k, data, "cost", caps[k], reuse) for k in range(1, points - 1)],
                finished,
            )
    finally:
        _CACHE.clear()
    rows = [_frontier_row(results[k], kinds.get(k, "epsilon"), caps[k]) for k in range(points)]
    table, removed = clean_frontier(pd.DataFrame(rows))
    table["label"] = distinguishing_labels([results[k].summary for k in table["point"]])
    table.attrs["removed"] = [
        f"point {r['point']} ({r['kind']}): {r['reason']}" for _, r in removed.iterrows()
    ]
    if out is not None:
        from planner.results.rundir import staging

        with staging(out) as tmp:  # the whole directory appears at once, or not at all
            _write(tmp, table, removed, results, scn.name)
    return table


def accounted_t(summary: dict[str, Any]) -> float:
    """The emissions the carbon cap bounds [tCO2e/yr]: market-based under
    ``policy.carbon_accounting: market_based``, else location-based (``emissions_t_per_yr``)."""
    if summary.get("carbon_accounting") == "market_based":
        return float(summary["emissions_market_based_t_per_yr"])
    return float(summary["emissions_t_per_yr"])


def check_points(points: int, yes: bool) -> None:
    """At least the two ends; more than ``MAX_POINTS`` only with ``yes``."""
    from planner.errors import InputError

    if points < 2:
        raise InputError(f"--points {points}: a frontier needs at least 2 points (its two ends)")
    check_size(points, yes, "frontier")


def _frontier_row(point: PointResult, kind: str, cap: float | None) -> dict[str, Any]:
    """One frontier row: the point's kind and cap, the headline results and a mix label."""
    row = {
        "point": point.index,
        "kind": kind,
        "carbon_cap_t_per_yr": cap,
        **headline_row(point.summary, point.status, point.message),
    }
    mix = (point.summary or {}).get("energy_mix_share") or {}
    row["energy_mix"] = mix_label(mix)
    row["gpu_mix"] = ", ".join(
        f"{g} {n:,}"
        for g, n in sorted(((point.summary or {}).get("gpus") or {}).items(), key=lambda kv: -kv[1])
    )
    return row


def mix_label(mix: Mapping[str, float], top: int = 3) -> str:
    """``{"ngcc": 0.89, "wind": 0.11}`` -> ``"ngcc 89%, wind 11%"`` (largest shares, >= 0.5%)."""
    parts = sorted(((t, s) for t, s in mix.items() if s >= 0.005), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{t} {s:.0%}" for t, s in parts)


def _write(
    out: Path, table: pd.DataFrame, removed: pd.DataFrame, results: Mapping[int, PointResult], name: str
) -> None:
    """Run directories (of every solved point, removed ones too), tables and the plot under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for frame in (table, removed):
        frame["run_dir"] = write_run_dirs(out, "points", frame["point"], frame["kind"], results)
    inert_frame(table).to_csv(out / "pareto.csv", index=False)
    table.to_parquet(out / "pareto.parquet", index=False)
    inert_frame(removed).to_csv(out / "pareto_removed.csv", index=False)
    plot_frontier(table, out / "pareto.png", title=f"{name}: cost vs carbon frontier")


def write_run_dirs(
    out: Path, folder: str, ids: Any, kinds: Any, results: Mapping[int, PointResult]
) -> list[str | None]:
    """Write the run directory ``<folder>/<id>-<kind>`` of every solved result under ``out``;
    return each one's path relative to ``out`` (None for a result that was not solved)."""
    paths: list[str | None] = []
    for k, kind in zip(ids, kinds):
        rel = f"{folder}/{k:02d}-{kind}"
        solved = results[k].summary is not None
        if solved:
            write_point(results[k], out / rel)
        paths.append(rel if solved else None)
    return paths


def plot_frontier(table: pd.DataFrame, path: Path, title: str = "cost vs carbon") -> None:
    """PNG of cost [$/Mtok] against carbon [gCO2e/Mtok], each point labelled by what sets its plan
    apart (``label``: sites / leading energy / GPUs, :mod:`planner.studies.plan_labels`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = table[table["cost_usd_per_mtok"].notna()] if "cost_usd_per_mtok" in table else table.iloc[0:0]
    fig, ax = plt.subplots(figsize=(9, 6), dpi=120)
    ax.plot(ok["gco2e_per_mtok"], ok["cost_usd_per_mtok"], "-o", color="tab:green")
    for r in ok.itertuples():
        ax.annotate(
            f"{r.point}: {r.label}",
            (r.gco2e_per_mtok, r.cost_usd_per_mtok),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
            parse_math=False,
        )
    ax.margins(x=0.1, y=0.08)
    ax.set_xlabel("carbon [gCO2e / Mtok] (operational + upstream + embodied)")
    ax.set_ylabel("cost [$ / Mtok]")
    ax.set_title(title, parse_math=False)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
