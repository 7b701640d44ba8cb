"""Power redundancy: n+1 with the largest unit or the grid tie out, 2n, priced backup gensets."""

from __future__ import annotations

import dataclasses
import math

import pyomo.environ as pyo
import pytest
from pyomo.util.check_units import assert_units_consistent

import planner
from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.inputs import build_inputs
from tests.helpers import TINY, with_changes

TOL = 1e-5
AERO = {"module_mw": 50.0, "avail": 0.92}  # data/energy.csv gas_ct_aero
ABILENE_AERO = (1 - 0.111 * 0.524) * (1 - 0.007 * (37.8 - 15))
"""Site rating of an aeroderivative at Abilene (524 m, design dry bulb 37.8 C; data/derate.csv)."""


def _one_site(tiny: dict, level: str, energy: list[str]) -> dict:
    return with_changes(
        tiny,
        {
            "demand.served": [{"region": "us-south", "model": "llama-3.1-70b", "tokens_per_s": 4.0e7}],
            "sites.include": ["abilene_tx"],
            "technologies.energy": energy,
            "policy.power_redundancy": level,
        },
    )


def _site(result) -> dict:
    return result.summary["sites_in_service"]["abilene_tx"]


def _firm_and_losses(result) -> tuple[float, float, list[float]]:
    """Peak facility MW, firm supply MW (grid + firm avail x dispatchable + backup), single losses."""
    m, s = result.model, "abilene_tx"
    peak = pyo.value(m.site.facility_peak[s])
    grid = pyo.value(m.energy.grid_cap[s])
    firm = m.energy.firm_avail  # dispatchable plant only (PV and wind are not firm)
    plants = {e: pyo.value(firm[s, e] * m.energy.cap[s, e]) for e in m.energy.E if (s, e) in firm}
    backup = pyo.value(m.redundancy.backup[s])
    mods = m.energy.modules if hasattr(m.energy, "modules") else {}
    modules = {e: pyo.value(mods[s, e]) for e in plants if (s, e) in mods}
    losses = [grid] + [plants[e] / modules[e] if modules.get(e) else plants[e] for e in plants]
    return peak, grid + sum(plants.values()) + backup, losses


def test_n_plus_1_covers_the_peak_with_the_largest_module_out(tiny, catalogs):
    """Aeroderivative modules only (50 MW x 0.92 available x 0.79 site rating at Abilene = 36.4 MW
    firm): n = ceil(peak / 36.4) modules run the site, and the cheapest cover for one module out is
    backup = peak - 36.4 (n - 1) (gensets cost less per MW than a module), by hand."""
    result = planner.solve(_one_site(tiny, "n+1", ["gas_ct_aero"]), catalogs=catalogs)
    peak, firm, losses = _firm_and_losses(result)
    unit = AERO["module_mw"] * AERO["avail"] * ABILENE_AERO
    n = math.ceil(peak / unit - TOL)
    assert pyo.value(result.model.energy.modules["abilene_tx", "gas_ct_aero"]) == pytest.approx(n)
    assert _site(result)["backup_mw"] == pytest.approx(peak - unit * (n - 1), rel=1e-6)
    assert max(losses) == pytest.approx(unit)
    assert firm - max(losses) >= peak - TOL
    assert _site(result)["largest_contingency"] == "gas_ct_aero"
    assert _site(result)["largest_contingency_mw"] == pytest.approx(unit)


def test_without_redundancy_one_module_out_drops_load(tiny, catalogs):
    """With ``none`` the same site has no backup and loses load when a module trips; n+1 costs more."""
    none = planner.solve(_one_site(tiny, "none", ["gas_ct_aero"]), catalogs=catalogs)
    n1 = planner.solve(_one_site(tiny, "n+1", ["gas_ct_aero"]), catalogs=catalogs)
    peak, firm, losses = _firm_and_losses(none)
    assert _site(none)["backup_mw"] == pytest.approx(0.0, abs=TOL)
    assert firm - max(losses) < peak
    assert n1.summary["annualized_cost_usd"] > none.summary["annualized_cost_usd"]


def test_n_plus_1_grid_tie_out_is_covered(tiny, catalogs):
    """Grid and PV only: PV is not firm, so with the grid tie out backup gensets carry the peak."""
    result = planner.solve(_one_site(tiny, "n+1", ["grid", "pv"]), catalogs=catalogs)
    peak, _, _ = _firm_and_losses(result)
    assert _site(result)["backup_mw"] == pytest.approx(peak, rel=1e-6)
    assert _site(result)["largest_contingency"] == "grid"
    backup_line = result.tables["capex_items"].query("item_id == 'backup_genset'")
    assert backup_line["capex_usd"].sum() == pytest.approx(peak * 1e3 * 800, rel=1e-6)  # 800 USD/kW


