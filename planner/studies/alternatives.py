"""Near-optimal alternatives ("modelling to generate alternatives", MGA).

The optimum is one of many plans the inputs cannot tell apart. After it, each new plan
maximises its smallest distance to the plans found so far in a decision space (sites open,
MW per energy technology, GPUs per type, IT MW per cooling, or all four), with the scenario's
objective (cost, or carbon for a carbon scenario) within ``(1 + slack) x`` its optimum
(:mod:`planner.studies.alternatives_space`, the max-min form of Calliope's SPORES / PyPSA's MGA).

Design (:mod:`planner.studies.alternatives_search`): the search runs on the annual model (an
hourly scenario's annual screening variant) with only the site, cooling and MGA binaries integer,
its slack relative to its own optimum in that relaxation; every alternative is then re-solved on
the scenario itself (hourly on representative days if the scenario is) with its sites and cooling
fixed and the investment of the chosen space kept as lower bounds, and is **verified** when that
solve's objective is within ``(1 + slack)`` of the optimum's own solve. An alternative that is
not is reported with the reason and not counted. Solves run on Dask (the engine of
:mod:`planner.studies.sweep`): the optimum at once, each alternative's verification as soon as the
search has found it.

Output directory::

    DIR/alternatives.csv, .parquet   one row per plan (the optimum first; see :func:`plan_row`)
    DIR/ranges.csv                   per site, technology, GPU type and cooling: min, max, plans
    DIR/alternatives.png             IT MW per site, MW per technology and GPUs per type, per plan
    DIR/plans/<k>-<kind>/            one run directory per solved plan (as ``planner solve``)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InputError, PlannerError
from planner.results.cells import inert_frame
from planner.scenario.schema import Scenario
from planner.studies.alternatives_search import PlanFix, SearchModel, verify_point
from planner.studies.alternatives_space import SPACES, Plan, distance, plan_from_tables, ranges, scales
from planner.studies.sweep import PointResult, check_cluster, dask_client

MAX_COUNT = 50
"""Most alternatives one run may search."""
TOLERANCE = 1e-9
"""Relative tolerance of the slack check (floating-point noise of the objective) [-]."""
Say = Callable[[str], None]


@dataclass
class AlternativesResult:
    """``table``: one row per plan (optimum first); ``ranges``: min/max per item across the
    optimum and the verified alternatives (:func:`planner.studies.alternatives_space.ranges`);
    ``notes``: what the search and the verification said (e.g. why it stopped early)."""

    table: pd.DataFrame
    ranges: pd.DataFrame
    notes: list[str]
    plans: dict[int, Plan]


def check_args(slack: float, count: int, space: str) -> None:
    """Refuse a slack outside (0, 1], a count outside 1..MAX_COUNT, an unknown space."""
    if not 0.0 < slack <= 1.0:
        raise InputError(
            f"--slack {slack:g}: must be above 0 and at most 1 (a share of the optimum, e.g. 0.02)"
        )
    if not 1 <= count <= MAX_COUNT:
        raise InputError(f"--count {count}: must be 1 to {MAX_COUNT} (alternatives after the optimum)")
    if space not in (*SPACES, "all"):
        raise InputError(f"--space {space}: unknown; allowed: {', '.join((*SPACES, 'all'))}")


def alternatives(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    *,
    slack: float = 0.02,
    count: int = 6,
    space: str = "sites",
    out: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    catalogs: Catalogs | None = None,
    say: Say | None = None,
) -> AlternativesResult:
    """The optimum and up to ``count`` near-optimal alternatives within ``slack`` of it in
    ``space`` (``sites``, ``energy``, ``gpus``, ``cooling`` or ``all``).

    Runs here unless ``scheduler`` or ``workers`` is given (then on Dask). ``out`` (must not
    exist) receives the tables, the chart and a run directory per plan. ``say`` gets a line per
    stage. Raises InputError / InfeasibleError / NoSolutionError when the optimum cannot be solved.
    """
    from planner.api import resolve_scenario, scenario_data
    from planner.results.rundir import check_new
    from planner.studies.pareto import clear_cache
    from planner.studies.sweep import raise_for

    check_args(slack, count, space)
    check_cluster(scheduler, workers)
    catalogs = catalogs or load_catalogs()
    scn = resolve_scenario(scenario, catalogs, overrides)
    if out is not None:
        check_new(out)
    say = say or (lambda _: None)
    data = scenario_data(scn)
    use_dask = scheduler is not None or workers is not None
    failed: PlannerError | None = None
    try:
        with dask_client(scheduler, workers or 2) if use_dask else contextlib.nullcontext() as client:
            jobs = [_submit(client, 0, data, None)]
            say("search: the annual optimum")
            try:
                searched, notes = _search(
                    scn,
                    catalogs,
                    slack,
                    count,
                    space,
                    say,
                    lambda: _result(jobs[0], 0),
                    lambda k, fix: jobs.append(_submit(client, k, data, fix)),
                )
            except PlannerError as exc:  # the optimum's own solve explains an infeasible scenario best
                searched, notes, failed = {}, [], exc
            say("verifying: waiting for the solves")
            points = {p.index: p for p in (_result(job, k) for k, job in enumerate(jobs))}
    finally:
        clear_cache()
    raise_for(points[0])
    if failed is not None:
        raise failed
    table, plans = _table(points, searched, slack, space)
    kept = [plans[k] for k in table.loc[table["verified"], "id"] if k in plans]
    notes += _verification_notes(table, slack)
    result = AlternativesResult(table, ranges(kept), notes, plans)
    if out is not None:
        from planner.results.rundir import staging

        with staging(out) as tmp:  # the whole directory appears at once, or not at all
            _write(tmp, result, points, scn.name, slack)
    return result


def _search(
    scn: Scenario,
    catalogs: Catalogs,
    slack: float,
    count: int,
    space: str,
    say: Say,
    optimum: Callable[[], PointResult],
    found_one: Callable[[int, PlanFix], None],
) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """The MGA search on the annual model; ``found_one(k, fix)`` is called as each alternative is
    found. The plans to keep away from start with the search model's optimum and the optimum's
    own solve (``optimum()`` waits for it; an hourly optimum may site differently). Returns per
    plan index its search objective and distance, and notes."""
    search = SearchModel.build(scn, catalogs)
    best, plan0 = search.optimum()
    norm, found = scales(plan0), [plan0]
    say("search: waiting for the optimum's own solve")
    first = optimum()
    if first.summary is not None and first.tables:
        solved = plan_from_tables(first.tables)
        if distance(solved, plan0, space, norm) > 1e-6:
            found.append(solved)
    budget = best + slack * abs(best)
    searched: dict[int, dict[str, Any]] = {
        0: {"search_objective": best, "search_distance": 0.0, "search_sites": ";".join(sorted(plan0.sites))}
    }
    notes: list[str] = []
    for k in range(1, count + 1):
        say(f"search: alternative {k} of {count}")
        nxt = search.next(found, space, norm, budget)
        if nxt is None or min(distance(nxt[0], f, space, norm) for f in found) < 1e-6:
            nxt = search.next_site_set(found, space, budget)
            if nxt is None or min(distance(nxt[0], f, space, norm) for f in found) < 1e-6:
                notes.append(
                    f"search stopped after {k - 1} alternative(s): neither the MGA solve "
                    f"({scn.solver.time_limit_s:g} s time limit) nor the cheapest new site set "
                    f"found a plan within the slack that differs in {space}"
                )
                break
            notes.append(
                f"alternative {k}: the MGA solve did not move from its start in "
                f"{scn.solver.time_limit_s:g} s; the cheapest plan with a new site set taken instead"
            )
        plan, fix, objective, z = nxt
        gap = min(distance(plan, f, space, norm) for f in found)
        found.append(plan)
        searched[k] = {
            "search_objective": objective,
            "search_distance": gap,
            "search_z": z,
            "search_sites": ";".join(sorted(plan.sites)),
        }
        found_one(k, fix)
    return searched, notes


def _submit(client: Any, index: int, data: dict[str, Any], fix: PlanFix | None) -> Any:
    """Start one solve: a dask future, or (no client) the finished :class:`PointResult`."""
    if client is None:
        return verify_point(index, data, fix)
    return client.submit(verify_point, index, data, fix, pure=False)


def _result(job: Any, index: int) -> PointResult:
    """A submitted solve's :class:`PointResult` (a task that died is an ``error`` result)."""
    if isinstance(job, PointResult):
        return job
    try:
        return job.result()
    except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the plan's row says so
        return PointResult(index, "error", f"{type(exc).__name__}: {exc}")


