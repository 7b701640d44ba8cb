"""The y axes of ``planner curve`` by hand: tokens/s per MW from facility power per GPU, USD per
million tokens from a hand CRF and a hand power bill, and the error band in each unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain.tokens.power import busy_share
from planner.errors import InputError
from planner.results.curve_view import Band, CurveView, shape_text
from planner.results.curve_y import Economics, economics, y_axis
from planner.scenario.load import scenario_from_dict
from tests.helpers import TINY, with_changes


def _econ(facility_w: float, usd_per_yr: float) -> Economics:
    per_gpu = pd.DataFrame({"facility_w": [facility_w], "usd_per_yr": [usd_per_yr]}, index=["G"])
    return Economics(per_gpu, "hand", 0.07, 0.0, 50.0, 1, (5.0,))


def test_tokens_per_mw_and_usd_per_mtok_by_hand():
    """2,000 tokens/s on a GPU drawing 1,600 W at the meter: 2,000 / 1,600 x 1e6 = 1.25e6 tokens/s
    per MW. At 12,000 USD/yr it makes 2,000 x 31,536,000 = 6.3072e10 tokens a year:
    12,000 / 6.3072e10 x 1e6 = 0.19026 USD per million tokens."""
    e = _econ(1600.0, 12_000.0)
    assert e.convert("tokens-per-gpu", ["G"], [2000.0]) == pytest.approx([2000.0])
    assert e.convert("tokens-per-mw", ["G"], [2000.0]) == pytest.approx([1.25e6])
    assert e.convert("usd-per-mtok", ["G"], [2000.0]) == pytest.approx([0.190258], rel=1e-5)
    assert np.isnan(e.convert("usd-per-mtok", ["G"], [0.0])[0])  # no tokens: no price per token


def test_owner_cost_from_a_hand_crf(catalogs):
    """H100 under a scenario with WACC 8 %, GPU life 4 y, no spares, one site at 50 USD/MWh:
    CRF = 0.08 x 1.08^4 / (1.08^4 - 1) = 0.08 x 1.360489 / 0.360489 = 0.301921 /yr, so the GPU
    costs price x 0.301921 a year (38,000 USD: 11,473 USD/yr); it draws P_fac = PUE(air,
    temperate) x (s x node W + network W), s the MLPerf-metered busy share (1,275 and 45 W in
    data/gpus.csv), and pays P_fac / 1e6 x 8,760 h x 50 USD/MWh for it."""
    plan = scenario_from_dict(
        with_changes(
            TINY,
            {
                "finance": {"wacc": 0.08, "gpu_life_years": 4},
                "fleet": {"spare_share": 0.0},
                "sites": {
                    "include": ["abilene_tx"],
                    "overrides": {"abilene_tx": {"electricity_price_usd_per_mwh": 50}},
                },
                "technologies.cooling": ["air", "dlc"],
            },
        ),
        catalogs,
    )
    row = economics(catalogs, plan, ["H100"]).per_gpu.loc["H100"]
    gpu = catalogs.gpus.loc["H100"]
    price = float(gpu["price_usd_per_gpu"])
    assert row["gpu_usd_per_yr"] == pytest.approx(price * 0.301921, rel=1e-5)
    pue = float(catalogs.cooling_climate.loc[("air", "temperate"), "pue"])
    facility = pue * (busy_share(catalogs, "H100") * gpu["node_w_per_gpu"] + gpu["network_w_per_gpu"])
    assert row["cooling"] == "air" and row["pue"] == pytest.approx(pue)
    assert row["facility_w"] == pytest.approx(facility)
    assert row["power_usd_per_yr"] == pytest.approx(facility / 1e6 * 8760 * 50.0)
    assert row["usd_per_yr"] == pytest.approx(price * 0.301921 + facility / 1e6 * 8760 * 50.0, rel=1e-5)


def test_spares_add_their_price_and_idle_power(catalogs):
    """3 % spares: GPU cost x 1.03 and + 0.03 x (idle node W + network W) before PUE."""
    base = with_changes(TINY, {"fleet": {"spare_share": 0.0}})
    none = economics(catalogs, scenario_from_dict(base, catalogs), ["H100"]).per_gpu.loc["H100"]
    some = economics(
        catalogs, scenario_from_dict(with_changes(base, {"fleet": {"spare_share": 0.03}}), catalogs), ["H100"]
    ).per_gpu.loc["H100"]
    assert some["gpu_usd_per_yr"] == pytest.approx(1.03 * none["gpu_usd_per_yr"])
    gpu = catalogs.gpus.loc["H100"]
    assert some["it_w"] - none["it_w"] == pytest.approx(
        0.03 * (gpu["idle_w_per_gpu"] + gpu["network_w_per_gpu"])
    )


def test_bad_y_names_the_allowed_values():
    with pytest.raises(
        InputError, match="--y 'tokens': allowed values are tokens-per-gpu, tokens-per-mw, usd-per-mtok"
    ):
        y_axis("tokens")


class _Curve:
    """The frontier fields a CurveView reads, for one GPU at two rates."""

    model_id = "m"
    sweep = pd.DataFrame(
        {
            "gpu_id": ["G", "G"],
            "precision": "fp8",
            "tokens_per_s_per_user": [10.0, 50.0],
            "tokens_per_s_per_gpu": [2000.0, 500.0],
        }  # fmt: skip
    )


@settings(max_examples=20, deadline=None)
@given(err=st.floats(0.01, 0.9))
def test_band_brackets_the_line_in_every_unit(err):
    """The band is tokens x (1 -+ e) converted: around the line in every unit, its ends swapped for
    USD per million tokens (cost falls as tokens rise)."""
    e = _econ(1600.0, 12_000.0)
    for key in ("tokens-per-gpu", "tokens-per-mw", "usd-per-mtok"):
        view = CurveView(_Curve(), y_axis(key), Band(err, "GPU", 10), e)  # type: ignore[arg-type]
        s = view.sweep
        assert (s["y_low"] < s["y"]).all() and (s["y"] < s["y_high"]).all()
        t = s["tokens_per_s_per_gpu"]
        ends = sorted(
            [e.convert(key, ["G"], [t[0] * (1 - err)])[0], e.convert(key, ["G"], [t[0] * (1 + err)])[0]]
        )
        assert [s["y_low"][0], s["y_high"][0]] == pytest.approx(ends)


def test_shape_text_reads_either_request_shape():
    """The card's Workload (input/output tokens) and a request shape with isl/osl/prefix_hit."""
    from types import SimpleNamespace

    from planner.chain.tokens.roofline import Workload

    expected = "800 in / 3,900 out tokens, prefix hit 0%, TTFT 2,000 ms"
    assert shape_text(Workload(800.0, 3900.0), 2000.0) == expected
    shape = SimpleNamespace(isl=2000, osl=400, prefix_hit=0.56)
    assert shape_text(shape, 450.0) == "2,000 in / 400 out tokens, prefix hit 56%, TTFT 450 ms"
    assert shape_text(None) == ""
