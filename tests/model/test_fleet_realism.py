"""Fleet realism: spare GPUs, scale-out network power, busy energy from the tokens served, and
grid-connection embodied carbon, each checked against a hand calculation on a solved tiny model."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from planner.api import resolve_scenario
from planner.model.build import build_model
from planner.model.highs import solve as highs_solve
from planner.model.inputs import build_inputs
from tests.helpers import with_changes


def _solved(data, catalogs):
    inp = build_inputs(resolve_scenario(data, catalogs), catalogs)
    m = build_model(inp)
    out = highs_solve(m, inp.scenario.solver)
    assert out.status == "optimal"
    return inp, m


@pytest.fixture(scope="module")
def h100_only(catalogs):
    from tests.helpers import TINY

    changes = {"technologies.gpus": ["H100"], "technologies.energy": ["grid", "pv"], "fleet.spare_share": 0.1}
    data = with_changes(TINY, changes)
    return _solved(data, catalogs)


def test_spares_are_installed_beyond_the_allocation(h100_only):
    inp, m = h100_only
    fleet = m.fleet
    assert inp.spare_share == 0.1
    for s in inp.sites:
        allocated = sum(pyo.value(fleet.alloc[k]) for k in fleet.SGM if k[0] == s and k[1] == "H100")
        assert pyo.value(fleet.n_gpu[s, "H100"]) >= 1.1 * allocated - 1e-6


def test_network_power_is_in_the_it_load(h100_only, catalogs):
    inp, _ = h100_only
    gpu = catalogs.gpus.loc["H100"]
    assert inp.gpu_node_mw["H100"] == pytest.approx((gpu.node_w_per_gpu + gpu.network_w_per_gpu) / 1e6)
    assert inp.gpu_idle_mw["H100"] == pytest.approx((gpu.idle_w_per_gpu + gpu.network_w_per_gpu) / 1e6)
    assert gpu.network_w_per_gpu > 0


def test_busy_energy_follows_the_tokens_served(h100_only):
    """Average IT MW = idle MW x GPUs installed + (busy - idle) MW / (Mtok/s per GPU) x Mtok/s served,
    summed over models, with tokens/s from the flows (one GPU type, so no split to guess)."""
    inp, m = h100_only
    node, idle = inp.gpu_busy_mw["H100"], inp.gpu_idle_mw["H100"]
    for s in inp.sites:
        served = {
            mod: sum(pyo.value(m.demand.flow[k]) for k in m.demand.SK if k[0] == s and k[2] == mod)
            for mod in inp.models
        }
        expected = idle * pyo.value(m.fleet.n_gpu[s, "H100"]) + sum(
            (node - idle) / inp.tps["H100", mod] * served[mod] for mod in inp.models if served[mod] > 0
        )
        it_avg = sum(pyo.value(m.site.it_avg[s, c]) for c in inp.coolings)
        assert it_avg == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_busy_power_is_the_metered_share_of_nameplate(h100_only, catalogs):
    """busy = s x node W + network W, s = median MLPerf system power / (n_gpu x node W) over the H100
    rows with measured power, or over all GPUs' rows when it has none (0.6 to 0.75 of nameplate,
    KNOWN-ISSUES), between idle and nameplate."""
    from planner.chain.tokens.power import power_rows

    inp, _ = h100_only
    gpu = catalogs.gpus.loc["H100"]
    rows = power_rows(catalogs)
    own = rows[rows["gpu_id"] == "H100"]
    share = float((own if len(own) else rows)["busy_share"].median())
    assert 0.55 < share < 0.8
    expected = (share * gpu.node_w_per_gpu + gpu.network_w_per_gpu) / 1e6
    assert inp.gpu_busy_mw["H100"] == pytest.approx(expected)
    assert inp.gpu_idle_mw["H100"] < inp.gpu_busy_mw["H100"] < inp.gpu_node_mw["H100"]


def test_energy_at_load_and_plant_at_nameplate(h100_only):
    """Hand case per open site: n GPUs installed, busy GPU-hours = 8760 x served / tps, so
    IT MWh/yr = busy_MW x busy GPU-hours + idle_MW x (8760 n - busy GPU-hours); the IT capacity
    (electrical and cooling plant) covers n x nameplate MW and the firm supply its facility peak."""
    inp, m = h100_only
    busy, idle, node = inp.gpu_busy_mw["H100"], inp.gpu_idle_mw["H100"], inp.gpu_node_mw["H100"]
    hours = float(inp.slices.weight_h.sum())
    opened = [s for s in inp.sites if pyo.value(m.site.open[s]) > 0.5]
    assert opened
    for s in opened:
        n = pyo.value(m.fleet.n_gpu[s, "H100"])
        busy_h = sum(
            hours * pyo.value(m.demand.flow[k]) / inp.tps["H100", k[2]] for k in m.demand.SK if k[0] == s
        )
        assert 0 < busy_h < hours * n
        mwh = busy * busy_h + idle * (hours * n - busy_h)
        it_avg = sum(pyo.value(m.site.it_avg[s, c]) for c in inp.coolings)
        assert it_avg * hours == pytest.approx(mwh, rel=1e-6)
        it_cap = sum(pyo.value(m.site.it_cap[s, c]) for c in inp.coolings)
        assert it_cap >= node * n * (1 - 1e-9)
        assert it_avg < busy * n < node * n


def test_grid_connection_embodied_carbon_is_counted(h100_only, catalogs):
    """20 kgCO2e/kW over 40 years: 0.5 tCO2e/yr per MW of grid connection."""
    inp, m = h100_only
    per_mw = catalogs.energy.at["grid", "embodied_kgco2e_per_kw"] / catalogs.energy.at["grid", "life_years"]
    assert per_mw == pytest.approx(0.5)
    cost, fleet, energy = m.cost, m.fleet, m.energy
    for s in inp.sites:
        others = (
            sum(pyo.value(cost.gpu_embodied[g] * fleet.n_gpu[s, g]) for g in fleet.G)
            + pyo.value(cost.it_embodied) * sum(pyo.value(m.site.it_cap[s, c]) for c in inp.coolings)
            + sum(pyo.value(cost.tech_embodied[e] * energy.cap[s, e]) for e in energy.E)
        )
        grid = pyo.value(cost.emissions_embodied_site[s]) - others
        assert grid == pytest.approx(per_mw * pyo.value(energy.grid_cap[s]), rel=1e-6, abs=1e-9)
    assert any(pyo.value(energy.grid_cap[s]) > 0.1 for s in inp.sites)  # ~0.7 MW at abilene_tx


def test_pipeline_itemises_the_it_load(h100_only, catalogs):
    """tables/pipeline.csv items by hand from the catalog (H100: TDP 700, node 1275 of which host
    CPUs + memory 130, idle 320, network 45 W): network = 45 n, spares = 320 (n - a), serving
    nodes = 320 a + (busy - idle) / tps x served (busy: the metered node power at load) split
    700 : 130 : 445 (nameplate shares); they sum to the IT load."""
    from planner.results.it_load import IT_ITEMS, it_items_w

    inp, m = h100_only
    gpu = catalogs.gpus.loc["H100"]
    assert catalogs.facility["host_cpu_memory_w_per_gpu_x86"] == 130
    for s in inp.sites:
        got = it_items_w(m, inp, s)
        n = pyo.value(m.fleet.n_gpu[s, "H100"])
        alloc = sum(pyo.value(m.fleet.alloc[k]) for k in m.fleet.SGM if k[0] == s)
        served = (
            sum(
                (inp.gpu_busy_mw["H100"] - inp.gpu_idle_mw["H100"])
                / inp.tps["H100", k[2]]
                * pyo.value(m.fleet.served[k])
                for k in m.fleet.SGM
                if k[0] == s
            )
            * 1e6
        )
        serving = gpu.idle_w_per_gpu * alloc + served
        assert got["it_network_w"] == pytest.approx(45 * n)
        assert got["it_spare_w"] == pytest.approx(320 * (n - alloc), abs=1e-6)
        assert got["spare_gpus"] >= 0.1 * alloc - 1e-6
        assert got["it_gpu_w"] == pytest.approx(serving * 700 / 1275, abs=1e-6)
        assert got["it_host_cpu_memory_w"] == pytest.approx(serving * 130 / 1275, abs=1e-6)
        assert got["it_host_other_w"] == pytest.approx(serving * 445 / 1275, abs=1e-6)
        it_avg = sum(pyo.value(m.site.it_avg[s, c]) for c in inp.coolings) * 1e6
        assert sum(got[k] for k in IT_ITEMS) == pytest.approx(it_avg, rel=1e-9, abs=1e-6)
