"""The fitted efficiency stretches the step: the latency-bound batch is chosen on the real step
t / e (by hand), offline it is e x the roofline, tokens/s never falls with a higher efficiency
(every GPU x model), the reported batch and interval are those used, and the fit recovers an
efficiency that enters through the batch (Gauss-Newton by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.chain.tokens import calibration, linear, shrinkage, stretch
from planner.chain.tokens import roofline as roofline_module
from planner.chain.tokens.calibration import calibrate, calibration_key
from planner.chain.tokens.corrections import Corrections
from planner.chain.tokens.mlperf import mlperf_key
from planner.chain.tokens.roofline import OFFLINE, TPOT_HEADROOM, TTFT_HEADROOM, Factors, Target, roofline
from planner.chain.tokens.stretch import GRID, Stretch
from planner.chain.tokens.throughput import card_target, default_precision, throughput
from tests.chain.tokens.test_latency_target import GPU, MODEL, UNIT, WL, _interval


def _at(log_e: float) -> Factors:
    """Unit efficiencies with a shared effect log e and no regime effect."""
    return Factors(1.0, 1.0, 1.0, 1.0, {}, Corrections(shared=log_e))


def test_a_slower_step_shrinks_the_latency_bound_batch_by_hand() -> None:
    # e = 0.5: the real interval is 2 x the roofline's, so TPOT = interval(64) / (h e) allows B = 64
    target = Target(10.0, _interval(64) / (TPOT_HEADROOM * 0.5))
    r = roofline(GPU, MODEL, "fp8", WL, _at(math.log(0.5)), target)
    assert r.batch == pytest.approx(64, rel=1e-6)
    assert r.tokens_per_s_per_gpu == pytest.approx(0.5 * 64 / _interval(64), rel=1e-6)
    assert r.tpot_s == pytest.approx(2 * _interval(64), rel=1e-6)  # the real interval = h x TPOT
    assert r.tpot_s <= TPOT_HEADROOM * target.tpot_s * (1 + 1e-9)
    # the uncorrected step would allow the 128-sequence cap: tokens/s falls by more than e
    physics = roofline(GPU, MODEL, "fp8", WL, UNIT, target)
    assert physics.batch == pytest.approx(128)
    assert r.tokens_per_s_per_gpu < 0.5 * physics.tokens_per_s_per_gpu * 0.6  # 0.5 x 0.558


def test_offline_is_e_times_the_roofline_and_prefill_is_stretched() -> None:
    slow, fast = _at(math.log(0.5)), _at(math.log(2.0))
    base = roofline(GPU, MODEL, "fp8", WL, UNIT, OFFLINE)
    for f, e in ((slow, 0.5), (fast, 2.0)):
        r = roofline(GPU, MODEL, "fp8", WL, f, OFFLINE)
        assert r.batch == base.batch and r.tokens_per_s_per_gpu == pytest.approx(
            e * base.tokens_per_s_per_gpu
        )
        assert r.ttft_s == pytest.approx(base.ttft_s / e)
    # one prefill takes t_pre / e: a TTFT that admits t_pre at e = 1 is missed at e = 0.5
    target = Target(1.5 * base.ttft_s / TTFT_HEADROOM, 1.0)
    assert roofline(GPU, MODEL, "fp8", WL, UNIT, target).tokens_per_s_per_gpu > 0
    missed = roofline(GPU, MODEL, "fp8", WL, slow, target)
    assert missed.tokens_per_s_per_gpu == 0 and "prefill" in missed.reason


@settings(max_examples=6, deadline=None)
@given(
    low=st.floats(-1.5, 0.5),
    step=st.floats(0.01, 1.0),
    tpot_ms=st.sampled_from([10.0, 15.0, 40.0, 200.0]),
)
def test_higher_efficiency_never_lowers_tokens_per_s(
    catalogs, low: float, step: float, tpot_ms: float
) -> None:  # type: ignore[no-untyped-def]
    """e x roofline(e x target) is non-decreasing in e, and the real interval meets the target,
    over every GPU x model at its default precision."""
    target = Target(2.0, tpot_ms / 1e3)
    for g in catalogs.gpus.index:
        for m in catalogs.models.index:
            gpu, model = catalogs.gpus.loc[g], catalogs.models.loc[m]
            p, wl = default_precision(gpu, model), mlperf_key(model.get("mlperf_model", "")) or None
            lo, hi = (roofline(gpu, model, p, WL, _at(u), target, wl) for u in (low, low + step))
            assert hi.tokens_per_s_per_gpu >= lo.tokens_per_s_per_gpu * (1 - 1e-9), (g, m)
            if lo.tokens_per_s_per_gpu > 0:
                assert lo.tpot_s <= TPOT_HEADROOM * target.tpot_s * (1 + 1e-9), (g, m)


def test_reported_batch_and_interval_are_those_used(catalogs) -> None:  # type: ignore[no-untyped-def]
    """tokens/s per GPU = B x (1 / real interval) / n x exp(c(TPOT)) for calibrated estimates at the
    card's target: the batch and the per-user rate reported (pipeline --json) give the rate."""
    c = calibrate(catalogs).corrections
    checked = 0
    for g in ("H100", "B200", "MI300X", "L40S"):
        for m in catalogs.models.index:
            t = throughput(g, m, catalogs, estimate_only=True)
            if t.tokens_per_s_per_gpu <= 0:
                continue
            model = catalogs.models.loc[m]
            regime = math.exp(
                c.regime_log(card_target(model).tpot_s, mlperf_key(model.get("mlperf_model", "")))
            )
            by_hand = t.batch * t.tokens_per_s_per_user / t.replica_gpus * regime
            assert t.tokens_per_s_per_gpu == pytest.approx(by_hand, rel=1e-9), (g, m)
            assert 1e3 / t.tokens_per_s_per_user <= TPOT_HEADROOM * t.tpot_ms * (1 + 1e-9), (g, m)
            checked += 1
    assert checked >= 10


