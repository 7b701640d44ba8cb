"""Annual mode says what it is: PV and wind are not firm (capped share of each site's energy),
facility MW and firm capacity use the hottest hour of the site's profile, and the summary flags
the energy mix as an annual-average screening figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

import planner
from planner.api import resolve_scenario
from planner.catalogs.load import pue_floor
from planner.chain.cooling import hourly_pue
from planner.model.build import build_model
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from planner.profiles.sites import site_temperatures
from tests.helpers import TINY, with_changes

WIND_ONLY = {"technologies.energy": ["grid", "wind"], "sites.include": ["abilene_tx"]}


def _solved(data, catalogs):
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    m = build_model(inp)
    assert highs_solve(m, inp.scenario.solver).status == "optimal"
    return inp, m


def _wind_share(inp, m) -> float:
    s = inp.sites[0]
    return pyo.value(m.energy.gen[s, "wind", 0]) / pyo.value(m.site.facility[s, 0])


@pytest.mark.parametrize("cap", [0.5, 0.2])
def test_wind_is_capped_at_the_documented_share(catalogs, cap):
    """Abilene wind (~39 $/MWh) beats grid (66 $/MWh): uncapped it would supply everything."""
    inp, m = _solved(with_changes(TINY, {**WIND_ONLY, "time.annual_variable_share_max": cap}), catalogs)
    assert _wind_share(inp, m) == pytest.approx(cap, rel=1e-6)


def test_without_the_cap_wind_would_be_firm(catalogs):
    inp, m = _solved(with_changes(TINY, {**WIND_ONLY, "time.annual_variable_share_max": 1.0}), catalogs)
    assert _wind_share(inp, m) > 0.99


def test_firm_capacity_uses_the_hottest_hour_pue(catalogs):
    """Annual mode: PUE_peak = max over the 8760-hour temperature profile of the hourly PUE, and
    facility MW = PUE_peak x IT MW (air in hot, dry Abilene: well above the annual mean)."""
    data = with_changes(TINY, {"sites.include": ["abilene_tx"], "technologies.cooling": ["air"]})
    data = with_changes(data, {"technologies.gpus": ["H100"]})
    inp, m = _solved(data, catalogs)
    site = catalogs.sites.loc["abilene_tx"]
    temps = site_temperatures(site.rename("abilene_tx"))
    mean = inp.pue["abilene_tx", "air"]
    dry, wet = temps["dry_bulb_c"].to_numpy(), temps["wet_bulb_c"].to_numpy()
    hand = hourly_pue("air", False, mean, dry, wet, np.ones(dry.size), pue_floor(catalogs.facility)).max()
    assert inp.pue_peak["abilene_tx", "air"] == pytest.approx(hand)
    assert hand > mean + 0.1  # 1.39 annual mean -> about 1.6 in the hottest hour
    it_cap = pyo.value(m.site.it_cap["abilene_tx", "air"])
    assert pyo.value(m.site.facility_peak["abilene_tx"]) == pytest.approx(hand * it_cap)
    firm = pyo.value(m.energy.grid_cap["abilene_tx"]) + sum(
        pyo.value(m.energy.avail["abilene_tx", e, 0] * m.energy.cap["abilene_tx", e]) for e in ("ngcc",)
    )
    assert firm >= hand * it_cap - 1e-6


def test_summary_flags_the_annual_mix(catalogs):
    summary = planner.solve(with_changes(TINY, WIND_ONLY), catalogs=catalogs).summary
    assert summary["energy_mix_basis"].startswith("annual-average screening figure")
    assert "50%" in summary["energy_mix_basis"]


def test_screening_of_a_clean_policy_is_its_annual_relaxation(catalogs):
    """The annual screening of an hourly 24/7 CFE scenario asks for annual matching at the same
    share without the PV + wind cap (hourly matching implies annual matching; with the cap, 90%
    clean is infeasible in annual mode), at a screening gap; without a clean policy the cap stays."""
    from planner.api import SCREENING_GAP, screening_scenario

    cfe = screening_scenario(resolve_scenario("us_cfe_24x7_90", catalogs))
    assert cfe.time.mode == "annual"
    assert cfe.policy.hourly_cfe_share is None and cfe.policy.clean_energy_share == 0.9
    assert cfe.time.annual_variable_share_max == 1.0
    assert cfe.solver.mip_gap == max(SCREENING_GAP, 0.01)
    plain = screening_scenario(resolve_scenario(None, catalogs, {"time.mode": "representative_days"}))
    assert plain.policy.clean_energy_share is None
    assert plain.time.annual_variable_share_max == 0.5


def test_screening_runs_in_a_child_beside_the_build_and_picks_the_same_sites(catalogs):
    """The hourly scenario's screening forks (one HiGHS thread) and its open sites with cooling are
    those of the same screening solved here; an annual scenario starts none."""
    from planner.api import _start_screening, annual_screening
    from planner.model.background import Background

    days = with_changes(TINY, {"time.mode": "representative_days", "time.days": 2})
    hourly = resolve_scenario(days, catalogs)
    job = _start_screening(hourly, catalogs, None)
    assert isinstance(job, Background)
    here = annual_screening(hourly, catalogs)
    assert here is not None and here.cooling and job.result(timeout_s=120) == here
    assert _start_screening(resolve_scenario(TINY, catalogs), catalogs, None) is None


@pytest.mark.parametrize("mode", ["annual", "representative_days"])
def test_peak_pue_is_the_hottest_hour_of_the_users_year(catalogs, tmp_path, mode):
    """Issue 23 defects: annual mode took the hottest hour of the synthetic profile although the
    user gave a temperature file, and representative days took the hottest *representative* hour
    (the typical days average the one hot hour away). A user file at 5 C all year with one hour at
    35 C, air cooling (shape 0.35 below 12 C, 1 above 30 C), by hand:
    PUE_peak = 1.04 + (mean - 1.04) x 1 / ((8759 x 0.35 + 1) / 8760) in both modes, and the
    facility peak is PUE_peak x IT MW."""
    hours = pd.date_range("2023-01-01", periods=8760, freq="h", tz="UTC")
    temps = np.full(8760, 5.0)
    temps[4500] = 35.0
    path = tmp_path / "dry.csv"
    pd.DataFrame({"timestamp": hours.strftime("%Y-%m-%dT%H:%MZ"), "value": temps}).to_csv(path, index=False)
    data = with_changes(
        TINY,
        {
            "sites.include": ["abilene_tx"],
            "technologies.cooling": ["air"],
            "technologies.gpus": ["H100"],
            "profiles": {"abilene_tx": {"dry_bulb_c": str(path)}},
            "time": {"mode": mode, "days": 2},
        },
    )
    inp, m = _solved(data, catalogs)
    floor = pue_floor(catalogs.facility)
    assert floor == pytest.approx(1.04)
    mean = inp.pue["abilene_tx", "air"]
    hand = floor + (mean - floor) / ((8759 * 0.35 + 1.0) / 8760)
    assert inp.pue_peak["abilene_tx", "air"] == pytest.approx(hand, rel=1e-9)
    it_cap = pyo.value(m.site.it_cap["abilene_tx", "air"])
    assert pyo.value(m.site.facility_peak["abilene_tx"]) == pytest.approx(hand * it_cap, rel=1e-9)
    assert pyo.value(m.energy.grid_cap["abilene_tx"]) + pyo.value(
        m.energy.avail["abilene_tx", "ngcc", 0] * m.energy.cap["abilene_tx", "ngcc"]
    ) >= hand * it_cap * (1 - 1e-9)
