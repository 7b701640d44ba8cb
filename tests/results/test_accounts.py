"""Per-model and per-region accounts (``tables/models.csv``, ``tables/regions.csv``): they add up
to ``summary.json``, and each model's figures follow the documented allocation rule."""

from __future__ import annotations

import pandas as pd
import pytest

import planner
from planner.results.accounts import ENERGY_CATEGORIES, GPU_CATEGORIES
from tests.helpers import TINY, with_changes

TOTALS = {
    "tokens_per_s": "served_tokens_per_s",
    "annualized_cost_usd": "annualized_cost_usd",
    "it_mw": "it_mw",
    "facility_mw": "facility_mw",
    "facility_avg_mw": "facility_avg_mw",
    "emissions_t_per_yr": "emissions_t_per_yr",
}
SECONDS = 8760 * 3600.0


def check_sums(tables: dict[str, pd.DataFrame], summary: dict) -> None:
    """Both account tables add up to the summary to 1e-6 (sums and the token-weighted ratios)."""
    for name in ("models", "regions"):
        t = tables[name]
        for col, key in TOTALS.items():
            assert t[col].sum() == pytest.approx(summary[key], rel=1e-6, abs=1e-9), (name, col)
        assert t["energy_mwh_per_yr"].sum() == pytest.approx(summary["facility_avg_mw"] * 8760, rel=1e-6)
        for gpu, n in summary["gpus"].items():
            assert t[f"gpus_{gpu}"].sum() == pytest.approx(n, rel=1e-6), (name, gpu)
        assert t["gpus"].sum() == pytest.approx(sum(summary["gpus"].values()), rel=1e-6)
        mtok = t["tokens_per_s"] * SECONDS / 1e6
        assert (t["cost_usd_per_mtok"] * mtok).sum() / mtok.sum() == pytest.approx(
            summary["cost_usd_per_mtok"], rel=1e-6
        )
        assert (t["gco2e_per_mtok"] * mtok).sum() / mtok.sum() == pytest.approx(
            summary["gco2e_per_mtok"], rel=1e-6
        )
        weighted = (t["facility_joules_per_token"] * t["tokens_per_s"]).sum() / t["tokens_per_s"].sum()
        assert weighted == pytest.approx(summary["facility_joules_per_token"], rel=1e-6)


def test_accounts_add_up_on_the_small_instance(small):
    result, run = small
    tables = {name: pd.read_csv(run / "tables" / f"{name}.csv") for name in ("models", "regions")}
    check_sums(tables, result.summary)
    assert set(tables["models"]["model_id"]) == set(result.inputs.models)
    assert set(tables["regions"]["region_id"]) == {r for r, _ in result.inputs.streams}


TWO_SITES = with_changes(TINY, {"policy.min_sites": 2, "solver.mip_gap": 0.01})


def test_allocation_rule_by_hand():
    """TINY with min_sites 2: each model's GPUs, GPU cost, site cost and tokens recomputed from
    ``fleet.csv``, ``costs.csv`` and ``flows.csv`` with the rule in the module docstring (the
    plan serves from one campus and keeps the second empty: the fallback split)."""
    result = planner.solve(TWO_SITES)
    inp, tables = result.inputs, result.tables
    check_sums(tables, result.summary)
    fleet = tables["fleet"].copy()
    fleet["gpus_installed"] = fleet.groupby(["site_id", "gpu_id"])["gpus_installed"].transform("first")
    fleet = fleet[fleet["model_id"] != ""]
    alloc_total = fleet.groupby(["site_id", "gpu_id"])["gpus_allocated_peak"].transform("sum")
    fleet["gpus"] = fleet["gpus_installed"] * fleet["gpus_allocated_peak"] / alloc_total
    fleet["gpu_usd"] = fleet["gpus"] * fleet["gpu_id"].map(inp.gpu_annual_musd) * 1e6
    fleet["node_mw"] = fleet["gpus"] * fleet["gpu_id"].map(inp.gpu_node_mw)
    costs = tables["costs"]
    site_only = costs[~costs["category"].isin((*ENERGY_CATEGORIES, *GPU_CATEGORIES, "water", "carbon_price"))]
    site_usd = site_only.groupby("site_id")["annualized_cost_usd"].sum()
    it_share = fleet["node_mw"] / fleet.groupby("site_id")["node_mw"].transform("sum")
    fleet["site_usd"] = it_share * fleet["site_id"].map(site_usd).fillna(0.0)
    by_model = fleet.groupby("model_id")[["gpus", "gpu_usd", "site_usd", "node_mw"]].sum()
    # min_sites 2 opens an empty second campus: its cost is split like the fleet's IT
    empty = site_usd.drop(fleet["site_id"].unique(), errors="ignore").sum()
    assert empty > 0
    by_model["site_usd"] += empty * by_model["node_mw"] / by_model["node_mw"].sum()
    models = tables["models"].set_index("model_id")
    for mod in inp.models:
        assert models.at[mod, "gpus"] == pytest.approx(by_model.at[mod, "gpus"], rel=1e-9)
        assert models.at[mod, "gpu_cost_usd"] == pytest.approx(by_model.at[mod, "gpu_usd"], rel=1e-9)
        assert models.at[mod, "site_cost_usd"] == pytest.approx(by_model.at[mod, "site_usd"], rel=1e-9)
    tokens = tables["flows"].groupby("model_id")["tokens_per_s"].sum()
    assert models["tokens_per_s"].to_dict() == pytest.approx(tokens.to_dict(), rel=1e-9)
    # one model per region here (70B in us-south, 8B in us-east): a region's account is its model's
    regions = tables["regions"].set_index("region_id")
    for region, mod in inp.streams:
        for col in ("gpus", "annualized_cost_usd", "energy_mwh_per_yr", "emissions_t_per_yr"):
            assert regions.at[region, col] == pytest.approx(models.at[mod, col], rel=1e-9)
    # each model's energy: 8B tokens need ~9x fewer GPU-seconds than 70B ones here
    assert (
        models.at["llama-3.1-8b", "facility_joules_per_token"]
        < models.at["llama-3.1-70b", "facility_joules_per_token"]
    )
