"""One plan in one future: its investments fixed, its operation re-solved, unserved demand priced.

The future's model is the normal model (:func:`planner.model.build.build_model`) with the
evaluate-mode slack on each demand row (:func:`planner.model.demand.add_unserved`)::

    sum_s flow[s,k] + unserved[k] = demand[k]                          [Mtoken/s average]
    minimise  cost.total + sum_k price[model of k] * 31.536 * unserved[k]   [MUSD/yr], price in USD/Mtok

and the plan's investments fixed by bounds (lb = ub = the plan's value):

    site.open, site.y (cooling)               from tables/sites.csv (open, cooling_id)
    site.it_cap[s, cooling]                   tables/sites.csv it_mw [MW]; 0 under other coolings
    fleet.blocks[s, g]                        tables/fleet.csv blocks (GPU blocks; every other site/GPU 0)
    energy.cap[s, e], energy.modules[s, e]    tables/energy_capacity.csv capacity_mw [MW], modules
    energy.grid_cap[s]                        tables/sites.csv grid_connection_mw [MW]
    energy.st_power[s], st_energy[s]          battery rows: capacity_mw [MW], energy_mwh [MWh]
    redundancy.backup[s]                      summary.json sites_in_service backup_mw [MW]
                                              (at most the future's bound: none without a redundancy policy)

What stays free is operation: flows, GPU allocation to models, dispatch, grid imports, battery
cycling, and the time-to-power choices that depend on the future's dates (each site's online year,
bridge power). Sites of the future that the plan did not open stay closed. The objective is
always cost (the plan's cost in that future); the future's carbon price, if any, is in it.
A plan value outside a bound of the future (a smaller campus or grid MW available, a GPU or
technology not in its menu) is an InputError (exit 2) naming it; a plan the future cannot operate
even with demand unserved (a carbon cap, a hotter peak its firm capacity does not cover) is
infeasible: exit 3 with the limits it breaks (:func:`infeasible_message`), never a silent result.

One price for every model by default (a token is a token: the fixed fleet then serves the models
with the most tokens per GPU first, and leaves the tokens of the largest models unserved), or one
per model (``{"*": 10, "llama-3.1-405b": 40}``) to value a large model's tokens at their worth.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.catalogs.load import Catalogs
from planner.errors import InfeasibleError, InputError, NoSolutionError
from planner.scenario.schema import Scenario
from planner.studies.evaluate_read import Plan

UNSERVED_USD_PER_MTOK = 10.0
"""Default price of a million tokens left unserved [USD/Mtok]. Estimate (2026-12): about twice the
dearest per-model serving cost the planner reports (Llama 3.1 405B at about 4.7 $/Mtok all-in on the
default scenario, issue 22), so no plan looks better for leaving demand it could have built for, and
two orders of magnitude above the running cost of a GPU already installed (energy about 0.003 to
0.04 $/Mtok at 0.3 to 1 J/token and 30 to 150 $/MWh), so a fixed plan serves every token it can."""
Price = float | Mapping[str, float]
"""Price of unserved demand [USD/Mtok]: one for every model, or per served model id (key ``*``: the
others; absent: :data:`UNSERVED_USD_PER_MTOK`)."""
TOL = 1e-6
"""Bound tolerance when checking a plan value against the future's variable bounds [model units]."""


@dataclass
class Evaluation:
    """A plan operated in a future: the solved result, unserved demand per stream and the headline.

    ``result.summary`` and ``result.tables`` are this evaluation's; ``result.model`` is the
    future's model, which the next plan evaluated in that future re-uses (its values change)."""

    plan: Plan
    future: str
    result: Any  # planner.api.SolveResult of the future's model
    unserved: pd.DataFrame
    row: dict[str, Any]


