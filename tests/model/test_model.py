"""The siting MILP: optimum vs enumeration, physical balances, monotonicity, reproducibility."""

from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.util.check_units import assert_units_consistent

import planner
from planner.api import resolve_scenario
from planner.errors import InfeasibleError, NoSolutionError
from planner.model.build import build_model
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from tests.helpers import PROFILE_DATA, TINY, with_changes

REL = 1e-6


def _inputs(data, catalogs):
    return build_inputs(resolve_scenario(data, catalogs), catalogs)


@pytest.mark.parametrize("objective", ["cost", "carbon"])
def test_milp_equals_enumeration_of_sites_and_cooling(tiny, catalogs, objective):
    """Every (open sites, cooling per open site) combination solved with the binaries fixed;
    the best equals the MILP optimum."""
    data = with_changes(tiny, {"objective": objective})
    inp = _inputs(data, catalogs)
    full = highs_solve(build_model(inp), inp.scenario.solver)
    assert full.status == "optimal"

    best = np.inf
    options = inp.scenario.solver
    choices = [None, *inp.coolings]  # None = site closed
    for combo in itertools.product(choices, repeat=len(inp.sites)):
        if all(c is None for c in combo):
            continue
        m = build_model(inp)
        for s, c in zip(inp.sites, combo):
            m.site.open[s].fix(0 if c is None else 1)
            for c2 in inp.coolings:
                m.site.y[s, c2].fix(1 if c2 == c else 0)
        out = highs_solve(m, options)
        if out.has_solution:
            best = min(best, out.objective_value)
    assert best == pytest.approx(full.objective_value, rel=1e-7)


def test_units_are_consistent(tiny, catalogs):
    data = with_changes(
        tiny,
        {
            "time.mode": "representative_days",
            "time.days": 2,
            "technologies.energy": ["grid", "pv", "battery", "ngcc", "nuclear_smr"],
            "policy.clean_energy_share": 0.3,
            "policy.carbon_cap_t_per_yr": 1e9,
        },
    )
    m = build_model(_inputs(data, catalogs))
    assert_units_consistent(m)


@pytest.fixture(scope="module")
def hourly_result(catalogs):
    data = with_changes(
        TINY,
        {
            "time.mode": "representative_days",
            "time.days": 2,
            "technologies.energy": ["grid", "pv", "wind", "battery", "ngcc", "gas_recip"],
            "policy.min_sites": 2,
            "solver.mip_gap": 0.001,
        },
    )
    return planner.solve(data, catalogs=catalogs)


def test_outputs_satisfy_balances_and_limits(hourly_result):
    r = hourly_result
    inp, m = r.inputs, r.model
    v = pyo.value
    # electricity balance per site and slice
    for s in inp.sites:
        for t in range(inp.slices.n):
            supply = sum(v(m.energy.gen[s, e, t]) for e in inp.generators) + v(m.energy.grid[s, t])
            if inp.storage:
                supply += v(m.energy.discharge[s, t]) - v(m.energy.charge[s, t])
            assert supply == pytest.approx(v(m.site.facility[s, t]), rel=REL, abs=1e-9)
            for e in inp.generators:
                assert (
                    v(m.energy.gen[s, e, t])
                    <= inp.availability[s, e, t] * v(m.energy.cap[s, e]) * (1 + REL) + 1e-9
                )
    # demand met, only from sites within the latency budget
    flows = r.tables["flows"]
    for (region, model), demand in inp.demand.items():
        served = flows[(flows.region_id == region) & (flows.model_id == model)]
        assert served.tokens_per_s.sum() == pytest.approx(demand * 1e6, rel=REL)
        assert (served.rtt_ms <= served.latency_budget_ms + 1e-9).all()
    # campus and grid limits; IT capacity covers the installed GPUs at full power
    sites = r.tables["sites"].set_index("site_id")
    fleet = r.tables["fleet"].drop_duplicates(["site_id", "gpu_id"])
    for s in inp.sites:
        assert sites.at[s, "it_mw"] <= inp.campus_mw[s] * (1 + REL)
        assert sites.at[s, "grid_connection_mw"] <= inp.grid_mw[s] * (1 + REL) + 1e-9
        gpu_mw = sum(
            row.gpus_installed * inp.gpu_node_mw[row.gpu_id] for row in fleet[fleet.site_id == s].itertuples()
        )
        assert sites.at[s, "it_mw"] >= gpu_mw * (1 - REL) - 1e-9
    # tokens/s capacity at peak covers peak demand per site and model
    alloc = r.tables["fleet"]
    hours = {h for (_, h) in inp.capacity_shape}
    for (s, model), group in flows.groupby(["site_id", "model_id"]):
        cap = alloc[(alloc.site_id == s) & (alloc.model_id == model)].tokens_per_s_capacity.sum()
        peak = max(
            sum(
                inp.capacity_shape[(row.region_id, model), h] * row.tokens_per_s for row in group.itertuples()
            )
            for h in hours
        )
        assert peak >= group.tokens_per_s.sum() * (1 - REL)  # the busiest hour is at least the average
        assert cap >= peak * (1 - REL)
    # battery never discharges more than it stored: state of charge within [0, energy]
    if inp.storage:
        for s in inp.sites:
            e_max = v(m.energy.st_energy[s])
            for t in range(inp.slices.n):
                assert -1e-6 <= v(m.energy.soc[s, t]) <= e_max * (1 + REL) + 1e-6
    # the accounting adds up: site costs sum to the objective (cost objective)
    assert r.summary["annualized_cost_usd"] == pytest.approx(r.summary["objective_value"] * 1e6, rel=1e-9)
    assert r.tables["costs"].annualized_cost_usd.sum() == pytest.approx(
        r.summary["annualized_cost_usd"], rel=1e-9
    )
    assert len(r.summary["sites"]) >= 2