def test_gauss_newton_recovers_an_efficiency_that_enters_through_the_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shrinkage, "LOSS_SCALE", 1e9)  # least squares
    # one efficiency u; an offline pair y = u, a bounded one y = u + D(u) with D(u) = u:
    # minimise (1 - u)^2 + (1 - 2u)^2 -> u = 3/5 (the linear fit, D ignored, would give 1)
    x, y = np.ones((2, 1)), np.array([1.0, 1.0])
    s = Stretch(np.vstack([np.zeros(len(GRID)), GRID]), np.array([True]))
    beta = shrinkage.solve(x, y, np.array([1e-12]), s)
    assert beta[0] == pytest.approx(0.6, abs=1e-6)
    assert shrinkage.solve(x, y, np.array([1e-12]))[0] == pytest.approx(1.0, abs=1e-6)
    # a kinked D (slope 3 below u = 0, 0 above): y = 1 on both -> u = 1 still fits both exactly
    kinked = Stretch(np.vstack([np.zeros(len(GRID)), 3.0 * np.minimum(GRID, 0.0)]), np.array([True]))
    assert shrinkage.solve(x, y, np.array([1e-12]), kinked)[0] == pytest.approx(1.0, abs=1e-6)


def test_stretch_interpolates_and_extrapolates_linearly() -> None:
    s = Stretch(np.array([2.0 * GRID + 0.5 * GRID**2]), np.array([True]))
    d, slope = s.at(np.array([0.25]))
    # linear between the grid points 0.2 and 0.3: D = 0.42 + (0.25 - 0.2) (0.645 - 0.42) / 0.1
    # (the curve itself is 0.53125 there)
    assert d[0] == pytest.approx(0.5325) and slope[0] == pytest.approx(2.25)
    below, _ = s.at(np.array([GRID[0] - 1.0]))
    first = (s.values[0, 1] - s.values[0, 0]) / (GRID[1] - GRID[0])
    assert below[0] == pytest.approx(s.values[0, 0] - first)


def test_the_fit_cache_key_covers_every_module_of_the_estimate(catalogs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list = []
    monkeypatch.setattr(calibration, "content_key", lambda frames, modules: seen.extend(modules) or "k")
    calibration_key(catalogs)
    assert {roofline_module, linear, stretch, shrinkage, calibration} <= set(seen)