@dataclass
class FutureModel:
    """One future's model, built once and reused for every plan evaluated in it: a plan is set by
    the investment variables' bounds (:func:`fix_plan`), checked against the bounds the model was
    built with (``built``), so the next plan replaces them."""

    name: str
    scenario: Scenario
    inputs: Any  # planner.model.inputs.ModelInputs
    model: pyo.ConcreteModel
    price: dict[str, float]  # unserved demand per served model [USD/Mtok]
    build_s: float
    built: Any = None  # ComponentMap: investment variable -> (lb, ub) as built

    @classmethod
    def build(
        cls, future: Scenario, catalogs: Catalogs, name: str = "future", price: Price = UNSERVED_USD_PER_MTOK
    ) -> FutureModel:
        """The future's model with the unserved-demand slack at ``price`` [USD/Mtok] (:func:`model_prices`),
        cost objective. Raises InputError for a bad price or a phased future (``demand.growth``)."""
        from planner.model.build import build_model
        from planner.model.inputs import build_inputs

        t0 = time.perf_counter()
        if future.demand.growth:
            raise InputError(
                f"future '{name}': demand.growth (a phased plan) cannot be evaluated; set demand.growth={{}}"
            )
        scn = future.model_copy(update={"objective": "cost"})
        inp = build_inputs(scn, catalogs)
        if not isinstance(price, (int, float)):  # ids checked against the scenario's models before
            price = {k: v for k, v in price.items() if k == "*" or k in inp.models}
        prices = model_prices(price, inp.models)
        m = build_model(inp, objective="cost", unserved_usd_per_mtok=prices)
        return cls(name, scn, inp, m, prices, time.perf_counter() - t0)


def model_prices(price: Price, models: list[str]) -> dict[str, float]:
    """The price [USD/Mtok] of each served model of a future; InputError for a negative or non-finite
    price or a model id the future does not serve (naming those it does)."""
    spec = {"*": float(price)} if isinstance(price, (int, float)) else dict(price)
    unknown = sorted(set(spec) - {"*", *models})
    if unknown:
        raise InputError(
            f"unserved cost for {', '.join(unknown)}: not a served model of the future; "
            f"served models: {', '.join(models)}"
        )
    out = {mod: float(spec.get(mod, spec.get("*", UNSERVED_USD_PER_MTOK))) for mod in models}
    bad = {
        k: v for k, v in spec.items() if not (isinstance(v, (int, float)) and 0 <= float(v) < float("inf"))
    }
    if bad:
        key, value = next(iter(bad.items()))
        raise InputError(f"unserved cost {key}={value!r} USD/Mtok: must be a finite number >= 0")
    return out


def evaluate_plan(
    plan: Plan,
    future: Scenario | FutureModel,
    catalogs: Catalogs | None = None,
    *,
    name: str = "future",
    unserved_usd_per_mtok: Price = UNSERVED_USD_PER_MTOK,
    log_path: Path | None = None,
) -> Evaluation:
    """Fix ``plan``'s investments in the model of ``future`` and solve its operation (module docstring).

    ``future``: a resolved scenario (its model is built here, with ``name``, ``unserved_usd_per_mtok``
    and ``catalogs``), or a :class:`FutureModel` built before (reused across plans).

    Raises InputError (the plan does not fit the future's menus or bounds, or a phased future),
    InfeasibleError (it cannot operate there), NoSolutionError (no solution within the time limit).
    """
    from planner.api import SolveResult, extract_tables, summarize
    from planner.catalogs.load import load_catalogs
    from planner.model.highs import solve as highs_solve

    t0 = time.perf_counter()
    if not isinstance(future, FutureModel):
        future = FutureModel.build(future, catalogs or load_catalogs(), name, unserved_usd_per_mtok)
    fm, build_s = future, future.build_s
    future.build_s = 0.0  # counted once, by the first plan evaluated in it
    scn, inp, m = fm.scenario, fm.inputs, fm.model
    fix_plan(m, inp, plan, fm.name, fm)
    outcome = highs_solve(m, scn.solver, log_path)
    if outcome.status in ("infeasible", "unbounded") or (
        outcome.status == "optimal" and not outcome.has_solution
    ):
        raise InfeasibleError(infeasible_message(inp, plan, fm.name, fm.price))
    if not outcome.has_solution:
        raise NoSolutionError(
            f"plan {plan.name} in future '{fm.name}': no solution before the solver stopped "
            f"({outcome.status}); raise --time-limit"
        )
    t_extract = time.perf_counter()
    tables = extract_tables(m, inp)
    summary = summarize(scn, inp, m, outcome, tables)
    unserved = unserved_table(m, inp, fm.price)
    row = headline(plan, fm.name, summary, unserved)
    summary["evaluation"] = {**row, "plan_dir": str(plan.path), "unserved_usd_per_mtok": fm.price}
    summary["timings"] = {
        "build_s": round(build_s, 3),
        "handoff_s": round(outcome.handoff_s, 3),
        "solve_s": round(outcome.solve_s, 3),
        "screening_s": 0.0,
        "extract_s": round(time.perf_counter() - t_extract, 3),
        "total_s": round(build_s + time.perf_counter() - t0, 3),
    }
    result = SolveResult(scn, outcome.status, summary, tables, inp, m, outcome)
    return Evaluation(plan, fm.name, result, unserved, row)


