"""The hardware of the delivery year (issue 21): a GPU is bought only if delivered by the site's
online year (never before its first volume deliveries) and still sold when bought;
``technologies.gpu_status: shipping`` leaves announced parts out."""

from __future__ import annotations

import pytest

import planner
from planner.api import resolve_scenario
from planner.errors import InfeasibleError, InputError
from planner.model.inputs import build_inputs, gpu_menu
from planner.model.timing_inputs import gpu_delivery_year, off_sale_gpus
from tests.helpers import with_changes

ANNOUNCED = {"VR200", "R200", "VR300", "MI455X"}


def test_delivery_year_by_hand(catalogs):
    """Y_g = max(start + floor(lead), first_delivery_year): R200 (lead 1.0 y, first 2026) ordered in
    2024 arrives in 2026, not 2025; ordered in 2027, in 2028; H200 (0.5 y, 2024) ordered in 2027, 2027."""
    assert catalogs.gpu_delivery.at["R200", "lead_time_years"] == 1.0
    assert catalogs.gpus.at["R200", "first_delivery_year"] == 2026
    assert gpu_delivery_year(catalogs, "R200", 2024) == 2026
    assert gpu_delivery_year(catalogs, "R200", 2027) == 2028
    assert gpu_delivery_year(catalogs, "VR300", 2025) == 2027
    assert gpu_delivery_year(catalogs, "H200", 2027) == 2027


def _r200_race(tiny: dict, online: int) -> dict:
    """The tiny scenario on H100 or R200 (8-GPU HGX Rubin, liquid), ten times its demand, built
    from 2024 (sites ready 2025: building lead 1.5 y) for service by ``online``."""
    return with_changes(
        tiny,
        {
            "demand.scale": 10.0,
            "demand.start_year": 2024,
            "demand.online_year": online,
            "technologies.gpus": ["H100", "R200"],
        },
    )


def test_gpu_first_delivered_after_the_online_year_is_never_bought(tiny, catalogs):
    """R200 is first delivered in 2026: with service due in 2025 only H100 is installed, and the
    model's delivery year of R200 is 2026; due in 2026, the cheaper R200 is bought (bound by its
    delivery) and the plan costs less."""
    early = planner.solve(_r200_race(tiny, 2025), catalogs=catalogs)
    assert early.summary["gpus"].get("R200", 0) == 0 and early.summary["gpus"]["H100"] > 0
    inp = build_inputs(resolve_scenario(_r200_race(tiny, 2025), catalogs), catalogs)
    assert inp.timing is not None and inp.timing.gpu_year == {"H100": 2024, "R200": 2026}
    later = planner.solve(_r200_race(tiny, 2026), catalogs=catalogs)
    assert later.summary["gpus"].get("R200", 0) > 0
    assert later.summary["annualized_cost_usd"] < early.summary["annualized_cost_usd"]
    assert later.summary["gpu_status"]["R200"] == "announced"
    fleet = later.tables["fleet"]
    assert set(fleet.loc[fleet["gpu_id"] == "R200", "status"]) == {"announced"}
    assert set(fleet.loc[fleet["gpu_id"] == "H100", "status"]) <= {"shipping"}
    bounds = {r["in_service_bound"] for r in later.summary["sites_in_service"].values()}
    assert "R200 delivery" in bounds


