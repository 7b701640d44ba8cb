"""Regret: hand-computed cases of the pure function (plans x futures costs -> regret table)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import planner
from planner.errors import InputError
from planner.studies.regret import best_plan


def test_two_plans_two_futures_by_hand():
    # cost [USD/yr]: plan a is best in the mild future, b in the hot one
    #            mild  hot
    #   a         100  300      regret a: (100-100, 300-250) = (0, 50)  max 50
    #   b         130  250      regret b: (130-100, 250-250) = (30, 0)  max 30  <- min-max regret
    costs = pd.DataFrame({"mild": [100.0, 130.0], "hot": [300.0, 250.0]}, index=["a", "b"])
    table = planner.regret(costs)
    assert table.loc["a", "regret_mild"] == 0 and table.loc["a", "regret_hot"] == 50
    assert table.loc["b", "regret_mild"] == 30 and table.loc["b", "regret_hot"] == 0
    assert table["max_regret_usd"].tolist() == [50, 30]
    assert table["min_max_regret"].tolist() == [False, True] and best_plan(table) == "b"


def test_long_evaluation_table_gives_the_same_answer_and_keeps_failed_plans():
    long = pd.DataFrame(
        {
            "plan": ["a", "a", "b", "b", "c", "c"],
            "future": ["mild", "hot", "mild", "hot", "mild", "hot"],
            "total_cost_usd": [100.0, 300.0, 130.0, 250.0, 90.0, None],  # c failed in the hot future
        }
    )
    table = planner.regret(long)
    assert list(table.index) == ["a", "b", "c"]
    # c is the best in the mild future (90): a's regret there is 10, b's 40
    assert table.loc["a", "regret_mild"] == 10 and table.loc["b", "regret_mild"] == 40
    assert table.loc["a", "max_regret_usd"] == 50 and table.loc["b", "max_regret_usd"] == 40
    assert math.isnan(table.loc["c", "max_regret_usd"]) and not table.loc["c", "min_max_regret"]
    assert best_plan(table) == "b"


def test_a_tie_chooses_the_first_plan_and_one_plan_has_no_regret():
    tie = planner.regret(pd.DataFrame({"f": [5.0, 5.0]}, index=["p", "q"]))
    assert tie["max_regret_usd"].tolist() == [0, 0] and best_plan(tie) == "p"


def test_a_future_without_any_cost_is_an_error():
    with pytest.raises(InputError, match="no plan has a cost in future"):
        planner.regret(pd.DataFrame({"f": [1.0], "g": [float("nan")]}, index=["p"]))
