"""Expected error of the roofline estimate, from the calibration's held-out residuals.

For every calibration pair k (GPU, model, MLPerf scenario) :func:`calibration_report` refits the
factors without any result of that GPU and predicts the pair: est_k (leave-one-GPU-out, the error
of a served model MLPerf ran, on any GPU). For a served model without any MLPerf row,
:func:`leave_one_model_out` refits without any result of the pair's model instead (its model
effect is then the shared 0, as for the unseen model). Per pair

    APE_k   = |est_k - meas_k| / meas_k                 absolute percentage error [-]
    r_k     = meas_k / est_k                            share of the estimate the meter delivered [-]

grouped by latency regime: ``offline`` (no limit) and ``latency-bounded`` (MLPerf server and
interactive limits, and any production target: all are sized by the same batch-under-TPOT rule).
A group's expected error is the median APE and its 80th percentile; its shortfall at quantile q is

    shortfall(q) = 1 - min(1, quantile_{1-q}(r))        [-]

so that in a share q of the held-out pairs the measurement reached at least (1 - shortfall) x the
estimate, and the conservative throughput is estimate x (1 - shortfall(q)). (A ratio quantile, not
1 - the APE quantile: APE can exceed 1, and over- and under-estimates are not alike when sizing.)

Which residuals a pair gets follows what the fit has seen of it: a model with MLPerf rows gets the
leave-one-GPU-out group, a model without any the leave-one-model-out group (about twice the error:
the model's own software efficiency is unknown); a GPU whose architecture family has no MLPerf
result (an announced generation: Rubin, CDNA 5) gets the leave-one-family-out group, which refits
without the whole family as the estimate of such a GPU has to (leave-one-GPU-out keeps a held-out
GPU's siblings and so its family effect); when both the model and the family are unseen, the larger
of the two errors. ``expected_error_basis`` says which, and marks announced GPUs (their specs are
the vendor's claims).
Measured pairs: expected error 0 (the median over submitters; their spread is not counted).
The residuals are shipped for the shipped catalogs and cached on disk by content
(:mod:`planner.chain.tokens.fit_cache`): the refits take a minute or more, once per catalog and
code content.
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

from planner.chain.tokens.calibration import (
    ById,
    calibration_key,
    calibration_report,
    leave_one_family_out,
    leave_one_model_out,
)
from planner.chain.tokens.corrections import gpu_family
from planner.chain.tokens.fit_cache import cached

REGIMES = ("offline", "latency-bounded")
"""Groups of the residuals: no latency limit, and any finite TTFT/TPOT limit."""
P80 = 0.8
"""The reported upper quantile of the absolute percentage error [-]."""
HELD_OUT = {"gpu": "loo_estimate", "model": "lomo_estimate", "family": "lofo_estimate"}
"""What a residual held out of the fit -> the column of its held-out estimate."""


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


def residuals(pairs: pd.DataFrame, column: str = "loo_estimate") -> ErrorModel:
    """The :class:`ErrorModel` of calibration pairs with ``scenario``, ``tokens_per_s_per_gpu`` and a
    positive held-out estimate in ``column`` (pairs without one, e.g. a GPU that is the only one,
    are skipped)."""
    use = pairs[pairs[column].fillna(0) > 0]
    meas, est = use["tokens_per_s_per_gpu"].astype(float), use[column].astype(float)
    group = use["scenario"].map(regime_class)
    ape = ((est - meas).abs() / meas).groupby(group)
    ratio = (meas / est).groupby(group)
    return ErrorModel(
        {g: tuple(sorted(map(float, ape.get_group(g)))) for g in REGIMES if g in ape.groups},
        {g: tuple(sorted(map(float, ratio.get_group(g)))) for g in REGIMES if g in ratio.groups},
    )


def error_model(catalogs: Any, held_out: str = "gpu") -> ErrorModel:
    """The residuals of the catalogs' calibration with each pair's GPU (``held_out="gpu"``) or
    model (``"model"``) held out of the fit, cached per catalogs object in memory and on disk by
    the content key of the calibration plus this module's source."""
    return _error_model(ById(catalogs), held_out)


