"""The site-loss rows in the decomposition by site: only the coverage rows couple sites, the
Lagrangian bound stays exact at the LP duals and valid for any multipliers, and the hourly solve
(warm start, site bound) ends within the gap of the monolithic MIP."""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.highs import compile_to_highs
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from planner.model.lagrangian import lagrangian_bound, site_blocks
from tests.helpers import TINY, with_changes
from tests.model.test_lagrangian import HOURLY, _lp_relaxation

COVERED = with_changes(TINY, {**HOURLY, "policy.site_loss_coverage": 0.5, "solver.mip_gap": 0.02})


@pytest.fixture(scope="module")
def covered(catalogs):
    inp = build_inputs(resolve_scenario(COVERED, catalogs), catalogs)
    lp, columns, _ = compile_to_highs(build_model(inp))
    return inp, lp, columns, site_blocks(lp, columns, set(inp.sites))


def test_only_the_coverage_rows_of_the_block_couple_sites(covered):
    inp, lp, columns, blocks = covered
    owned = {int(j) for cols in blocks.site_columns.values() for j in cols}
    names = [c.parent_component().name for c in columns]
    loss_cols = [j for j, n in enumerate(names) if n in ("site_loss.hold", "site_loss.backup")]
    assert loss_cols and all(j in owned for j in loss_cols)  # every new column has its site
    m = blocks.matrix.tocsc()
    loss_rows = {int(i) for j in loss_cols for i in m.indices[m.indptr[j] : m.indptr[j + 1]]}
    coupling = {i for i in loss_rows if blocks.coupling[i]}
    # rows per (lost site, stream) with another site in reach: 3 sites x 2 streams
    assert len(coupling) == len(inp.sites) * len(inp.streams)


def test_bound_stays_exact_and_valid_with_the_coverage_rows(covered):
    _, lp, _, blocks = covered
    optimum, duals = _lp_relaxation(lp)
    assert lagrangian_bound(lp, blocks, duals, threads=1)[0] == pytest.approx(optimum, rel=1e-6)
    rng = np.random.default_rng(0)
    for _ in range(3):
        y = duals * rng.uniform(0.0, 2.0, duals.size) + rng.normal(0.0, 1.0, duals.size)
        found = lagrangian_bound(lp, blocks, y, threads=1)
        assert found is not None and found[0] <= optimum * (1 + 1e-9) + 1e-9


def test_hourly_solve_with_coverage_matches_the_monolithic_mip(covered):
    inp = covered[0]
    mono = highs_solve(build_model(inp), inp.scenario.solver.model_copy(update={"mip_gap": 1e-6}))
    result = planner.solve(COVERED)
    summary = result.summary
    assert summary["best_bound"] <= mono.objective_value * (1 + 1e-7)
    assert summary["objective_value"] <= mono.objective_value * (1 + 0.02)
    shares = result.tables["site_loss"].groupby("lost_site_id")["share_together"].min()
    assert len(shares) >= 2 and shares.min() >= 0.5 - 1e-6
