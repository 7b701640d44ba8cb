"""Every shipped annual-mode scenario's plan: every open site in service by its online year, n+1 at
every site, and (issue 11, done-when) every GPU under a cooling its vendors support (no NVL72-class
rack in immersion) with every facility PUE at or above the documented floor, checked from the result
tables against the catalogs (not the model's rows). The two hourly scenarios' inputs are checked in
``test_shipped_plans.py`` (their solves take minutes)."""

from __future__ import annotations

import pytest

import planner
from planner.catalogs.load import cooling_supported, pue_floor
from planner.paths import SCENARIOS_DIR
from planner.scenario.load import load_scenario

ANNUAL = ["us_inference_2027", "us_inference_2027_carbon", "nordic_europe_2027", "small_5_sites"]
DISPATCHABLE = ("gas", "nuclear", "geothermal")
TOL = 1e-5


@pytest.fixture(scope="module", params=ANNUAL)
def shipped(request, catalogs):
    scn = load_scenario(SCENARIOS_DIR / f"{request.param}.yaml", catalogs)
    assert scn.time.mode == "annual"
    return planner.solve(scn, catalogs=catalogs)


def test_every_site_in_service_by_its_online_year(shipped):
    scn = shipped.scenario
    assert scn.demand.online_year is not None
    rows = shipped.summary["sites_in_service"]
    assert set(rows) == set(shipped.summary["sites"])
    for row in rows.values():
        assert row["in_service_year"] <= row["online_year"] <= scn.demand.online_year


def test_n_plus_1_at_every_site(shipped, catalogs):
    """Firm supply = grid tie + availability x dispatchable plant + backup gensets; the largest
    single loss is the grid tie, one module of a modular plant, or a whole continuous plant."""
    assert shipped.summary["power_redundancy"] == "n+1"
    energy, sites = shipped.tables["energy_capacity"], shipped.tables["sites"].set_index("site_id")
    cat = catalogs.energy
    for s, row in shipped.summary["sites_in_service"].items():
        mine = energy[(energy["site_id"] == s) & (energy["capacity_mw"] > 1e-9)]
        firm, losses = row["backup_mw"], []
        for r in mine.itertuples():
            if r.kind == "grid":
                firm += r.capacity_mw
                losses.append(r.capacity_mw)
            elif r.kind in DISPATCHABLE:
                avail = float(cat.at[r.tech_id, "max_availability"])
                module = float(cat.at[r.tech_id, "module_mw"])
                firm += avail * r.capacity_mw
                losses.append(avail * (module if module > 0 else r.capacity_mw))
        peak = sites.at[s, "facility_peak_mw"]
        assert firm - max(losses, default=0.0) >= peak - TOL, s
        assert row["largest_contingency_mw"] == pytest.approx(max(losses, default=0.0), abs=1e-6)


def test_cooling_support_and_pue_floor(shipped, catalogs):
    """Every installed GPU under a supported cooling (GB200/GB300 NVL72: DLC only, never immersion);
    every open site's annual-mean PUE (facility / IT energy) at or above 1 + electrical losses +
    support loads, and its hottest-hour PUE (facility peak / IT peak) no lower."""
    floor = pue_floor(catalogs.facility)
    fleet, sites = shipped.tables["fleet"], shipped.tables["sites"]
    installed = fleet[fleet["gpus_installed"] > 0]
    assert len(installed)
    for row in installed.itertuples():
        assert row.cooling_id in cooling_supported(catalogs, row.gpu_id), (row.site_id, row.gpu_id)
        if catalogs.gpus.at[row.gpu_id, "scaleup_domain_gpus"] >= 72:
            assert row.cooling_id == "dlc", (row.site_id, row.gpu_id)
    opened = sites[sites["open"]]
    assert (opened["pue"] >= floor - 1e-9).all()
    assert (opened["facility_avg_mw"] >= floor * opened["it_avg_mw"] - 1e-6).all()
    assert (opened["facility_peak_mw"] >= floor * opened["it_mw"] - 1e-6).all()
