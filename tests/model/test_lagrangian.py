"""The Lagrangian bound by site: valid for any multipliers, exact at the LP duals, and a plan
certified with it equals the monolithic MIP within the gap."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.highs import compile_to_highs
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from planner.model.lagrangian import lagrangian_bound, site_blocks
from tests.helpers import with_changes

HOURLY = {"time.mode": "representative_days", "time.days": 2, "solver.threads": 1}


@pytest.fixture(scope="module")
def hourly(catalogs):
    """The tiny scenario on 2 representative days: inputs, compiled arrays and site blocks."""
    from tests.helpers import TINY

    inp = build_inputs(resolve_scenario(with_changes(TINY, HOURLY), catalogs), catalogs)
    lp, columns, _ = compile_to_highs(build_model(inp))
    return inp, lp, columns, site_blocks(lp, columns, set(inp.sites))


def _lp_relaxation(lp: highspy.HighsLp) -> tuple[float, np.ndarray]:
    """Optimum of the LP relaxation and its row duals."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    n = lp.num_col_
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), [highspy.HighsVarType.kContinuous] * n)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value, np.asarray(h.getSolution().row_dual)


def test_only_a_few_rows_couple_the_sites(hourly):
    inp, lp, _, blocks = hourly
    assert 0 < blocks.coupling.sum() < 0.01 * lp.num_row_
    assert set(blocks.site_columns) == set(inp.sites)
    groups = blocks.groups()
    rows = np.concatenate([r for _, r in groups.values()])
    assert rows.size == (~blocks.coupling).sum() - (np.diff(blocks.matrix.indptr) == 0).sum()


def test_bound_is_exact_at_the_lp_duals(hourly):
    """Strong duality: with the full relaxation's duals, L(y) equals the LP optimum."""
    _, lp, _, blocks = hourly
    optimum, duals = _lp_relaxation(lp)
    bound, values = lagrangian_bound(lp, blocks, duals, threads=1)
    assert bound == pytest.approx(optimum, rel=1e-6)
    assert set(values) <= set(blocks.site_columns)


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_valid_for_any_multipliers(hourly, seed):
    """Weak duality: random multipliers never give a bound above the LP relaxation."""
    _, lp, _, blocks = hourly
    optimum, duals = _lp_relaxation(lp)
    rng = np.random.default_rng(seed)
    y = duals * rng.uniform(0.0, 2.0, duals.size) + rng.normal(0.0, 1.0, duals.size)
    found = lagrangian_bound(lp, blocks, y, threads=1)
    assert found is not None and found[0] <= optimum * (1 + 1e-9) + 1e-9


def test_certified_plan_equals_the_monolithic_mip_within_the_gap(catalogs, monkeypatch):
    """The hourly solve (warm start, site bound, branch and bound if needed) ends within the gap of
    the monolithic MIP optimum, and every site bound it computed is below that optimum."""
    from planner.model import lagrangian, warmstart
    from tests.helpers import TINY

    bounds: list[float] = []

    def spy(*args, **kwargs):
        bounds.append(lagrangian.certify(*args, **kwargs))
        return bounds[-1]

    monkeypatch.setattr(warmstart, "certify", spy)
    data = with_changes(TINY, {**HOURLY, "solver.mip_gap": 0.02})
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    mono = highs_solve(build_model(inp), inp.scenario.solver.model_copy(update={"mip_gap": 1e-6}))
    import planner

    summary = planner.solve(data).summary
    assert bounds and all(b <= mono.objective_value * (1 + 1e-7) for b in bounds)
    assert summary["status"] == "optimal"
    assert summary["best_bound"] <= mono.objective_value * (1 + 1e-7)
    assert summary["objective_value"] <= mono.objective_value * (1 + 0.02)
    assert 0 <= summary["mip_gap"] <= 0.02
