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
from planner.studies.pareto_clean import clean_frontier, dominates, same_plan
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
    out, table = frontier
    removed = pd.read_csv(out / "pareto_removed.csv")
    # every point is on the frontier or removed with its reason (merged: same plan; or dominated)
    assert sorted([*table["point"], *removed["point"]]) == list(range(POINTS))
    assert removed["reason"].str.contains("same plan as point|dominated by point").all()
    assert (table["status"] == "optimal").all()
    carbon, cost = table["emissions_t_per_yr"].to_numpy(), table["annualized_cost_usd"].to_numpy()
    # no duplicate and no dominated point: carbon strictly down, cost strictly up
    assert all(carbon[k] < carbon[k - 1] for k in range(1, len(table))), carbon
    assert all(cost[k] > cost[k - 1] for k in range(1, len(table))), cost
    eps = table[table["kind"] == "epsilon"]
    assert (eps["emissions_t_per_yr"] <= eps["carbon_cap_t_per_yr"] * (1 + 1e-6)).all()
    every = pd.concat([table, removed]).sort_values("point")
    caps = every.loc[every["kind"] == "epsilon", "carbon_cap_t_per_yr"].to_numpy()
    ends = every.set_index("kind")["emissions_t_per_yr"]
    steps = -pd.Series([ends["min_cost"], *caps, ends["min_carbon"]]).diff().dropna()
    assert steps.max() == pytest.approx(steps.min(), rel=1e-9)  # evenly spaced caps
    for col in (
        "cost_usd_per_mtok",
        "gco2e_per_mtok",
        "n_sites",
        "sites",
        "gpu_mix",
        "energy_mix",
        "gap",
        "label",
    ):
        assert table[col].notna().all(), col


def test_small_frontier_of_four_points_is_clean(tmp_path):
    """Issue 22: `pareto small_5_sites --points 4` (its own 1% gap) had a dominated min-cost point
    (stopped inside its gap) and two identical plans; now neither, and the output says so."""
    out = tmp_path / "four"
    table = planner.pareto(SMALL, points=4, overrides={"solver.threads": 1}, out=out)
    rows = table.to_dict("records")
    for a in rows:
        for b in rows:
            if a["point"] != b["point"]:
                assert not dominates(a, b), (a["point"], b["point"])
                assert not same_plan(a, b), (a["point"], b["point"])
    removed = pd.read_csv(out / "pareto_removed.csv")
    assert len(table) + len(removed) == 4
    assert table.attrs["removed"] == [f"point {r.point} ({r.kind}): {r.reason}" for r in removed.itertuples()]
    # labels name what differs between the plans, not a mix every point shares
    assert table["label"].nunique() == len(table)


def test_clean_frontier_by_hand():
    def row(point, kind, cost, carbon, sites="a", gpus="B200 8"):
        return {
            "point": point,
            "kind": kind,
            "annualized_cost_usd": cost,
            "emissions_t_per_yr": carbon,
            "sites": sites,
            "gpu_mix": gpus,
            "gap": 0.01,
        }

    table = pd.DataFrame(
        [
            row(0, "min_cost", 101.0, 50.0),  # dominated by point 1 (cheaper and cleaner)
            row(1, "epsilon", 100.0, 40.0, "b"),
            row(2, "epsilon", 110.0, 20.0, "c"),  # the same plan as the min-carbon end: merged into it
            row(3, "min_carbon", 110.0 * (1 + 1e-7), 20.0, "c"),
        ]
    )
    kept, removed = clean_frontier(table)
    assert list(kept["point"]) == [1, 3] and list(kept["same_plan_as"]) == ["", "2"]
    assert list(removed["point"]) == [0, 2]
    assert removed["reason"].iloc[0].startswith("dominated by point 1 (cost -0.99%, carbon -20.00%)")
    assert removed["reason"].iloc[1] == "same plan as point 3: merged"


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
    removed = pd.read_csv(out / "pareto_removed.csv")
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pd.read_csv(out / "pareto.csv").shape == table.shape
    assert len(pd.read_parquet(out / "pareto.parquet")) == len(table)
    every = pd.concat([table, removed]).sort_values("point")
    assert sorted(p.name for p in (out / "points").iterdir()) == [
        f"{k:02d}-{kind}" for k, kind in zip(every["point"], every["kind"])
    ]
    # a point's run directory reproduces it with `planner solve`
    mid = every[every["kind"] == "epsilon"].iloc[0]
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
