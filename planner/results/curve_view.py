"""What ``planner curve`` shows: the frontier in the units of ``--y``, its request shape and TTFT,
and the expected-error band.

Band: the estimate's expected error e is the 80th percentile of the held-out absolute percentage
error of the latency-bounded MLPerf pairs (:mod:`planner.chain.tokens.uncertainty`: the GPU held
out of the fit for a model MLPerf ran, the model held out for one it never ran), so about four
held-out results in five fell within it. (The median, about half as wide, left most of the
errors users met on unseen results outside.) Around tokens/s per GPU T the band is
[T (1 - e), T (1 + e)], converted to the ``--y`` units like T (for USD per million tokens the
ends swap: cost falls as tokens rise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.chain.tokens.frontier import Curve
from planner.chain.tokens.uncertainty import P80, held_out_residuals
from planner.errors import InputError
from planner.results.curve_y import Economics, YAxis, economics, y_axis

BAND_QUANTILE = P80
"""Quantile of the held-out absolute percentage error the band spans [-]."""


@dataclass(frozen=True)
class Band:
    """Expected error of the estimate: ``error`` [-] (NaN without held-out pairs), what was held
    out (``GPU`` or ``model``) and the number of pairs behind it."""

    error: float
    held_out: str
    pairs: int

    def text(self) -> str:
        """``+-27% expected error (p80 of the held-out |error|, GPU held out, 32 MLPerf pairs ...)``."""
        if math.isnan(self.error):
            return "expected error unknown (no held-out MLPerf pairs)"
        return (
            f"+-{self.error:.0%} expected error (p{BAND_QUANTILE * 100:.0f} of the held-out |error|, "
            f"{self.held_out} held out, {self.pairs} MLPerf pairs at latency limits)"
        )


def expected_band(catalogs: Any, model_id: str) -> Band:
    """The :class:`Band` of ``model_id``'s estimates at latency targets (module docstring)."""
    try:
        what, model = held_out_residuals(catalogs, model_id)
    except InputError:  # a hand-built catalog without MLPerf pairs to hold out
        return Band(float("nan"), "none", 0)
    return Band(model.error("latency-bounded", BAND_QUANTILE), what, model.count("latency-bounded"))


def _attr(obj: Any, names: tuple[str, ...]) -> float | None:
    """The first of ``names`` that ``obj`` (an object or a mapping) has and is a number."""
    for n in names:
        v = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
            return float(v)
    return None


def shape_text(shape: Any, ttft_ms: float | None = None) -> str:
    """``800 in / 3,900 out tokens, prefix hit 56%, TTFT 2,000 ms`` of a request shape (fields
    ``isl``/``input_tokens``, ``osl``/``output_tokens``, ``prefix_hit`` and a ``source`` text if it
    has them)."""
    isl = _attr(shape, ("isl", "input_tokens"))
    osl = _attr(shape, ("osl", "output_tokens"))
    hit = _attr(shape, ("prefix_hit", "prefix_hit_share"))
    parts = [f"{isl:,.0f} in / {osl:,.0f} out tokens" if isl is not None and osl is not None else ""]
    parts.append(f"prefix hit {hit:.0%}" if hit is not None else "")
    parts.append(f"TTFT {ttft_ms:,.0f} ms" if ttft_ms is not None and math.isfinite(ttft_ms) else "")
    source = getattr(shape, "source", None)
    text = ", ".join(p for p in parts if p)
    return f"{text} ({source})" if text and isinstance(source, str) and source else text


@dataclass(frozen=True)
class CurveView:
    """A :class:`planner.chain.tokens.frontier.Curve` in the units of ``axis``: ``sweep`` gains
    ``y``, ``y_low`` and ``y_high`` (the band); ``points`` and ``measured`` gain ``y`` /
    ``measured_y`` and ``estimate_y``; ``table`` holds y at the table's rates. ``economics`` is
    None for tokens/s per GPU."""

    curve: Curve
    axis: YAxis
    band: Band
    economics: Economics | None

    def __repr__(self) -> str:
        gpus = sorted({str(g) for g in self.curve.sweep["gpu_id"]}) if "gpu_id" in self.curve.sweep else []
        return (
            f"CurveView({self.model_id}, y {self.axis.key}, GPUs {', '.join(gpus)}; "
            ".sweep, .table, .points, .measured)"
        )

    @property
    def model_id(self) -> str:
        return self.curve.model_id

    def convert(self, gpu_ids: Any, tokens_per_s: Any) -> np.ndarray:
        """Tokens/s per GPU of ``gpu_ids`` in this view's units."""
        if self.economics is None:
            return np.asarray(tokens_per_s, dtype=float)
        return self.economics.convert(self.axis.key, list(gpu_ids), tokens_per_s)

    @property
    def sweep(self) -> pd.DataFrame:
        s = self.curve.sweep
        t, e = s["tokens_per_s_per_gpu"], (0.0 if math.isnan(self.band.error) else self.band.error)
        lo, hi = self.convert(s["gpu_id"], t * max(1.0 - e, 0.0)), self.convert(s["gpu_id"], t * (1.0 + e))
        return s.assign(y=self.convert(s["gpu_id"], t), y_low=np.fmin(lo, hi), y_high=np.fmax(lo, hi))

    @property
    def points(self) -> pd.DataFrame:
        p = self.curve.points
        return p.assign(y=self.convert(p["gpu_id"], p["tokens_per_s_per_gpu"]))

    @property
    def measured(self) -> pd.DataFrame:
        m = self.curve.measured
        return m.assign(
            measured_y=self.convert(m["gpu_id"], m["measured"]),
            estimate_y=self.convert(m["gpu_id"], m["estimate"]),
        )

    @property
    def table(self) -> pd.DataFrame:
        """One row per GPU: y at each table rate (NaN where it cannot serve that fast), the fastest
        rate per user and the precision."""
        t = self.curve.table.copy()
        for u in [c for c in t.columns if isinstance(c, float)]:
            t[u] = self.convert(t.index, t[u])
        return t

    def title(self) -> str:
        """``deepseek-r1: mean request 800 in / 3,900 out tokens, TTFT 2,000 ms``."""
        shape = shape_text(self.curve.shape, self.curve.ttft_ms)
        return f"{self.model_id}: mean request {shape or 'shape unknown'}"


def curve_view(curve: Curve, catalogs: Any, y: str = "tokens-per-gpu", scenario: Any = None) -> CurveView:
    """The :class:`CurveView` of ``curve`` in ``--y`` units ``y``; ``scenario`` (a validated
    :class:`planner.scenario.schema.Scenario`) supplies finance and prices for the MW and cost
    axes (required for those)."""
    axis = y_axis(y)
    econ = None
    if axis.key != "tokens-per-gpu":
        if scenario is None:
            raise InputError(f"--y {axis.key}: needs a scenario for its finance and prices")
        econ = economics(catalogs, scenario, list(curve.table.index))
    return CurveView(curve, axis, expected_band(catalogs, curve.model_id), econ)