def test_liquid_only_gpus_never_under_air(tiny, catalogs):
    data = with_changes(
        tiny,
        {
            "technologies.gpus": ["GB200", "H100"],
            "technologies.cooling": ["air", "dlc"],
            "policy.min_sites": 3,
        },
    )
    r = planner.solve(data, catalogs=catalogs)
    fleet = r.tables["fleet"]
    liquid = set(catalogs.gpus.index[catalogs.gpus.liquid_required.astype(bool)])
    assert not fleet[fleet.gpu_id.isin(liquid) & (fleet.cooling_id == "air")].shape[0]
    # and air sites exist with air-capable GPUs only, if any
    for row in fleet.itertuples():
        if row.cooling_id == "air":
            assert row.gpu_id not in liquid


def test_more_demand_never_costs_less(tiny, catalogs):
    low = planner.solve(tiny, catalogs=catalogs).summary["annualized_cost_usd"]
    high = planner.solve(with_changes(tiny, {"demand.scale": 1.5}), catalogs=catalogs).summary[
        "annualized_cost_usd"
    ]
    assert high >= low * (1 - 1e-9)


def test_carbon_price_never_raises_emissions(tiny, catalogs):
    # PV and wind uncapped in annual mode, so a carbon price has a lever beyond the 50% default cap
    data = with_changes(
        tiny,
        {
            "technologies.energy": ["grid", "pv", "wind", "ngcc", "nuclear_smr"],
            "time.annual_variable_share_max": 1.0,
            "prices.electricity_price_scale": 0.3,  # cheap grid power: the carbon price has work to do
        },
    )
    emissions = [
        planner.solve(with_changes(data, {"carbon_price_usd_per_t": p}), catalogs=catalogs).summary[
            "emissions_t_per_yr"
        ]
        for p in (0, 100, 400)
    ]
    assert emissions[1] <= emissions[0] * (1 + 1e-6)
    assert emissions[2] <= emissions[1] * (1 + 1e-6)
    assert emissions[2] < emissions[0]


def test_same_scenario_twice_gives_same_plan(tiny, catalogs):
    a = planner.solve(with_changes(tiny, {"solver.node_limit": 50}), catalogs=catalogs)
    b = planner.solve(with_changes(tiny, {"solver.node_limit": 50}), catalogs=catalogs)
    assert a.summary["objective_value"] == b.summary["objective_value"]
    assert a.tables["fleet"].equals(b.tables["fleet"])
    assert a.tables["energy_capacity"].equals(b.tables["energy_capacity"])


def test_infeasible_scenario_is_explained(tiny, catalogs):
    data = with_changes(
        tiny, {"sites.overrides": {s: {"campus_mw_max": 0.05} for s in tiny["sites"]["include"]}}
    )
    with pytest.raises(InfeasibleError) as info:
        planner.solve(data, catalogs=catalogs)
    text = str(info.value)
    assert info.value.exit_code == 3
    assert (
        "region us-south needs 200k tokens/s of llama-3.1-70b within 60 ms" in text
        or "campus limit is 0.1 MW" in text
        or "campus limit is 0.05" in text
    )
    assert "MW" in text


def test_carbon_cap_too_tight_is_explained(tiny, catalogs):
    data = with_changes(tiny, {"policy.carbon_cap_t_per_yr": 1.0})
    with pytest.raises(InfeasibleError) as info:
        planner.solve(data, catalogs=catalogs)
    assert "policy.carbon_cap_t_per_yr = 1 t/yr cannot be met" in str(info.value)


def test_tiny_time_limit_never_crashes(catalogs):
    """A 1-second limit on the full default scenario: a plan with status time_limit/optimal, or exit 4."""
    try:
        r = planner.solve(
            None,
            time_limit_s=1.0,
            overrides={"time.mode": "representative_days", "time.days": 2},
            catalogs=catalogs,
        )
    except NoSolutionError as exc:
        assert exc.exit_code == 4
    else:
        assert r.status in ("time_limit", "optimal")
        assert r.summary["served_tokens_per_s"] == pytest.approx(r.summary["demand_tokens_per_s"], rel=1e-6)


