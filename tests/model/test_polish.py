"""Polishing a stopped solve's incumbent: no GPUs that serve nothing, no open site without load."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.highs import compile_to_highs
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from planner.model.polish import polish, served_by_site


def _bloated(inp, best, extra_blocks: int):
    """The optimum with ``extra_blocks`` more GPU blocks of every type at each open site and one
    more site opened that serves nothing: a plan a stopped branch and bound could return."""
    m = build_model(inp)
    opened = [s for s in inp.sites if pyo.value(best.site.open[s]) > 0.5]
    extra = next(s for s in inp.sites if s not in opened)
    for s in inp.sites:
        is_open = s in opened or s == extra
        m.site.open[s].fix(int(is_open))
        for c in inp.coolings:
            chosen = pyo.value(best.site.y[s, c]) > 0.5 if s in opened else c == inp.coolings[-1]
            m.site.y[s, c].fix(int(is_open and chosen))
        for g in inp.gpus:
            base = round(pyo.value(best.fleet.blocks[s, g]))
            m.fleet.blocks[s, g].fix(base + extra_blocks if s in opened else 0)
    for s, r, mod in m.demand.SK:
        if s == extra:
            m.demand.flow[s, r, mod].fix(0)
    return m, extra


def test_polish_drops_idle_gpus_and_closes_empty_sites(tiny, catalogs):
    inp = build_inputs(resolve_scenario(tiny, catalogs), catalogs)
    options = inp.scenario.solver
    best = build_model(inp)
    optimum = highs_solve(best, options).objective_value
    bloated, extra = _bloated(inp, best, extra_blocks=3)
    stopped = highs_solve(bloated, options)
    assert stopped.has_solution and stopped.objective_value > optimum

    model = build_model(inp)
    lp, columns, _ = compile_to_highs(model)
    values = {v.name: v.value for v in bloated.component_data_objects(pyo.Var)}
    incumbent = np.array([values[c.name] for c in columns], dtype=float)
    assert served_by_site(columns, incumbent).get(extra, 0.0) == 0.0

    polished = polish(lp, columns, incumbent, stopped.objective_value, options, min_sites=1)
    assert polished is not None
    assert optimum * (1 - 1e-9) <= polished.objective < stopped.objective_value
    plan = dict(zip((c.name for c in columns), polished.x))
    assert plan[f"site.open[{extra}]"] == 0  # the empty site is closed
    served = served_by_site(columns, polished.x)
    for s in inp.sites:
        if plan[f"site.open[{s}]"] > 0.5:
            assert served.get(s, 0.0) > 0  # every open site serves tokens
        for g in inp.gpus:
            assert plan[f"fleet.blocks[{s},{g}]"] <= values[f"fleet.blocks[{s},{g}]"]  # never more GPUs
    total = sum(plan[f"fleet.blocks[{s},{g}]"] for s in inp.sites for g in inp.gpus)
    assert total < sum(values[f"fleet.blocks[{s},{g}]"] for s in inp.sites for g in inp.gpus)


def test_polish_keeps_an_optimal_plan(tiny, catalogs):
    """An optimal incumbent has nothing to drop: polishing returns a plan of the same cost."""
    inp = build_inputs(resolve_scenario(tiny, catalogs), catalogs)
    options = inp.scenario.solver
    model = build_model(inp)
    out = highs_solve(model, options)
    lp, columns, _ = compile_to_highs(build_model(inp))
    values = {v.name: v.value for v in model.component_data_objects(pyo.Var)}
    incumbent = np.array([values[c.name] for c in columns], dtype=float)
    polished = polish(lp, columns, incumbent, out.objective_value, options, min_sites=1)
    assert polished is not None
    assert abs(polished.objective - out.objective_value) <= 1e-7 * abs(out.objective_value)
