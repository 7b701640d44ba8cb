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
from planner.model.lagrangian import (
    DUAL_SIMPLEX,
    _usable,
    block_highs,
    block_lps,
    lagrangian_bound,
    minimiser,
    site_blocks,
)
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
        found = lagrangian.certify(*args, **kwargs)
        bounds.append(found.bound)
        return found

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


def test_coupling_rows_are_those_touching_two_sites_or_a_site_less_column(hourly):
    """The vectorised search agrees with a row-by-row reading of the matrix."""
    inp, lp, columns, blocks = hourly
    owner = {}
    for s, cols in blocks.site_columns.items():
        owner.update(dict.fromkeys(cols.tolist(), s))
    m = blocks.matrix
    expected = [
        len({owner.get(j) for j in m.indices[m.indptr[i] : m.indptr[i + 1]]}) > 1
        or any(j not in owner for j in m.indices[m.indptr[i] : m.indptr[i + 1]])
        for i in range(m.shape[0])
    ]
    assert blocks.coupling.tolist() == expected


@pytest.fixture(scope="module")
def loopback():
    """A dask scheduler and two worker processes on 127.0.0.1 (one thread each)."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_site_lps_on_two_workers_give_the_same_bound(hourly, loopback):
    """The Lagrangian bound with its site LPs on a scheduler and two workers equals the serial one."""
    from dask.distributed import Client

    from planner.model.lagrangian import BlockSolver

    _, lp, _, blocks = hourly
    _, duals = _lp_relaxation(lp)
    serial = lagrangian_bound(lp, blocks, duals, threads=1)
    with Client(loopback) as client:
        parallel = lagrangian_bound(lp, blocks, duals, 1, BlockSolver(lp, blocks, 1, client))
    assert serial is not None and parallel is not None
    assert parallel[0] == pytest.approx(serial[0], rel=1e-12)
    assert parallel[1] == pytest.approx(serial[1], rel=1e-9, abs=1e-9)


def test_decomposition_on_a_scheduler_gives_the_same_plan(catalogs, loopback):
    """planner.solve against an existing scheduler (screening and site LPs on its two workers)
    returns the plan of the serial solve."""
    import planner
    from tests.helpers import TINY

    data = with_changes(TINY, {**HOURLY, "solver.mip_gap": 0.02, "solver.node_limit": 50})
    serial = planner.solve(data, catalogs=catalogs).summary
    parallel = planner.solve(data, catalogs=catalogs, scheduler=loopback).summary
    for key in ("status", "sites", "gpus"):
        assert parallel[key] == serial[key]
    assert parallel["objective_value"] == pytest.approx(serial["objective_value"], rel=1e-9)
    assert parallel["best_bound"] == pytest.approx(serial["best_bound"], rel=1e-9)


def test_a_stalled_block_is_solved_by_primal_simplex(hourly):
    """A site block whose dual simplex stops at its iteration cap (forced here with a cap of 1;
    met for real on a us_cfe_24x7_90 block that dual simplex cycled on) is solved again from
    scratch by primal simplex, to the same optimum, and the instance is left on dual simplex."""
    _, lp, _, blocks = hourly
    duals, _ = _usable(_lp_relaxation(lp)[1], lp, blocks)
    cost = np.asarray(lp.col_cost_, dtype=float) - blocks.matrix.T @ duals  # the bound's prices
    group, (cols, block) = next((g, p) for g, p in block_lps(lp, blocks).items() if g is not None)
    healthy = minimiser(block_highs(block, cost[cols]))
    h = block_highs(block, cost[cols])
    h.setOptionValue("presolve", "off")  # else presolve may solve the small block without simplex
    stalled = minimiser(h, iterations=1)
    assert healthy is not None and stalled is not None
    assert cost[cols] @ stalled == pytest.approx(cost[cols] @ healthy, rel=1e-9, abs=1e-9)
    assert h.getInfo().simplex_iteration_count > 1
    assert h.getOptionValue("simplex_strategy")[1] == DUAL_SIMPLEX
