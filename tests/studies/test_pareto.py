"""Pareto frontier: the epsilon-constraint frontier is monotone, its ends are the
single-objective optima, model reuse gives the same points as rebuilding, and the output
directory holds the table, the plot and a reproducible run directory per point
(``planner pareto`` itself: tests/cli/test_pareto.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import planner
from planner.errors import InfeasibleError, InputError
from tests.helpers import SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)
EXACT = {"solver.threads": 1, "solver.mip_gap": 0.0, "time.annual_variable_share_max": 1.0}
"""Exact MIP optima, so the frontier and its ends are comparable without gap tolerances. PV may
supply all of the annual energy here: with the default 50% cap the small scenario's min-carbon plan
costs almost nothing extra and the frontier collapses to two plans, leaving nothing to test."""
POINTS = 5


@pytest.fixture(scope="module")
def frontier(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("pareto") / "small"
    return out, planner.pareto(SMALL, points=POINTS, overrides=EXACT, out=out)


def test_frontier_is_monotone(frontier):
    _, table = frontier
    assert list(table["kind"]) == ["min_cost", *["epsilon"] * (POINTS - 2), "min_carbon"]
    assert (table["status"] == "optimal").all()
    carbon, cost = table["emissions_t_per_yr"].to_numpy(), table["annualized_cost_usd"].to_numpy()
    # the frontier may step (a site more or less) rather than slope: never up, and down end to end
    assert all(carbon[k] <= carbon[k - 1] * (1 + 1e-9) for k in range(1, POINTS))
    assert carbon[-1] < carbon[0]
    # equal-cost plans may differ at the LP feasibility tolerance (~1e-7 relative)
    assert all(cost[k] >= cost[k - 1] * (1 - 1e-6) for k in range(1, POINTS)), cost
    eps = table[table["kind"] == "epsilon"]
    assert (eps["emissions_t_per_yr"] <= eps["carbon_cap_t_per_yr"] * (1 + 1e-6)).all()
    caps = [carbon[0], *eps["carbon_cap_t_per_yr"], carbon[-1]]
    steps = [caps[k - 1] - caps[k] for k in range(1, POINTS)]
    assert max(steps) == pytest.approx(min(steps), rel=1e-9)  # evenly spaced caps
    for col in ("cost_usd_per_mtok", "gco2e_per_mtok", "n_sites", "sites", "gpu_mix", "energy_mix", "gap"):
        assert table[col].notna().all(), col


def test_ends_equal_single_objective_solves(frontier):
    out, table = frontier
    for kind, objective in (("min_cost", "cost"), ("min_carbon", "carbon")):
        rel = table.loc[table["kind"] == kind, "run_dir"].iloc[0]
        end = json.loads((out / rel / "summary.json").read_text())
        single = planner.solve(SMALL, objective=objective, overrides=EXACT)
        assert end["objective"] == objective
        assert end["objective_value"] == pytest.approx(single.outcome.objective_value, rel=1e-7)
        assert end["emissions_t_per_yr"] == pytest.approx(single.summary["emissions_t_per_yr"], rel=1e-6)


def test_reuse_matches_rebuild():
    cols = ["kind", "carbon_cap_t_per_yr", "emissions_t_per_yr", "annualized_cost_usd", "sites", "gpu_mix"]
    reused = planner.pareto(SMALL, points=3, overrides=EXACT)
    rebuilt = planner.pareto(SMALL, points=3, overrides=EXACT, reuse=False)
    pd.testing.assert_frame_equal(reused[cols], rebuilt[cols], rtol=1e-7)


def test_output_directory(frontier):
    out, table = frontier
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pd.read_csv(out / "pareto.csv").shape == table.shape
    assert len(pd.read_parquet(out / "pareto.parquet")) == POINTS
    assert sorted(p.name for p in (out / "points").iterdir()) == [
        f"{k:02d}-{kind}" for k, kind in enumerate(table["kind"])
    ]
    # an epsilon point's run directory reproduces it with `planner solve`
    mid = table[table["kind"] == "epsilon"].iloc[0]
    resolved = yaml.safe_load((out / mid["run_dir"] / "scenario.resolved.yaml").read_text())
    assert resolved["objective"] == "cost"
    assert resolved["policy"]["carbon_cap_t_per_yr"] == pytest.approx(mid["carbon_cap_t_per_yr"])
    again = planner.solve(resolved)
    assert again.summary["annualized_cost_usd"] == pytest.approx(mid["annualized_cost_usd"], rel=1e-7)


def test_too_few_points():
    with pytest.raises(InputError, match="at least 2"):
        planner.pareto(SMALL, points=1)


def test_infeasible_scenario_raises():
    with pytest.raises(InfeasibleError, match="carbon_cap"):
        planner.pareto(SMALL, points=3, overrides={**EXACT, "policy.carbon_cap_t_per_yr": 1})
