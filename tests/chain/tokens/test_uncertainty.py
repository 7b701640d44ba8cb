"""Expected error of the estimate from held-out residuals (leave-one-GPU-out for a model MLPerf
ran, leave-one-model-out for one it never ran), and the conservative throughput it gives."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain.tokens import uncertainty
from planner.chain.tokens.throughput import throughput_table
from planner.chain.tokens.uncertainty import REGIMES, ErrorModel, residuals, with_expected_errors

# five held-out offline pairs: measured 100 each, held-out estimates 80, 100, 125, 150, 200
# -> APE 0.2, 0, 0.25, 0.5, 1.0; measured / estimate 1.25, 1, 0.8, 0.667, 0.5
HAND = pd.DataFrame(
    {
        "scenario": ["offline"] * 5 + ["server"],
        "tokens_per_s_per_gpu": [100.0] * 5 + [50.0],
        "loo_estimate": [80.0, 100.0, 125.0, 150.0, 200.0, 40.0],
    }
)


def test_residuals_by_hand():
    m = residuals(HAND)
    assert m.count("offline") == 5 and m.count("latency-bounded") == 1
    assert m.error("offline") == pytest.approx(0.25)  # median of 0, 0.2, 0.25, 0.5, 1.0
    # numpy linear quantile at 0.8: position 3.2 of the sorted APEs -> 0.5 + 0.2 x 0.5
    assert m.error("offline", 0.8) == pytest.approx(0.6)
    # (1 - 0.8) quantile of the ratios 0.5, 0.667, 0.8, 1, 1.25: position 0.8 -> 0.5 + 0.8 x 0.1667
    assert m.shortfall("offline", 0.8) == pytest.approx(1 - (0.5 + 0.8 * (2 / 3 - 0.5)))
    # a median ratio of 0.8 -> a 20 % shortfall; an estimate below every measurement -> none
    assert m.shortfall("offline", 0.5) == pytest.approx(0.2)
    assert m.shortfall("latency-bounded", 0.8) == 0.0
    assert m.error("latency-bounded") == pytest.approx(0.2)  # |40 - 50| / 50


def test_group_without_residuals_uses_the_other():
    m = residuals(HAND[HAND["scenario"] == "offline"])
    assert m.error("latency-bounded") == m.error("offline")


@settings(max_examples=40, deadline=None)
@given(
    ratios=st.lists(st.floats(0.05, 5.0), min_size=1, max_size=30),
    q1=st.floats(0.5, 0.99),
    q2=st.floats(0.5, 0.99),
)
def test_shortfall_grows_with_the_quantile_and_stays_below_one(ratios, q1, q2):
    m = ErrorModel({"offline": (0.1,)}, {"offline": tuple(sorted(ratios))})
    lo, hi = sorted((q1, q2))
    assert 0.0 <= m.shortfall("offline", lo) <= m.shortfall("offline", hi) < 1.0


# the same pairs held out by model: estimates 100 each -> APE 0 offline; server 100 -> APE 1
HAND_MODEL_OUT = HAND.assign(loo_estimate=[100.0] * 5 + [100.0])


@pytest.fixture
def hand_model(monkeypatch):
    by = {"gpu": residuals(HAND), "model": residuals(HAND_MODEL_OUT)}
    monkeypatch.setattr(uncertainty, "error_model", lambda catalogs, held_out="gpu": by[held_out])
    return by["gpu"]


def test_table_errors_measured_zero_and_conservative_below(catalogs, hand_model):
    # H200 runs 405B in MLPerf at its card's target (interactive, measured); MI355X does not (estimate)
    table = throughput_table(
        catalogs, ["H200", "MI355X"], ["llama-3.1-405b", "llama-3.1-70b"], topologies=["single_node"]
    )
    out = with_expected_errors(table, catalogs, 0.5)
    measured = out[out["source"] == "measured"]
    assert len(measured) and (measured[["expected_error", "conservative_shortfall"]] == 0).all().all()
    assert (measured["tokens_per_s_conservative"] == measured["tokens_per_s_per_gpu"]).all()
    est = out[out["source"] == "estimate"]
    assert len(est) and (est["scenario"] != "offline").all()
    # 405B has MLPerf rows: the GPU-held-out residuals (APE 0.2, measured / estimate 1.25: no
    # shortfall); 70B has none: the model-held-out ones (APE 1.0, ratio 0.5: a 50 % shortfall)
    seen, unseen = est[est["model_id"] == "llama-3.1-405b"], est[est["model_id"] == "llama-3.1-70b"]
    assert len(seen) and len(unseen)
    assert (seen["tokens_per_s_conservative"] == seen["tokens_per_s_per_gpu"]).all()
    assert unseen["tokens_per_s_conservative"].tolist() == pytest.approx(
        (0.5 * unseen["tokens_per_s_per_gpu"]).tolist()
    )
    assert seen["expected_error"].tolist() == pytest.approx([0.2] * len(seen))
    assert unseen["expected_error"].tolist() == pytest.approx([1.0] * len(unseen))
    assert all("GPU held out" in b for b in seen["expected_error_basis"])
    assert all("model held out" in b for b in unseen["expected_error_basis"])


def test_conservative_is_the_estimate_times_one_minus_the_shortfall(catalogs, hand_model):
    table = throughput_table(catalogs, ["H100"], ["llama-3.1-8b"], targets=None)
    table["scenario"] = "offline"  # use the offline group of the hand residuals
    out = with_expected_errors(table, catalogs, 0.5)
    row = out.iloc[0]
    assert row["conservative_shortfall"] == pytest.approx(0.2)
    assert row["tokens_per_s_conservative"] == pytest.approx(0.8 * row["tokens_per_s_per_gpu"])


def test_shipped_residuals_are_bounded(catalogs):
    """The shipped calibration's held-out error (2026-11-28 catalogs): GPU held out, median 8-12 %,
    p80 about 27 %; model held out, median 17 % offline and 29 % latency-bounded, p80 31-46 %; the
    p80 shortfall derates by 10-23 %."""
    gpu, model = uncertainty.error_model(catalogs), uncertainty.error_model(catalogs, "model")
    for g in REGIMES:
        for m in (gpu, model):
            assert m.count(g) >= 10
            assert 0.05 < m.error(g) < 0.4
            assert m.error(g) <= m.error(g, 0.8) < 0.6
            assert 0.0 < m.shortfall(g, 0.8) < 0.4
        # a model the fit never saw is predicted worse than a GPU it never saw
        assert model.error(g) > gpu.error(g)


def test_model_without_rows_gets_the_model_held_out_residuals(catalogs):
    kind, m = uncertainty.held_out_residuals(catalogs, "llama-3.1-70b")
    assert kind == "model" and m == uncertainty.error_model(catalogs, "model")
    kind, m = uncertainty.held_out_residuals(catalogs, "llama-2-70b")
    assert kind == "GPU" and m == uncertainty.error_model(catalogs, "gpu")