def infeasible_message(inp: Any, plan: Plan, future: str, price: dict[str, float]) -> str:
    """Why ``plan`` cannot operate in ``future`` even with demand unserved: the elastic model (every
    limit a priced slack, :mod:`planner.model.explain`) with the plan fixed and the same unserved
    slack, so demand is dropped before a limit is exceeded; the limits it still exceeds are named."""
    from planner.model.build import build_model
    from planner.model.explain import limit_lines
    from planner.model.highs import solve as highs_solve

    m = build_model(inp, objective="cost", elastic=True, unserved_usd_per_mtok=price)
    fix_plan(m, inp, plan, future)
    options = inp.scenario.solver
    outcome = highs_solve(m, options.model_copy(update={"mip_gap": max(options.mip_gap, 0.05)}))
    lines = limit_lines(m, inp) if outcome.has_solution else []
    head = f"plan {plan.name} cannot operate in future '{future}' even with demand unserved"
    if not lines:
        return f"{head}: its fixed plant, grid tie or IT breaks a limit there (grid, firm capacity, policy)"
    return head + ":\n" + "\n".join(dict.fromkeys(lines))


def fix_plan(m: pyo.ConcreteModel, inp: Any, plan: Plan, future: str, fm: FutureModel | None = None) -> None:
    """Fix every investment variable of ``m`` at ``plan``'s value by its bounds (module docstring);
    InputError when the plan uses a site, cooling, GPU or technology the future lacks, or exceeds
    one of its bounds (as built: ``fm.built``, recorded on the first call, when ``m`` is reused)."""
    from pyomo.common.collections import ComponentMap

    _check_menus(inp, plan, future)
    built = ComponentMap() if fm is None else fm.built
    if fm is not None and built is None:
        built = fm.built = ComponentMap()

    def _fix(var: Any, value: float, plan: Plan, future: str, what: str) -> None:
        if var not in built:
            built[var] = (var.lb, var.ub)
        _fix_within(var, built[var], value, plan, future, what)

    for s in inp.sites:
        cool = plan.cooling.get(s)
        _fix(m.site.open[s], 1.0 if cool else 0.0, plan, future, f"site {s} open")
        for c in inp.coolings:
            _fix(m.site.y[s, c], 1.0 if c == cool else 0.0, plan, future, f"site {s} cooling {c}")
            it = plan.it_mw[s] if c == cool else 0.0
            _fix(m.site.it_cap[s, c], it, plan, future, f"site {s} IT capacity [MW] (campus_mw_max)")
        for g in inp.gpus:
            _fix(m.fleet.blocks[s, g], plan.blocks.get((s, g), 0), plan, future, f"site {s} {g} GPU blocks")
        for e in inp.generators:
            mw = plan.generation_mw.get((s, e), 0.0)
            _fix(m.energy.cap[s, e], mw, plan, future, f"site {s} {e} capacity [MW]")
            if hasattr(m.energy, "modules") and (s, e) in m.energy.modules:
                mods = plan.modules.get((s, e), round(mw / inp.module_mw[e]))
                _fix(m.energy.modules[s, e], mods, plan, future, f"site {s} {e} modules")
        _fix(m.energy.grid_cap[s], plan.grid_mw.get(s, 0.0), plan, future, f"site {s} grid connection [MW]")
        if inp.storage:
            _fix(m.energy.st_power[s], plan.battery_mw.get(s, 0.0), plan, future, f"site {s} battery [MW]")
            _fix(m.energy.st_energy[s], plan.battery_mwh.get(s, 0.0), plan, future, f"site {s} battery [MWh]")
        backup = m.redundancy.backup[s]
        if backup not in built:
            built[backup] = (backup.lb, backup.ub)
        top = built[backup][1]
        kept = min(plan.backup_mw.get(s, 0.0), top if top is not None else float("inf"))
        _fix(backup, kept, plan, future, f"site {s} backup gensets [MW]")


