"""`planner.evaluate`: a plan's investments fixed, its operation re-solved in other futures.

The plan is small_5_sites on one site (New Albany OH) with B200s only, so the unserved demand
of a higher-demand future can be worked out by hand from the plan's own tables.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import planner
from planner.errors import InfeasibleError, InputError
from planner.studies.evaluate import parse_future, parse_futures, parse_unserved
from planner.studies.evaluate_plan import UNSERVED_USD_PER_MTOK
from planner.studies.evaluate_read import find_plans, read_plan
from tests.helpers import SMALL_SCENARIO, read_summary, write_run

ONE_SITE = {
    "sites.include": ["new_albany_oh"],
    "technologies.gpus": ["B200"],
    "solver.node_limit": 200,
    "solver.threads": 1,
}
SECONDS_PER_YEAR = 8760 * 3600


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """Two solved plans of the one-site scenario: sized for demand x1.0 (``small``) and x1.2 (``big``)."""
    root = tmp_path_factory.mktemp("plans")
    for name, scale in (("small", 1.0), ("big", 1.2)):
        result = planner.solve(SMALL_SCENARIO, overrides={**ONE_SITE, "demand.scale": scale})
        write_run(result, root / "points" / name)
    return root


def hand_unserved_70b(run) -> float:
    """Unserved 70B tokens/s of the one-site plan at demand x1.2, by hand from its fleet.csv."""
    fleet = pd.read_csv(run / "tables" / "fleet.csv")
    assert set(fleet["site_id"]) == {"new_albany_oh"} and set(fleet["gpu_id"]) == {"B200"}
    n_gpus = fleet["gpus_installed"].sum()  # written on the first row of the (site, GPU) pair
    tps = fleet.set_index("model_id")["tokens_per_s_per_gpu"]  # tokens/s per B200 for each model
    spare, peak = 0.03, 1.3  # fleet.spare_share; peak_to_average (both regions peak in one UTC hour)
    # At demand x1.2: 8B averages 1.2 x 0.5M tokens/s; 70B 1.2 x 1.0M. With one price per token the
    # fixed fleet serves the model with more tokens per GPU (8B) whole first, the rest of the GPUs
    # serve 70B at peak; average served = peak capacity / peak_to_average.
    allocatable = n_gpus / (1 + spare)
    gpus_8b = peak * 1.2 * 0.5e6 / tps["llama-3.1-8b"]
    served_70b = (allocatable - gpus_8b) * tps["llama-3.1-70b"] / peak
    assert gpus_8b < allocatable
    return 1.2 * 1.0e6 - served_70b


def test_unserved_demand_at_scale_1_2_equals_the_hand_calculation(plans, tmp_path):
    run = plans / "points" / "small"
    unserved_70b = hand_unserved_70b(run)
    assert unserved_70b > 1e5  # the plan is short in that future

    table = planner.evaluate(run, overrides={"demand.scale": 1.2}, out=tmp_path / "eval")
    row = table.iloc[0]
    assert row["status"] == "optimal" and row["future"] == "demand.scale=1.2"
    assert row["unserved_tokens_per_s"] == pytest.approx(unserved_70b, rel=1e-6)
    by_stream = pd.read_csv(tmp_path / "eval" / "tables" / "unserved.csv")
    by_model = by_stream.groupby("model_id")["unserved_tokens_per_s"].sum()
    assert by_model["llama-3.1-8b"] == pytest.approx(0, abs=1e-3)
    assert by_model["llama-3.1-70b"] == pytest.approx(unserved_70b, rel=1e-6)
    cost = unserved_70b / 1e6 * SECONDS_PER_YEAR * UNSERVED_USD_PER_MTOK  # [USD/yr]
    assert by_stream["unserved_cost_usd"].sum() == pytest.approx(cost, rel=1e-6)
    assert row["total_cost_usd"] == pytest.approx(row["annualized_cost_usd"] + cost, rel=1e-9)
    # the run directory: the same GPUs, sites and summary as the plan, with the evaluation in it
    summary = read_summary(tmp_path / "eval")
    assert summary["gpus"] == read_summary(run)["gpus"] and summary["sites"] == ["new_albany_oh"]
    assert summary["evaluation"]["unserved_tokens_per_s"] == pytest.approx(unserved_70b, rel=1e-6)
    assert summary["served_tokens_per_s"] == pytest.approx(1.8e6 - unserved_70b, rel=1e-6)


def test_a_per_model_price_decides_which_tokens_go_unserved(plans):
    run = plans / "points" / "small"
    fleet = pd.read_csv(run / "tables" / "fleet.csv")
    tps = fleet.set_index("model_id")["tokens_per_s_per_gpu"]
    allocatable = fleet["gpus_installed"].sum() / 1.03
    # 70B at 200 $/Mtok earns more per GPU-second (1,612 x 200) than 8B at 10 (13,713 x 10): every GPU
    # serves 70B, which still falls short of its 1.2 x 1.0M tokens/s; all of the 8B goes unserved
    price = {"*": 10, "llama-3.1-70b": 200}
    assert tps["llama-3.1-70b"] * 200 > tps["llama-3.1-8b"] * 10
    table = planner.evaluate(run, overrides={"demand.scale": 1.2}, unserved_usd_per_mtok=price)
    served_70b = allocatable * tps["llama-3.1-70b"] / 1.3
    unserved = 1.2 * 1.0e6 - served_70b + 1.2 * 0.5e6
    assert table.iloc[0]["unserved_tokens_per_s"] == pytest.approx(unserved, rel=1e-6)
    cost = ((1.2 * 1.0e6 - served_70b) * 200 + 1.2 * 0.5e6 * 10) / 1e6 * SECONDS_PER_YEAR
    assert table.iloc[0]["unserved_cost_usd"] == pytest.approx(cost, rel=1e-6)
    with pytest.raises(InputError, match="gpt-9: not a served model"):
        planner.evaluate(run, unserved_usd_per_mtok={"gpt-9": 1})


def test_the_plan_in_its_own_future_serves_everything_at_its_own_cost(plans):
    run = plans / "points" / "small"
    row = planner.evaluate(run).iloc[0]
    planned = read_summary(run)
    assert row["future"] == "base" and row["unserved_tokens_per_s"] == pytest.approx(0, abs=1e-3)
    # the same plan, operation re-optimised: never dearer, and cheaper by at most the MIP gap
    assert row["annualized_cost_usd"] <= planned["annualized_cost_usd"] * (1 + 1e-7)
    assert row["annualized_cost_usd"] >= planned["annualized_cost_usd"] * (1 - 0.01)


def test_regret_end_to_end_two_plans_two_futures(plans, tmp_path):
    out = tmp_path / "study"
    scenario = str(SMALL_SCENARIO)  # the plans were solved for different scales: name the base
    futures = {"base": {}, "more": {"demand.scale": 1.2}}
    table = planner.evaluate(plans, scenario, overrides=ONE_SITE, futures=futures, out=out)
    assert sorted(table["plan"]) == ["points/big", "points/big", "points/small", "points/small"]
    assert (table["status"] == "optimal").all()
    cost = table.set_index(["plan", "future"])["total_cost_usd"]
    # by hand: regret = cost - the cheaper plan's cost in that future
    regret_small_more = cost["points/small", "more"] - min(
        cost["points/small", "more"], cost["points/big", "more"]
    )
    regret_big_base = cost["points/big", "base"] - min(
        cost["points/small", "base"], cost["points/big", "base"]
    )
    written = pd.read_csv(out / "regret.csv").set_index("plan")
    assert written.loc["points/small", "regret_more"] == pytest.approx(regret_small_more, rel=1e-9)
    assert written.loc["points/big", "regret_base"] == pytest.approx(regret_big_base, rel=1e-9)
    # the big plan pays a few M$/yr more in the base future; the small one leaves ~0.2M tokens/s of
    # 70B unserved when demand is 1.2x (tens of M$/yr at 10 $/Mtok): the big plan has the min-max regret
    assert regret_small_more > regret_big_base > 0
    assert written["min_max_regret"].to_dict() == {"points/big": True, "points/small": False}
    assert written.loc["points/small", "regret_base"] == 0 and written.loc["points/big", "regret_more"] == 0
    assert len(list((out / "runs").iterdir())) == 4 and (out / "evaluations.csv").is_file()
    # each future's model is built once and re-used for the second plan: the same answer as alone
    alone = planner.evaluate(plans / "points" / "big", scenario, overrides={**ONE_SITE, "demand.scale": 1.2})
    assert alone.iloc[0]["total_cost_usd"] == pytest.approx(cost["points/big", "more"], rel=1e-9)


def test_a_future_the_plan_cannot_operate_in_names_the_limit(plans):
    # the plan's embodied and grid emissions alone exceed a 100 t/yr cap, whatever demand it drops
    with pytest.raises(
        InfeasibleError, match=r"(?s)cannot operate in future .*carbon_cap_t_per_yr = 100 t/yr"
    ):
        planner.evaluate(plans / "points" / "small", overrides={"policy.carbon_cap_t_per_yr": 100})


def test_on_dask_workers_the_same_answers(plans):
    futures = {"base": {}, "more": {"demand.scale": 1.2}}
    table = planner.evaluate(plans / "points" / "small", futures=futures, workers=1).set_index("future")
    assert table.loc["base", "unserved_tokens_per_s"] == pytest.approx(0, abs=1e-3)
    assert table.loc["more", "unserved_tokens_per_s"] == pytest.approx(
        hand_unserved_70b(plans / "points" / "small"), rel=1e-6
    )


def test_plans_solved_for_different_scenarios_need_a_scenario(plans):
    with pytest.raises(InputError, match="different scenarios"):
        planner.evaluate(plans)


def test_a_plan_that_does_not_fit_the_future_names_what_is_missing(plans):
    run = plans / "points" / "small"
    with pytest.raises(InputError, match=r"lacks GPU B200 \(technologies.gpus\)"):
        planner.evaluate(run, overrides={"technologies.gpus": ["H200"]})
    with pytest.raises(InputError, match="lacks site new_albany_oh"):
        planner.evaluate(
            run, overrides={"sites.include": ["abilene_tx", "dfw_tx", "loudoun_va", "atlanta_ga"]}
        )


def test_damaged_or_missing_run_directory_names_the_file(plans, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(plans / "points" / "small", run)
    fleet = run / "tables" / "fleet.csv"
    table = pd.read_csv(fleet)
    table["blocks"] = table["blocks"].astype(float)
    table.loc[0, "blocks"] += 0.5  # a fraction of a block: blocks are written as integers
    table.to_csv(fleet, index=False)
    with pytest.raises(InputError, match=r"fleet\.csv.*column 'blocks'.*not a whole number"):
        read_plan(run)
    fleet.unlink()
    with pytest.raises(InputError, match=r"fleet\.csv: file not found"):
        read_plan(run)
    with pytest.raises(InputError, match="no summary.json"):
        find_plans(tmp_path / "run" / "tables")


def test_find_plans_one_or_two_levels_down_skips_staging_folders(plans, tmp_path):
    assert list(find_plans(plans)) == ["points/big", "points/small"]
    assert list(find_plans(plans / "points")) == ["big", "small"]
    shutil.copytree(plans / "points" / "small", plans / "points" / ".x.partial-1")
    try:
        assert list(find_plans(plans / "points")) == ["big", "small"]
    finally:
        shutil.rmtree(plans / "points" / ".x.partial-1")


def test_parse_unserved():
    assert parse_unserved([]) == UNSERVED_USD_PER_MTOK
    assert parse_unserved(["12", "llama-3.1-405b=40"]) == {"*": 12.0, "llama-3.1-405b": 40.0}
    for bad in (["-1"], ["x=abc"], ["=3"], ["inf"], ["5", "6"]):
        with pytest.raises(InputError, match="--unserved-cost"):
            parse_unserved(bad)


def test_parse_future():
    name, overrides = parse_future(
        "hot:prices.gas_price_scale=1.4,technologies.gpus=[H100, B200],demand.scale=1.2"
    )
    assert name == "hot"
    assert overrides == {
        "prices.gas_price_scale": 1.4,
        "technologies.gpus": ["H100", "B200"],
        "demand.scale": 1.2,
    }
    assert parse_future("base:") == ("base", {})
    for bad in ("no colon", ":demand.scale=1", "sp ace:demand.scale=1", "x:demand.scale"):
        with pytest.raises(InputError, match="--"):
            parse_future(bad)
    with pytest.raises(InputError, match="given twice"):
        parse_futures(["a:demand.scale=1", "a:demand.scale=2"])
