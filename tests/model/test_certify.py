"""The hourly warm start after screening: closed sites leave the fixed-site LPs without changing
them, the Lagrangian certificate brackets the LP relaxation, the full LP relaxation is solved
only when it could certify the plan, and a second plan comes from the restricted LP's sites."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.api import resolve_scenario
from planner.model import warmstart
from planner.model.build import build_model
from planner.model.highs import compile_to_highs
from planner.model.inputs import build_inputs
from planner.model.lagrangian import Certificate, certify, site_blocks
from planner.model.relaxation import Relaxation, column_bounds
from tests.helpers import TINY, highs_optimum, with_changes

HOURLY = {"time.mode": "representative_days", "time.days": 2, "solver.threads": 1, "solver.mip_gap": 0.02}


@pytest.fixture(scope="module")
def hourly_model(catalogs):
    """The tiny scenario on 2 representative days and its Pyomo model (kept alive here: the
    compiled columns refer to their model only weakly)."""
    scn = resolve_scenario(with_changes(TINY, HOURLY), catalogs)
    return scn, build_model(build_inputs(scn, catalogs))


@pytest.fixture(scope="module")
def hourly(hourly_model):
    """The tiny scenario on 2 representative days: solver options, compiled arrays, columns."""
    scn, model = hourly_model
    lp, columns, _ = compile_to_highs(model)
    return scn.solver, lp, columns


@pytest.mark.parametrize(
    "cooling", [{"abilene_tx": "dlc"}, {"loudoun_va": "air"}, {"abilene_tx": "air", "new_albany_oh": "dlc"}]
)
def test_closing_a_sites_columns_leaves_the_fixed_site_lp_unchanged(hourly, cooling):
    """A closed site builds and runs nothing: fixing all its columns at 0 (restrict) gives the LP
    optimum of fixing only its binaries, and every closed site's column is fixed at 0."""
    options, lp, columns = hourly
    cols = warmstart.index_columns(columns)
    relaxation = Relaxation(lp, options, None)
    lower, upper = column_bounds(lp)
    binaries_only = lower.copy(), upper.copy()
    warmstart.fix_sites(*binaries_only, cols, cooling, list(cooling))
    assert relaxation.solve(*binaries_only) is not None
    expected = relaxation.objective
    relaxation.h.clearSolver()
    lo, up = warmstart.restrict(lower, upper, cols, cooling, list(cooling))
    assert relaxation.solve(lo, up) is not None
    assert relaxation.objective == pytest.approx(expected, rel=1e-7)
    closed = np.concatenate([idx for s, idx in cols.own.items() if s not in cooling])
    assert closed.size and (lo[closed] == 0).all() and (up[closed] == 0).all()
    assert (lower == np.asarray(lp.col_lower_)).all()  # the caller's bounds are copied, not changed


def test_certificate_brackets_the_lp_relaxation(hourly):
    """bound <= LP relaxation <= restricted LP; with gap 0 the rounds run until no site is
    profitable, and then the bound, the restricted LP and the LP relaxation coincide."""
    options, lp, columns = hourly
    optimum, _ = highs_optimum(lp, relaxed=True)
    blocks = site_blocks(lp, columns, set(warmstart.index_columns(columns).open))
    relaxation = Relaxation(lp, options, None)
    first = certify(relaxation, lp, blocks, {"loudoun_va"}, 1e9, 0.0, 1, rounds=1)
    assert first.bound <= optimum * (1 + 1e-9) <= first.restricted * (1 + 2e-9)
    found = certify(relaxation, lp, blocks, {"loudoun_va"}, 1e9, 0.0, 1)
    assert found.bound == pytest.approx(optimum, rel=1e-6)
    assert found.restricted == pytest.approx(optimum, rel=1e-6)
    assert found.x is not None and found.x.size == lp.num_col_


def _spy_relaxation_bound(monkeypatch) -> list[float]:
    """Record the calls of the full LP relaxation bound in the warm start."""
    calls: list[float] = []
    full = warmstart._relaxation_bound

    def spy(relaxation, lp, bound):
        calls.append(bound)
        return full(relaxation, lp, bound)

    monkeypatch.setattr(warmstart, "_relaxation_bound", spy)
    return calls


@pytest.mark.parametrize("share, called", [(0.5, False), (1.0, True)])
def test_full_relaxation_only_when_it_could_certify(hourly, monkeypatch, share, called):
    """The restricted LP's objective bounds the LP relaxation from above: the full LP is solved
    when that objective is within the gap of the plan (share 1.0: equal to it), never when it is
    outside (share 0.5: half the plan's cost), whatever the Lagrangian bound."""
    options, lp, columns = hourly
    calls = _spy_relaxation_bound(monkeypatch)
    plan: list[float] = []

    def stub(relaxation, lp, blocks, start, objective, *args, **kwargs):
        plan.append(objective)
        return Certificate(-math.inf, share * objective, None)

    monkeypatch.setattr(warmstart, "certify", stub)
    start = warmstart.relax_and_round(
        lp, columns, options, 1, None, screening=warmstart.Screening({"abilene_tx": "dlc"})
    )
    assert start is not None and len(plan) == 1
    assert bool(calls) is called
    optimum, _ = highs_optimum(lp, relaxed=True)
    assert start.bound == (pytest.approx(optimum, rel=1e-7) if called else -math.inf)


