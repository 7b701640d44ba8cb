"""The energy-to-tokens pipeline of one configuration: photons/CH4 -> W facility -> W IT -> FLOP/s ->
tokens/s, with carbon and the Landauer bound per token."""

from __future__ import annotations

import json

import pytest

from planner.chain.pipeline import pipeline_report
from planner.chain.tokens.power import busy_share, power_rows
from planner.errors import InputError


def test_pipeline_report_is_consistent(catalogs):
    r = pipeline_report("H100", "llama-2-70b", catalogs)
    d = r.to_dict()
    # PUE: 1.04 floor (electrical losses + support loads) + 0.22 air cooling overhead (temperate)
    assert d["cooling"] == "air" and d["site"] is None and d["pue"] == pytest.approx(1.26)
    # nameplate IT W = node 1275 (GPU 700 + host 575) + scale-out network 45
    assert (d["gpu_watts_per_gpu"], d["host_watts_per_gpu"], d["network_watts_per_gpu"]) == (700, 575, 45)
    assert d["it_nameplate_watts_per_gpu"] == 1320.0
    busy = busy_share(catalogs, "H100") * 1275.0 + 45.0  # no H100 power row: median share of all rows
    assert 0.55 < (busy - 45.0) / 1275.0 < 0.75
    assert d["it_watts_per_gpu"] == pytest.approx(busy)
    assert d["facility_watts_per_gpu"] == pytest.approx(busy * 1.26)
    assert d["facility_joules_per_token"] == pytest.approx(busy * 1.26 / d["tokens_per_s_per_gpu"])
    assert d["gco2e_per_token"] == pytest.approx(d["facility_joules_per_token"] / 3.6e6 * 367.0)
    assert d["landauer_joules_per_token"] == pytest.approx(2.871e-21 * d["flop_per_token"], rel=1e-3)
    assert d["ch4_molecules_per_token"] == pytest.approx(
        d["facility_watts_per_gpu"]
        * 6.168
        * 1.05505585e9
        / 3.6e9
        / 890.4e3
        * 6.02214076e23
        / d["tokens_per_s_per_gpu"]
    )
    assert d["pv_photons_per_token"] > 0 and len(r.stages) >= 10
    json.dumps(d)
    site = pipeline_report("GB200", "llama-3.1-70b", catalogs, site_id="abilene_tx").to_dict()
    assert site["cooling"] == "dlc" and site["climate"] == "hot_dry"
    assert site["temperature_k"] == pytest.approx(18.3 + 273.15)
    with pytest.raises(InputError, match="supported by its vendors only under dlc"):
        pipeline_report("GB200", "llama-3.1-70b", catalogs, cooling_id="air")
    with pytest.raises(InputError, match="supported by its vendors only under dlc"):
        pipeline_report("GB200", "llama-3.1-70b", catalogs, cooling_id="immersion_1ph")


def test_energy_per_token_matches_the_meter(catalogs):
    # MLPerf v5.1 Lenovo B200 x 8, llama-2-70b fp4 offline: 10,401 W at 102,909 tokens/s = 0.101 J/token
    rows = power_rows(catalogs)
    b200 = rows[(rows.gpu_id == "B200") & (rows.model_id == "llama-2-70b") & (rows.scenario == "offline")]
    assert b200.joules_per_token.min() == pytest.approx(0.1011, rel=1e-3)
    d = pipeline_report("B200", "llama-2-70b", catalogs, precision="fp4", scenario="offline").to_dict()
    assert d["source"] == "measured" and d["precision"] == "fp4" and d["scenario"] == "offline"
    assert d["it_joules_per_token"] == pytest.approx(0.101, rel=0.15)
    assert d["it_watts_per_gpu"] < d["it_nameplate_watts_per_gpu"]


def test_it_power_itemised_with_spares(catalogs):
    """Nameplate = GPU + host CPUs/memory + host other + network; x86 boards carry 130 W of CPUs and
    memory per GPU, NVL72 racks 125 W (one Grace per 2 GPUs); spares add spare x (idle + network)."""
    plain = pipeline_report("H100", "llama-2-70b", catalogs).to_dict()
    spared = pipeline_report("H100", "llama-2-70b", catalogs, spare_share=0.03).to_dict()
    parts = ("gpu_watts_per_gpu", "host_cpu_memory_watts_per_gpu", "host_other_watts_per_gpu")
    assert [spared[k] for k in parts] == [700, 130, 445]
    assert sum(spared[k] for k in (*parts, "network_watts_per_gpu")) == spared["it_nameplate_watts_per_gpu"]
    assert spared["spare_watts_per_gpu"] == pytest.approx(0.03 * (320 + 45))
    assert spared["it_watts_per_gpu"] == pytest.approx(plain["it_watts_per_gpu"] + 0.03 * 365)
    assert spared["facility_joules_per_token"] > plain["facility_joules_per_token"]
    gb = pipeline_report("GB200", "llama-3.1-70b", catalogs).to_dict()
    assert gb["host_cpu_memory_watts_per_gpu"] == 125
    assert gb["host_watts_per_gpu"] == 1833 - 1200
