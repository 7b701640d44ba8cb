"""Expected error of the roofline estimate, from the calibration's leave-one-GPU-out residuals.

For every calibration pair k (GPU, model, MLPerf scenario) :func:`calibration_report` refits the
factors without any result of that GPU and predicts the pair: est_k. Per pair

    APE_k   = |est_k - meas_k| / meas_k                 absolute percentage error [-]
    r_k     = meas_k / est_k                            share of the estimate the meter delivered [-]

grouped by latency regime: ``offline`` (no limit) and ``latency-bounded`` (MLPerf server and
interactive limits, and any production target: all are sized by the same batch-under-TPOT rule).
A group's expected error is the median APE and its 80th percentile; its shortfall at quantile q is

    shortfall(q) = 1 - min(1, quantile_{1-q}(r))        [-]

so that in a share q of the held-out pairs the measurement reached at least (1 - shortfall) x the
estimate, and the conservative throughput is estimate x (1 - shortfall(q)). (A ratio quantile, not
1 - the APE quantile: APE can exceed 1, and over- and under-estimates are not alike when sizing.)

Models without any MLPerf row get their regime's figures too, but only the GPU was held out, not
the model: for them the figures are a lower bound (``expected_error_basis`` says so).
Measured pairs: expected error 0 (the median over submitters; their spread is not counted).
The residuals are cached on disk by content (:mod:`planner.chain.tokens.fit_cache`): the
leave-one-GPU-out refits take minutes, once per catalog and code content.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.chain.tokens.calibration import ById, calibration_key, calibration_report
from planner.chain.tokens.fit_cache import cached

REGIMES = ("offline", "latency-bounded")
"""Groups of the residuals: no latency limit, and any finite TTFT/TPOT limit."""
P80 = 0.8
"""The reported upper quantile of the absolute percentage error [-]."""


def regime_class(scenario: str) -> str:
    """``offline`` for the MLPerf offline scenario, else ``latency-bounded`` (server, interactive,
    a production ``target``)."""
    return "offline" if str(scenario) == "offline" else "latency-bounded"


@dataclass(frozen=True)
class ErrorModel:
    """Held-out residuals per regime group: APE [-] and measured / estimate ratios [-], sorted."""

    ape: Mapping[str, tuple[float, ...]]
    ratio: Mapping[str, tuple[float, ...]]

    def _group(self, regime: str) -> str:
        """The group of ``regime``; the pooled other group when it has no residual."""
        return regime if self.ape.get(regime) else next(g for g in REGIMES if self.ape.get(g))

    def count(self, regime: str) -> int:
        """Number of held-out pairs behind the group's figures [-]."""
        return len(self.ape[self._group(regime)])

    def error(self, regime: str, q: float = 0.5) -> float:
        """Quantile ``q`` of the group's absolute percentage error (median by default) [-]."""
        return float(np.quantile(self.ape[self._group(regime)], q))

    def shortfall(self, regime: str, q: float) -> float:
        """1 - min(1, (1 - q) quantile of measured / estimate): the derating that covers a share
        ``q`` of the held-out pairs [-], in [0, 1)."""
        r = float(np.quantile(self.ratio[self._group(regime)], 1.0 - q))
        return 1.0 - min(1.0, max(r, 0.0))


def residuals(pairs: pd.DataFrame) -> ErrorModel:
    """The :class:`ErrorModel` of calibration pairs with ``scenario``, ``tokens_per_s_per_gpu`` and a
    positive ``loo_estimate`` (pairs without one, e.g. a GPU that is the only one, are skipped)."""
    use = pairs[pairs["loo_estimate"].fillna(0) > 0]
    meas, est = use["tokens_per_s_per_gpu"].astype(float), use["loo_estimate"].astype(float)
    group = use["scenario"].map(regime_class)
    ape = ((est - meas).abs() / meas).groupby(group)
    ratio = (meas / est).groupby(group)
    return ErrorModel(
        {g: tuple(sorted(map(float, ape.get_group(g)))) for g in REGIMES if g in ape.groups},
        {g: tuple(sorted(map(float, ratio.get_group(g)))) for g in REGIMES if g in ratio.groups},
    )


def error_model(catalogs: Any) -> ErrorModel:
    """The leave-one-GPU-out residuals of the catalogs' calibration, cached per catalogs object in
    memory and on disk by the content key of the calibration plus this module's source."""
    return _error_model(ById(catalogs))


@functools.lru_cache(maxsize=4)
def _error_model(handle: ById) -> ErrorModel:
    """:func:`error_model` of one catalogs object (the calibration's identity-keyed cache)."""
    catalogs = handle.obj
    key = hashlib.sha256(
        (calibration_key(catalogs) + Path(sys.modules[__name__].__file__).read_text()).encode()
    ).hexdigest()

    def compute() -> dict[str, Any]:
        m = residuals(calibration_report(catalogs)[2])
        return {
            "ape": {g: list(v) for g, v in m.ape.items()},
            "ratio": {g: list(v) for g, v in m.ratio.items()},
        }

    value = cached("loo-residuals", key, compute)
    return ErrorModel(
        {g: tuple(v) for g, v in value["ape"].items()}, {g: tuple(v) for g, v in value["ratio"].items()}
    )


def measured_models(catalogs: Any) -> set[str]:
    """Model ids with at least one MLPerf row in ``catalogs.benchmarks``."""
    return set(catalogs.benchmarks["model_id"].astype(str))


def with_expected_errors(table: pd.DataFrame, catalogs: Any, quantile: float = P80) -> pd.DataFrame:
    """``table`` (rows of :func:`planner.chain.tokens.throughput.throughput_table`) with the
    held-out error of each estimated pair; measured pairs get 0 and keep their tokens/s.

    Columns set or added: ``expected_error`` (median APE of the pair's regime group),
    ``expected_error_p80``, ``shortfall_quantile`` (q), ``conservative_shortfall`` (module docstring),
    ``tokens_per_s_conservative`` = tokens/s per GPU x (1 - shortfall) [tokens/s] and
    ``expected_error_basis`` (what the figures rest on).
    """
    out = table.copy()
    model = error_model(catalogs)
    seen = measured_models(catalogs)
    est = out["source"] != "measured"
    groups = out["scenario"].map(regime_class)
    out["expected_error"] = np.where(est, groups.map(lambda g: model.error(g)), 0.0)
    out["expected_error_p80"] = np.where(est, groups.map(lambda g: model.error(g, P80)), 0.0)
    out["shortfall_quantile"] = quantile
    out["conservative_shortfall"] = np.where(est, groups.map(lambda g: model.shortfall(g, quantile)), 0.0)
    out["tokens_per_s_conservative"] = out["tokens_per_s_per_gpu"] * (1.0 - out["conservative_shortfall"])
    basis = [
        "measured: MLPerf median, 0 (submitter spread not counted)"
        if not e
        else f"{g} pairs, GPU held out ({model.count(g)} pairs)"
        + ("" if m in seen else "; model has no MLPerf row: a lower bound")
        for e, g, m in zip(est, groups, out["model_id"])
    ]
    out["expected_error_basis"] = basis
    return out