def held_out_residuals(
    catalogs: Any, model_id: str, gpu_id: str | None = None, regime: str = "offline"
) -> tuple[str, ErrorModel]:
    """What was held out (``"GPU"``, ``"model"`` or ``"family"``) and the residuals that fit the pair:
    leave-one-model-out if MLPerf never ran ``model_id`` (no row in ``catalogs.benchmarks``),
    leave-one-family-out if it never ran a GPU of ``gpu_id``'s family, the one with the larger median
    error in ``regime`` when both; else leave-one-GPU-out (also when a held-out set is empty)."""
    unseen = []
    if model_id not in measured_models(catalogs):
        unseen.append("model")
    if gpu_id is not None and gpu_family(gpu_id) not in measured_families(catalogs):
        unseen.append("family")
    found = [(w, m) for w in unseen if (m := error_model(catalogs, w)).ape]
    if found:
        return max(found, key=lambda wm: wm[1].error(regime))
    return "GPU", error_model(catalogs, "gpu")


def residuals_kind(held_out: str) -> str:
    """The fit cache's kind of the residuals with ``held_out`` (``gpu``, ``model``, ``family``) held out."""
    return f"{held_out}-out-residuals"


def residuals_key(catalogs: Any, held_out: str) -> str:
    """Content key of the residuals: the calibration's key, what is held out and this module's source."""
    source = Path(sys.modules[__name__].__file__).read_text()
    return hashlib.sha256((calibration_key(catalogs) + held_out + source).encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def _error_model(handle: ById, held_out: str) -> ErrorModel:
    """:func:`error_model` of one catalogs object (the calibration's identity-keyed cache)."""
    catalogs, column = handle.obj, HELD_OUT[held_out]

    def compute() -> dict[str, Any]:
        folds = {
            "gpu": lambda c: calibration_report(c)[2],
            "model": leave_one_model_out,
            "family": leave_one_family_out,
        }
        pairs = folds[held_out](catalogs)
        m = residuals(pairs, column)
        return {
            "ape": {g: list(v) for g, v in m.ape.items()},
            "ratio": {g: list(v) for g, v in m.ratio.items()},
        }

    value = cached(residuals_kind(held_out), residuals_key(catalogs, held_out), compute)
    return ErrorModel(
        {g: tuple(v) for g, v in value["ape"].items()}, {g: tuple(v) for g, v in value["ratio"].items()}
    )


def measured_models(catalogs: Any) -> set[str]:
    """Model ids with at least one MLPerf row in ``catalogs.benchmarks``."""
    return set(catalogs.benchmarks["model_id"].astype(str))


def measured_families(catalogs: Any) -> set[str]:
    """Architecture families of the catalog GPUs with at least one MLPerf row."""
    ran = set(catalogs.benchmarks["gpu_id"].astype(str)) & set(map(str, catalogs.gpus.index))
    return {gpu_family(g) for g in ran}


def with_expected_errors(table: pd.DataFrame, catalogs: Any, quantile: float = P80) -> pd.DataFrame:
    """``table`` (rows of :func:`planner.chain.tokens.throughput.throughput_table`) with the
    held-out error of each estimated pair; measured pairs get 0 and keep their tokens/s.

    Columns set or added: ``expected_error`` (median APE of the pair's regime group),
    ``expected_error_p80``, ``shortfall_quantile`` (q), ``conservative_shortfall`` (module docstring),
    ``tokens_per_s_conservative`` = tokens/s per GPU x (1 - shortfall) [tokens/s] and
    ``expected_error_basis`` (what the figures rest on).
    """
    out = table.copy()
    est = out["source"] != "measured"
    groups = out["scenario"].map(regime_class)
    keys = list(zip(out["gpu_id"], out["model_id"], groups))
    held = {k: held_out_residuals(catalogs, k[1], k[0], k[2]) for k in set(keys)}
    what = [held[k][0] for k in keys]
    models = [held[k][1] for k in keys]
    status = catalogs.gpus["status"] if "status" in catalogs.gpus.columns else pd.Series(dtype=str)
    claims = [
        "; announced: vendor-claimed specs" if status.get(g) == "announced" else "" for g in out["gpu_id"]
    ]
    out["expected_error"] = [m.error(g) if e else 0.0 for m, g, e in zip(models, groups, est)]
    out["expected_error_p80"] = [m.error(g, P80) if e else 0.0 for m, g, e in zip(models, groups, est)]
    out["shortfall_quantile"] = quantile
    out["conservative_shortfall"] = [
        m.shortfall(g, quantile) if e else 0.0 for m, g, e in zip(models, groups, est)
    ]
    out["tokens_per_s_conservative"] = out["tokens_per_s_per_gpu"] * (1.0 - out["conservative_shortfall"])
    out["expected_error_basis"] = [
        f"{g} pairs, {w} held out ({m.count(g)} pairs){c}"
        if e
        else "measured: MLPerf median, 0 (submitter spread not counted)"
        for m, g, e, w, c in zip(models, groups, est, what, claims)
    ]
    return out