def test_a_poor_screening_is_replaced_by_the_restricted_lps_sites(hourly, monkeypatch):
    """The screened site (new_albany_oh with air cooling: 13.0 MUSD/yr) is 80% above the optimum;
    when the certificate's restricted LP uses the optimum's site and cooling, the second plan is
    kept: the MIP optimum (by monolithic HiGHS), with the bound still below it."""
    options, lp, columns = hourly
    mip, x_best = highs_optimum(lp, relaxed=False)

    def stub(*args, **kwargs):
        return Certificate(-math.inf, math.inf, x_best)

    monkeypatch.setattr(warmstart, "certify", stub)
    screened = warmstart.Screening({"new_albany_oh": "air"})
    start = warmstart.relax_and_round(lp, columns, options, 1, None, screening=screened)
    assert start is not None
    assert start.objective == pytest.approx(mip, rel=1e-6)
    assert start.bound <= mip * (1 + 1e-9)
    monkeypatch.setattr(warmstart, "certify", lambda *a, **k: Certificate(-math.inf))
    alone = warmstart.relax_and_round(lp, columns, options, 1, None, screening=screened)
    assert alone is not None and alone.objective > 1.5 * mip


@pytest.mark.parametrize("cooling", [{"abilene_tx": "dlc"}, {"loudoun_va": "dlc", "new_albany_oh": "dlc"}])
def test_counts_at_fixed_sites_come_from_the_fixed_site_mip(catalogs, cooling):
    """Step 4 returns the fixed-site MIP's optimum (monolithic HiGHS with the same sites and
    coolings fixed, to the relaxation's gap of mip_gap / 2), below rounding when whole 72-GPU
    racks are few (measured at Abilene: rounded 7.73, MIP 6.64 MUSD/yr before the session-8 merges;
    after them, with more tokens/s per rack and the year's hottest hour sizing the plant: rounded
    6.50 / 10.54, MIP 6.28 / 10.32 MUSD/yr for the two coolings)."""
    scn = resolve_scenario(with_changes(TINY, HOURLY | {"technologies.gpus": ["B200", "GB300"]}), catalogs)
    model = build_model(build_inputs(scn, catalogs))
    lp, columns, _ = compile_to_highs(model)
    cols = warmstart.index_columns(columns)
    lower, upper = warmstart.restrict(*column_bounds(lp), cols, cooling, list(cooling))
    relaxation = Relaxation(lp, scn.solver, None)
    x = relaxation.solve(lower, upper)
    rounded = warmstart._rounded(relaxation, lower, upper, cols, x)
    plan = warmstart._round_counts(relaxation, lower, upper, cols, x)
    exact, _ = highs_optimum(lp, relaxed=False, bounds=(lower, upper))
    assert exact * (1 - 1e-9) <= plan[1] <= exact * (1 + scn.solver.mip_gap / 2)
    assert plan[1] < 0.99 * rounded[1]


def test_the_warm_start_reports_its_plans_and_bound(hourly):
    """Progress lines during the warm start: the first plan before any bound (-inf), then the
    plan with the certificate's bound, the last report being the returned plan."""
    options, lp, columns = hourly
    seen: list[tuple[float, float]] = []
    screened = warmstart.Screening({"abilene_tx": "dlc"})
    start = warmstart.relax_and_round(
        lp, columns, options, 1, None, screening=screened, report=lambda o, b: seen.append((o, b))
    )
    assert start is not None and len(seen) >= 2
    assert seen[0][1] == -math.inf and all(math.isfinite(b) and b <= o for o, b in seen[1:])
    assert seen[-1][0] == pytest.approx(start.objective) and start.bound >= seen[-1][1]


def test_interior_point_relaxation_equals_simplex_and_leaves_a_basis(hourly):
    """The cold LP relaxation by interior point (with crossover) has the simplex optimum, and the
    next bound-changed solve on the same instance (simplex from the crossover basis) equals a
    fresh simplex solve of that LP."""
    options, lp, columns = hourly
    lower, upper = column_bounds(lp)
    by_simplex = Relaxation(lp, options, None)
    assert by_simplex.solve(lower, upper) is not None
    by_ipm = Relaxation(lp, options, None)
    assert by_ipm.solve(lower, upper, interior_point=True) is not None
    assert by_ipm.h.getInfo().ipm_iteration_count > 0 and by_simplex.h.getInfo().ipm_iteration_count == 0
    assert by_ipm.objective == pytest.approx(by_simplex.objective, rel=1e-7)
    cols = warmstart.index_columns(columns)
    lo, up = warmstart.restrict(lower, upper, cols, {"abilene_tx": "dlc"}, ["abilene_tx"])
    assert by_ipm.solve(lo, up) is not None and by_ipm.h.getInfo().ipm_iteration_count == 0
    fresh = Relaxation(lp, options, None)
    assert fresh.solve(lo, up) is not None
    assert by_ipm.objective == pytest.approx(fresh.objective, rel=1e-7)