@pytest.mark.parametrize("link", [True, False])
def test_battery_state_of_charge_is_feasible_through_the_year(tiny, catalogs, link):
    """Off-grid PV + battery + gas: the chronological state of charge (linked through the
    day sequence, or cyclic per day) stays within [0, energy] in every calendar hour."""
    from planner.results.tables import chronological_soc

    data = with_changes(
        tiny,
        {
            "time.mode": "representative_days",
            "time.days": 4,
            "time.link_storage": link,
            "technologies.energy": ["pv", "battery", "gas_recip"],
            "policy.hourly_cfe_share": 0.5,
            "solver.mip_gap": 0.01,
        },
    )
    r = planner.solve(data, catalogs=catalogs)
    assert r.status == "optimal"
    built = [s for s in r.inputs.sites if pyo.value(r.model.energy.st_energy[s]) > 1e-6]
    assert built, "the CFE target should make the plan store PV output for the night"
    for s in built:
        soc = chronological_soc(r.model, r.inputs, s)
        assert soc.size == 8760
        energy = pyo.value(r.model.energy.st_energy[s])
        assert soc.min() >= -1e-6 * energy
        assert soc.max() <= energy * (1 + 1e-6)


def test_full_hourly_cfe_with_pv_only_is_infeasible_and_explained(tiny, catalogs):
    data = with_changes(
        tiny,
        {
            "time.mode": "representative_days",
            "time.days": 2,
            "technologies.energy": ["pv"],
            "policy.hourly_cfe_share": 1.0,
        },
    )
    with pytest.raises(InfeasibleError) as info:
        planner.solve(data, catalogs=catalogs)
    text = str(info.value)
    assert "cannot cover its load in" in text and "(pv)" in text
    assert "add storage, firm plant or a grid connection" in text


def test_user_profiles_replace_synthetic_ones(tiny, catalogs):
    """A scenario's NSRDB / plain profile files drive the hourly model and the annual means."""
    root = PROFILE_DATA
    data = with_changes(
        tiny,
        {
            "time.mode": "representative_days",
            "time.days": 2,
            "profiles": {
                "abilene_tx": {"pv_cf": str(root / "nsrdb_abilene_tx.csv")},
                "loudoun_va": {"grid_co2_g_per_kwh": str(root / "plain_co2_loudoun_va.csv")},
            },
        },
    )
    inp = _inputs(data, catalogs)
    from planner.profiles.readers import read_profile

    pv = read_profile(root / "nsrdb_abilene_tx.csv", "pv_cf")
    assert inp.site_data.at["abilene_tx", "pv_cf"] == pytest.approx(float(pv.mean()), rel=1e-9)
    i = inp.sites.index("abilene_tx")
    weighted = float((inp.slices.pv_cf[i] * inp.slices.weight_h).sum() / inp.slices.weight_h.sum())
    assert weighted == pytest.approx(float(pv.mean()), rel=0.05)  # typical days keep the file's mean


def test_bad_profile_entries_are_input_errors(tiny, catalogs):
    from planner.errors import InputError

    data = with_changes(tiny, {"profiles": {"abilene_tx": {"pv_cff": "x.csv", "wind_cf": "missing.csv"}}})
    with pytest.raises(InputError) as info:
        _inputs(data, catalogs)
    text = str(info.value)
    assert "profiles.abilene_tx.pv_cff" in text and "did you mean 'pv_cf'" in text
    assert "profile file 'missing.csv' not found" in text


def test_extreme_days_are_kept(tiny, catalogs):
    """The peak-demand day and the lowest-PV day appear among the representative days."""
    data = with_changes(
        tiny,
        {"time.mode": "representative_days", "time.days": 4, "time.extremes": ["peak_demand", "lowest_pv"]},
    )
    inp = _inputs(data, catalogs)
    from planner.profiles.sites import region_demand_shape

    region = inp.streams[0][0]
    shape = region_demand_shape(catalogs.regions.loc[region], inp.peak_to_average).to_numpy()
    assert inp.slices.demand_shape[region].max() == pytest.approx(shape.max() / shape.mean(), rel=0.02)
    assert inp.slices.weight_h.sum() == pytest.approx(8760)
    assert len(inp.slices.assignments) == 365


def test_infeasibility_numbers_are_readable():
    from planner.model.explain import _fmt_tokens

    assert _fmt_tokens(1e6) == "1,000,000M tokens/s"
    assert _fmt_tokens(1.2748) == "1.27M tokens/s" and _fmt_tokens(0.000928) == "928 tokens/s"
    assert "e+" not in _fmt_tokens(3.4e9) and "e-" not in _fmt_tokens(1e-9)
