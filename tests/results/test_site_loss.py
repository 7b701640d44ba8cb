"""Site-loss shares (``tables/site_loss.csv``) on hand cases, and the model's coverage rows
checked against them on solved plans."""

from __future__ import annotations

import pytest

import planner
from planner.errors import InfeasibleError
from planner.results.site_loss import LossCase, loss_table, max_share
from tests.helpers import TINY, with_changes

EAST, SOUTH = ("east", "m"), ("south", "m")


def three_sites(spare: float = 0.0) -> LossCase:
    """One model, one GPU type at 10 tokens/s: A (10 GPUs) reaches east and south, B (6) east
    only, C (4) south only; peaks east 100, south 50 tokens/s."""
    return LossCase(
        gpus={("A", "g"): 10.0, ("B", "g"): 6.0, ("C", "g"): 4.0},
        tps={("g", "m"): 10.0},
        reach={"A": [EAST, SOUTH], "B": [EAST], "C": [SOUTH]},
        peak={EAST: 100.0, SOUTH: 50.0},
        spare_share=spare,
    )


def test_max_share_by_hand():
    case = three_sites()
    # lose A: B carries east alone (60 of 100), C south (40 of 50) -> 0.6
    assert max_share(case, ["B", "C"], [EAST, SOUTH]) == pytest.approx(0.6)
    # lose B: east only from A; A and C share south: 150 x <= 100 + 40 -> 14/15
    assert max_share(case, ["A", "C"], [EAST, SOUTH]) == pytest.approx(140 / 150)
    # lose C: 160 tokens/s for 150 of peak, south only from A (50 x <= 100) -> 16/15
    assert max_share(case, ["A", "B"], [EAST, SOUTH]) == pytest.approx(160 / 150)
    # spares: (1 + 0.25) GPUs installed per serving GPU -> 0.8 x the capacity
    assert max_share(three_sites(0.25), ["B", "C"], [EAST, SOUTH]) == pytest.approx(0.48)
    assert max_share(case, [], [EAST, SOUTH]) == 0.0


def test_shared_gpus_alone_and_together_by_hand():
    """Two models on one GPU type, 8 GPUs at each site (x at 10 tokens/s per GPU, y at 20):
    alone, x gets 80 of its 100 peak and y 160 of 100; together the GPUs split between them."""
    x, y = ("r", "x"), ("r", "y")
    case = LossCase(
        gpus={("A", "g"): 8.0, ("B", "g"): 8.0},
        tps={("g", "x"): 10.0, ("g", "y"): 20.0},
        reach={"A": [x, y], "B": [x, y]},
        peak={x: 100.0, y: 100.0},
    )
    table = loss_table(case, ["A", "B"], 0.5).set_index(["lost_site_id", "model_id"])
    assert table.loc[("A", "x"), "share_alone"] == pytest.approx(0.8)
    assert table.loc[("A", "y"), "share_alone"] == pytest.approx(1.6)
    assert table.loc[("A", "y"), "tokens_per_s_alone"] == pytest.approx(160.0)
    # together: s (100/10 + 100/20) <= 8 -> s = 8/15
    assert table.loc[("A", "x"), "share_together"] == pytest.approx(8 / 15)
    assert table.loc[("B", "y"), "share_together"] == pytest.approx(8 / 15)
    assert (table["coverage_required"] == 0.5).all()
    assert table.loc[("A", "x"), "peak_tokens_per_s"] == 100.0


def _shares(result) -> dict[str, float]:
    loss = result.tables["site_loss"]
    return loss.groupby("lost_site_id")["share_together"].min().to_dict()


def test_coverage_rows_hold_in_the_solved_plan_and_change_it():
    """small_5_sites picks one campus (losing it loses everything); at 0.5 coverage every open
    site's loss leaves at least half of every stream's peak, by the report's own LP."""
    base = planner.solve("small_5_sites")
    assert len(base.summary["sites"]) == 1 and set(_shares(base).values()) == {0.0}
    covered = planner.solve("small_5_sites", overrides={"policy.site_loss_coverage": 0.5})
    shares = _shares(covered)
    assert len(shares) >= 2 and min(shares.values()) >= 0.5 - 1e-6
    assert covered.summary["annualized_cost_usd"] > base.summary["annualized_cost_usd"]
    assert (covered.tables["site_loss"]["coverage_required"] == 0.5).all()


NEAR_ONLY = with_changes(
    TINY,
    {
        "sites.include": ["abilene_tx", "loudoun_va"],
        "demand.latency_ms": {"llama-3.1-70b": 10, "llama-3.1-8b": 10},
        "policy.site_loss_coverage": 0.5,
    },
)
"""Each stream within 10 ms of one site only (us-south: Abilene 4 ms, Loudoun 27 ms; us-east:
Loudoun 0.2 ms, Abilene 31 ms)."""


def test_latency_factor_lets_far_sites_cover_and_infeasible_is_explained():
    with pytest.raises(InfeasibleError, match=r"site_loss_coverage = 50% cannot be met: losing site"):
        planner.solve(NEAR_ONLY)
    relaxed = planner.solve(NEAR_ONLY, overrides={"policy.site_loss_latency_factor": 4})
    shares = _shares(relaxed)
    assert set(shares) == {"abilene_tx", "loudoun_va"} and min(shares.values()) >= 0.5 - 1e-6


@pytest.mark.parametrize("basis", ["gpus", "it_mw"])
def test_max_share_on_gpus_or_it_mw(basis):
    """small_5_sites serves from one campus; at most 60% of the GPUs (or IT MW) on one site
    needs two."""
    result = planner.solve(
        "small_5_sites", overrides={"policy.max_share_per_site": 0.6, "policy.max_share_basis": basis}
    )
    sites = result.tables["sites"]
    assert sites[basis].max() <= 0.6 * sites[basis].sum() * (1 + 1e-9)
    assert (sites["open"]).sum() >= 2


def test_bad_site_loss_fields_are_input_errors(catalogs):
    from planner.api import resolve_scenario
    from planner.errors import InputError
    from tests.helpers import SMALL_SCENARIO

    cases = {
        "at most 1 site can be open, and losing it leaves nothing": {
            "policy.site_loss_coverage": 0.5,
            "policy.max_sites": 1,
        },
        "max_share_basis: 'mw' is not allowed: must be 'tokens', 'gpus' or 'it_mw'": {
            "policy.max_share_basis": "mw"
        },
        "site_loss_latency_factor": {"policy.site_loss_latency_factor": 0.5},
        "site_loss_coverage": {"policy.site_loss_coverage": 1.5},
    }
    for message, overrides in cases.items():
        with pytest.raises(InputError, match=message):
            resolve_scenario(SMALL_SCENARIO, catalogs, overrides)