def test_gpu_past_its_end_of_sale_is_left_out(tiny, catalogs):
    """H100 is sold until 2027: built from 2027 the sites are ready in 2028, so H100 is off the menu
    (reported by name and years) and the plan buys GB200; alone on the menu it is infeasible (exit 3)
    with the sale window in the message."""
    assert catalogs.gpus.at["H100", "end_of_sale_year"] == 2027
    data = with_changes(tiny, {"demand.start_year": 2027})
    scn = resolve_scenario(data, catalogs)
    assert off_sale_gpus(scn, catalogs, ["H100", "GB200"]) == {"H100": "H100: bought 2028, sold until 2027"}
    plan = planner.solve(data, catalogs=catalogs)
    assert set(plan.summary["gpus"]) == {"GB200"}
    assert plan.summary["gpus_off_sale"] == {"H100": "H100: bought 2028, sold until 2027"}
    sooner = resolve_scenario(with_changes(tiny, {"demand.start_year": 2026}), catalogs)
    assert off_sale_gpus(sooner, catalogs, ["H100", "GB200"]) == {}  # ready 2027: H100 still sold
    with pytest.raises(InfeasibleError) as info:
        build_inputs(
            resolve_scenario(with_changes(data, {"technologies.gpus": ["H100"]}), catalogs), catalogs
        )
    assert info.value.exit_code == 3
    assert "H100: bought 2028, sold until 2027" in str(info.value) and "end_of_sale_year" in str(info.value)


def test_gpu_status_shipping_leaves_announced_parts_out(tiny, catalogs):
    """With the whole catalog on the menu, ``shipping`` drops exactly the announced rows; naming an
    announced GPU under ``shipping`` is a scenario error (exit 2) that names it."""
    whole = with_changes(tiny, {"technologies.gpus": None, "demand.start_year": 2027})
    menu_any, _ = gpu_menu(resolve_scenario(whole, catalogs), catalogs)
    shipping = with_changes(whole, {"technologies.gpu_status": "shipping"})
    menu_shipping, _ = gpu_menu(resolve_scenario(shipping, catalogs), catalogs)
    assert set(menu_any) >= ANNOUNCED
    assert set(menu_any) - set(menu_shipping) == ANNOUNCED
    assert all(catalogs.gpus.at[g, "status"] == "shipping" for g in menu_shipping)
    named = with_changes(
        tiny, {"technologies.gpus": ["GB200", "VR200"], "technologies.gpu_status": "shipping"}
    )
    with pytest.raises(InputError) as info:
        resolve_scenario(named, catalogs)
    assert info.value.exit_code == 2
    text = str(info.value)
    assert "technologies.gpus" in text and "lists announced GPU(s) VR200 (data/gpus.csv status)" in text


def test_announced_estimates_carry_the_family_held_out_error(catalogs):
    """A GPU of a family MLPerf never ran (Rubin) serving a model MLPerf ran gets the
    leave-one-family-out error, marked as vendor-claimed; with a model MLPerf never ran either
    (llama-3.1-70b), the larger of the family and model errors; a GPU of a measured family serving a
    measured model the leave-one-GPU-out error."""
    from planner.chain.tokens.throughput import throughput_table
    from planner.chain.tokens.uncertainty import error_model, regime_class, with_expected_errors

    models = ["llama-3.1-8b", "llama-3.1-70b"]
    table = with_expected_errors(throughput_table(catalogs, ["VR200", "B200"], models), catalogs)
    rows = table.set_index(["gpu_id", "model_id"])
    vr = rows.loc[("VR200", "llama-3.1-8b")]
    assert vr["source"] == "estimate" and "family held out" in vr["expected_error_basis"]
    assert "announced: vendor-claimed specs" in vr["expected_error_basis"]
    regime = regime_class(vr["scenario"])
    family = error_model(catalogs, "family").error(regime)
    assert vr["expected_error"] == pytest.approx(family)
    assert family > error_model(catalogs, "gpu").error(regime)  # a whole family unseen is worse
    both = rows.loc[("VR200", "llama-3.1-70b")]
    model = error_model(catalogs, "model").error(regime_class(both["scenario"]))
    assert both["expected_error"] == pytest.approx(
        max(model, error_model(catalogs, "family").error(regime_class(both["scenario"])))
    )
    b200 = rows.loc[("B200", "llama-3.1-8b")]
    if b200["source"] != "measured":
        assert (
            "GPU held out" in b200["expected_error_basis"] and "announced" not in b200["expected_error_basis"]
        )