def test_2n_doubles_the_firm_supply(tiny, catalogs):
    """2n: firm supply (grid + plant + backup) at least twice the peak, and n+1 holds too."""
    result = planner.solve(_one_site(tiny, "2n", ["grid", "gas_ct_aero"]), catalogs=catalogs)
    peak, firm, losses = _firm_and_losses(result)
    assert firm >= 2 * peak - TOL
    assert firm - max(losses) >= peak - TOL
    assert result.summary["power_redundancy"] == "2n"


def test_backup_emits_only_in_test_hours(tiny, catalogs):
    """Backup gensets add test-hour emissions only: 50 h/yr x 0.74 tCO2/MWh per MW [t/yr]."""
    result = planner.solve(_one_site(tiny, "n+1", ["grid", "pv"]), catalogs=catalogs)
    m = result.model
    backup = pyo.value(m.redundancy.backup["abilene_tx"])
    assert pyo.value(m.redundancy.emissions["abilene_tx"]) == pytest.approx(backup * 50 * 0.740, rel=1e-9)


def test_redundancy_block_units_are_consistent(catalogs):
    scn = resolve_scenario(with_changes(TINY, {"technologies.energy": ["grid", "gas_ct_aero"]}), catalogs)
    assert_units_consistent(build_model(build_inputs(scn, catalogs)).redundancy)


def _geothermal(tiny: dict, tokens_per_s: float) -> dict:
    """One hydrothermal site on geothermal alone, n+1."""
    return with_changes(
        tiny,
        {
            "demand.served": [{"region": "us-west", "model": "llama-3.1-70b", "tokens_per_s": tokens_per_s}],
            "demand.latency_ms": {"llama-3.1-70b": 200},
            "sites.include": ["reno_nv"],
            "technologies.energy": ["geothermal"],
            "policy.power_redundancy": "n+1",
        },
    )


@pytest.mark.parametrize("tokens_per_s", [6.0e7, 2.0e6])
def test_n_plus_1_loses_one_geothermal_unit_not_the_plant(tiny, catalogs, tokens_per_s):
    """A geothermal plant is built of ~50 MW turbine-generators (energy.csv unit_trip_mw), 0.9
    available: one trip loses min(0.9 cap, 45) MW. Sized to the peak (0.9 cap = peak), n+1 needs
    backup = min(peak, 45) by hand: 45 MW at a ~90 MW site (not the whole plant), all of the peak
    at a ~3 MW site (smaller than one unit)."""
    result = planner.solve(_geothermal(tiny, tokens_per_s), catalogs=catalogs)
    m, s = result.model, "reno_nv"
    peak = pyo.value(m.site.facility_peak[s])
    cap = pyo.value(m.energy.cap[s, "geothermal"])
    unit = float(catalogs.energy.at["geothermal", "unit_trip_mw"]) * 0.9
    assert 0.9 * cap == pytest.approx(peak, rel=1e-6)
    row = result.summary["sites_in_service"][s]
    assert row["backup_mw"] == pytest.approx(min(peak, unit), rel=1e-6)
    assert row["largest_contingency"] == "geothermal"
    assert row["largest_contingency_mw"] == pytest.approx(min(0.9 * cap, unit), rel=1e-6)
    assert (peak > unit) == (tokens_per_s > 1e7)


def test_n_plus_1_with_a_unit_trip_of_half_a_module(tiny, catalogs):
    """A module that loses only half its output in one trip (as a 2x1 combined-cycle block: one gas
    turbine and its share of the steam turbine): aeroderivative modules of 50 MW set to trip 25 MW.
    With the site rating r (0.79 at Abilene): n = ceil(peak / (46 r)) modules carry the peak, and
    backup = max(0, peak + 0.92 r x 25 - 46 r n), by hand."""
    energy = catalogs.energy.copy()
    energy.loc["gas_ct_aero", "unit_trip_mw"] = 25.0
    half = dataclasses.replace(catalogs, energy=energy)
    result = planner.solve(_one_site(tiny, "n+1", ["gas_ct_aero"]), catalogs=half)
    peak, firm, _ = _firm_and_losses(result)
    unit = AERO["module_mw"] * AERO["avail"] * ABILENE_AERO
    n = pyo.value(result.model.energy.modules["abilene_tx", "gas_ct_aero"])
    assert n == pytest.approx(math.ceil(peak / unit - TOL))
    trip = 25.0 * AERO["avail"] * ABILENE_AERO
    assert _site(result)["backup_mw"] == pytest.approx(max(0.0, peak + trip - unit * n), abs=1e-6)
    assert firm - trip >= peak - TOL
    assert _site(result)["largest_contingency_mw"] == pytest.approx(trip)