def _mix(values: Mapping[str, float], fmt: str = ",.0f") -> str:
    """``{"ngcc": 1200.4, "grid": 300}`` -> ``"ngcc 1,200; grid 300"`` (largest first)."""
    return "; ".join(
        f"{k} {format(v, fmt)}" for k, v in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def plan_row(point: PointResult, plan: Plan | None, ref: Mapping[str, Any], slack: float) -> dict[str, Any]:
    """One row of ``alternatives.csv``: id, kind, status, verified and note; sites, MW per
    technology, GPUs per type and IT MW per cooling (as text and as ``mw_*``/``gpus_*`` columns);
    objective, cost and carbon with their deltas to the optimum [%], $/Mtok, gCO2e/Mtok, gap."""
    s = point.summary
    row: dict[str, Any] = {"id": point.index, "kind": "optimum" if point.index == 0 else "alternative"}
    if s is None or plan is None:
        message = " ".join(point.message.split())
        return row | {"status": point.status, "verified": False, "note": f"its own solve failed: {message}"}
    obj, ref_obj = s["objective_value"], ref["objective_value"]
    limit = ref_obj + slack * abs(ref_obj)
    ok = point.index == 0 or obj <= limit + TOLERANCE * abs(ref_obj)
    note = (
        ""
        if ok
        else f"re-solved objective {obj / ref_obj - 1:+.2%} is beyond the slack {slack:.2%}: not counted"
    )
    row |= {
        "status": s["status"],
        "verified": ok,
        "note": note,
        "sites": ";".join(sorted(plan.sites)),
        "n_sites": len(plan.sites),
        "energy_mw": _mix(plan.energy),
        "gpu_mix": _mix(plan.gpus),
        "cooling_it_mw": _mix(plan.cooling, ",.1f"),
        "objective_value": obj,
        "annualized_cost_usd": s["annualized_cost_usd"],
        "cost_delta_pct": 100 * (s["annualized_cost_usd"] / ref["annualized_cost_usd"] - 1),
        "emissions_t_per_yr": s["emissions_t_per_yr"],
        "carbon_delta_pct": 100 * (s["emissions_t_per_yr"] / ref["emissions_t_per_yr"] - 1)
        if ref["emissions_t_per_yr"]
        else None,
        "cost_usd_per_mtok": s["cost_usd_per_mtok"],
        "gco2e_per_mtok": s["gco2e_per_mtok"],
        "gap": s.get("mip_gap"),
    }
    return (
        row | {f"mw_{k}": v for k, v in plan.energy.items()} | {f"gpus_{k}": v for k, v in plan.gpus.items()}
    )


def _table(
    points: Mapping[int, PointResult], searched: Mapping[int, Mapping[str, Any]], slack: float, space: str
) -> tuple[pd.DataFrame, dict[int, Plan]]:
    """The rows of every plan and the re-solved plans; ``distance``: the smallest distance of a
    plan to the plans before it in ``space`` (normalised by the optimum, see
    :mod:`planner.studies.alternatives_space`)."""
    plans = {k: plan_from_tables(p.tables) for k, p in points.items() if p.summary is not None and p.tables}
    ref, norm = points[0].summary or {}, scales(plans[0])
    rows = []
    for k in sorted(points):
        row = plan_row(points[k], plans.get(k), ref, slack)
        earlier = [plans[j] for j in plans if j < k]
        row["distance"] = (
            min(distance(plans[k], p, space, norm) for p in earlier) if k in plans and earlier else None
        )
        rows.append(row | dict(searched.get(k, {})))
    table = pd.DataFrame(rows)
    for col in [c for c in table.columns if c.startswith(("mw_", "gpus_"))]:
        table[col] = (
            table[col].fillna(0.0).where(table["status"].isin(("optimal", "time_limit", "node_limit")))
        )
    return table, plans


def _verification_notes(table: pd.DataFrame, slack: float) -> list[str]:
    """How many alternatives were verified, and how many distinct site sets the verified plans have."""
    alts = table[table["kind"] == "alternative"]
    kept = table[table["verified"]]
    return [
        f"{int(alts['verified'].sum())} of {len(alts)} alternative(s) verified within {slack:.1%} of the "
        f"optimum by their own solve; {kept['sites'].nunique()} distinct site set(s) among the "
        f"{len(kept)} verified plan(s) (optimum included)"
    ]


def _write(
    out: Path, result: AlternativesResult, points: Mapping[int, PointResult], name: str, slack: float
) -> None:
    """Run directories, tables and the chart under ``out``."""
    from planner.studies.alternatives_plot import plot_alternatives

    table = result.table
    from planner.studies.pareto import write_run_dirs

    out.mkdir(parents=True, exist_ok=True)
    table["run_dir"] = write_run_dirs(out, "plans", table["id"], table["kind"], points)
    inert_frame(table).to_csv(out / "alternatives.csv", index=False)
    table.to_parquet(out / "alternatives.parquet", index=False)
    inert_frame(result.ranges).to_csv(out / "ranges.csv", index=False)
    plot_alternatives(
        table, result.plans, out / "alternatives.png", f"{name}: plans within {slack:.1%} of the optimum"
    )