def _check_menus(inp: Any, plan: Plan, future: str) -> None:
    """The plan's sites, coolings, GPUs and technologies must all be in the future's model."""
    missing = []
    for s, c in plan.cooling.items():
        if s not in inp.sites:
            missing.append(f"site {s} (not a candidate site; check sites.include/exclude and filters)")
        elif c not in inp.coolings:
            missing.append(f"cooling {c} at {s} (technologies.cooling)")
    missing += [f"GPU {g} (technologies.gpus)" for g in sorted({g for _, g in plan.blocks} - set(inp.gpus))]
    techs = sorted({e for (_, e), mw in plan.generation_mw.items() if mw > 0} - set(inp.generators))
    missing += [f"energy technology {e} (technologies.energy)" for e in techs]
    if any(mw > 0 for mw in plan.battery_mw.values()) and not inp.storage:
        missing.append(
            "battery (modelled only with time.mode=representative_days and battery in technologies.energy)"
        )
    if missing:
        raise InputError(
            f"plan {plan.name} ({plan.path}) does not fit future '{future}': the future lacks "
            + "; ".join(dict.fromkeys(missing))
        )


def _fix_within(
    var: Any, bounds: tuple[float | None, float | None], value: float, plan: Plan, future: str, what: str
) -> None:
    """Fix ``var`` at ``value`` by its bounds (lb = ub); InputError if the value lies outside the
    future's ``bounds`` (beyond a relative :data:`TOL`; within it, the value is moved onto the bound)."""
    lb, ub = bounds
    if (ub is not None and value > ub + TOL * max(1.0, abs(ub))) or (lb is not None and value < lb - TOL):
        raise InputError(
            f"plan {plan.name} does not fit future '{future}': {what} is {value:,.6g}, "
            f"outside the future's bounds [{_bound(lb, '-inf')}, {_bound(ub, 'inf')}]"
        )
    value = min(max(value, lb if lb is not None else value), ub if ub is not None else value)
    var.setlb(value)  # bounds, not Var.fix: a fixed variable is a constant to the compiler, which then
    var.setub(value)  # rejects a row off by one rounding ulp; as bounds HiGHS' tolerance applies


def _bound(x: float | None, none: str) -> str:
    return none if x is None else f"{x:,.6g}"


def unserved_table(m: pyo.ConcreteModel, inp: Any, price_usd_per_mtok: dict[str, float]) -> pd.DataFrame:
    """Per demand stream (region, model): demand, served and unserved tokens/s [tokens/s, averages]
    and the cost of the unserved tokens [USD/yr]::

        unserved_cost = unserved [Mtok/s] * 8760 * 3600 [s/yr] * price[model] [USD/Mtok]
    """
    from planner.model.demand import SECONDS_PER_YEAR

    rows = []
    for r, mod in inp.streams:
        gap = max(pyo.value(m.demand.unserved[r, mod]), 0.0)
        demand = inp.demand[r, mod]
        rows.append(
            {
                "region_id": r,
                "model_id": mod,
                "demand_tokens_per_s": demand * 1e6,
                "served_tokens_per_s": (demand - gap) * 1e6,
                "unserved_tokens_per_s": gap * 1e6,
                "unserved_share": gap / demand if demand > 0 else 0.0,
                "unserved_cost_usd": gap * SECONDS_PER_YEAR * price_usd_per_mtok[mod],
            }
        )
    return pd.DataFrame(rows)


def headline(plan: Plan, future: str, summary: dict[str, Any], unserved: pd.DataFrame) -> dict[str, Any]:
    """One row of the evaluation table: the plan's cost in the future [USD/yr], unserved tokens/s and
    their cost [USD/yr], total = cost + unserved cost [USD/yr], and $/Mtok of the demand served."""
    cost = float(summary["annualized_cost_usd"])
    lost = float(unserved["unserved_cost_usd"].sum())
    return {
        "plan": plan.name,
        "future": future,
        "status": summary["status"],
        "sites": ";".join(plan.sites),
        "planned_cost_usd": plan.planned_cost_usd,
        "annualized_cost_usd": cost,
        "unserved_tokens_per_s": float(unserved["unserved_tokens_per_s"].sum()),
        "unserved_cost_usd": lost,
        "total_cost_usd": cost + lost,
        "demand_tokens_per_s": float(unserved["demand_tokens_per_s"].sum()),
        "served_tokens_per_s": float(unserved["served_tokens_per_s"].sum()),
        "cost_usd_per_mtok": summary.get("cost_usd_per_mtok"),
        "gco2e_per_mtok": summary.get("gco2e_per_mtok"),
        "emissions_t_per_yr": summary.get("emissions_t_per_yr"),
        "gap": summary.get("mip_gap"),
    }
