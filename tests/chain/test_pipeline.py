"""The energy-to-tokens pipeline of one configuration: photons/CH4 -> W facility -> W IT -> FLOP/s ->
tokens/s, with carbon and the Landauer bound per token."""

from __future__ import annotations

import json

import pytest

from planner.chain.pipeline import pipeline_report
from planner.errors import InputError


def test_pipeline_report_is_consistent(catalogs):
    r = pipeline_report("H100", "llama-2-70b", catalogs)
    d = r.to_dict()
    # PUE: 1.04 floor (electrical losses + support loads) + 0.22 air cooling overhead (temperate)
    assert d["cooling"] == "air" and d["site"] is None and d["pue"] == pytest.approx(1.26)
    # IT W = node 1275 (GPU 700 + host 575) + scale-out network 45
    assert (d["gpu_watts_per_gpu"], d["host_watts_per_gpu"], d["network_watts_per_gpu"]) == (700, 575, 45)
    assert d["it_watts_per_gpu"] == pytest.approx(1320.0)
    assert d["facility_watts_per_gpu"] == pytest.approx(1320.0 * 1.26)
    assert d["facility_joules_per_token"] == pytest.approx(1320.0 * 1.26 / d["tokens_per_s_per_gpu"])
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
