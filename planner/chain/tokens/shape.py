"""The request shape a served model is estimated at: mean input tokens (ISL), mean output tokens
(OSL) and the prefix-cache hit share h, from the model card, a scenario or the command line.

    I  = ISL [tokens]    O = OSL [tokens]    h = hit share of the I input tokens [-], 0 <= h < 1

Prefix hits skip prefill: a request computes (1 - h) I tokens, at a mean attended context of
I (1 + h) / 2, and loads the KV of the h I others (:meth:`planner.chain.tokens.roofline._Replica.prefill_s`),
so prefill FLOPs fall by about (1 - h) (the linear part exactly, attention by 1 - h^2) and the
time to first token with them; decode is unchanged (the cached prefix is still attended).
Defaults: the card's ``typical_input_tokens`` / ``typical_output_tokens`` / ``typical_prefix_hit``
(its ``prefix_hit_source``); under an MLPerf scenario h = 0 (MLPerf's requests are distinct
dataset samples, and the calibration fits them with h = 0), unless given explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner.chain.tokens.fields import row_float
from planner.chain.tokens.mlperf import workload_for_model
from planner.chain.tokens.roofline import Workload
from planner.errors import InputError

MAX_TOKENS = 10_000_000
"""Largest ISL or OSL accepted [tokens] (beyond any model's context)."""


@dataclass(frozen=True)
class ShapeOverride:
    """Request-shape fields given on the command line or in a scenario (None = the default)."""

    isl: float | None = None
    osl: float | None = None
    prefix_hit: float | None = None


def check_shape(isl: float | None, osl: float | None, prefix_hit: float | None, where: str = "") -> None:
    """Raise :class:`InputError` naming the option (``--isl``, ``--osl``, ``--prefix-hit``, or the
    scenario path in ``where``) when a given value is out of range."""
    names = (
        (f"{where}isl", f"{where}osl", f"{where}prefix_hit") if where else ("--isl", "--osl", "--prefix-hit")
    )
    for name, v in zip(names[:2], (isl, osl), strict=True):
        if v is not None and not (math.isfinite(v) and 1 <= v <= MAX_TOKENS):
            raise InputError(f"{name} {v:g}: allowed a mean token count from 1 to {MAX_TOKENS:,}")
    if prefix_hit is not None and not (math.isfinite(prefix_hit) and 0 <= prefix_hit < 1):
        raise InputError(f"{names[2]} {prefix_hit:g}: allowed a share of input tokens from 0 to below 1")


def request_shape(model: Any, override: Any = None, mlperf: bool = False) -> tuple[Workload, str]:
    """The :class:`Workload` (I, O, h) of ``model`` with the fields of ``override`` (``isl``,
    ``osl``, ``prefix_hit``; None = keep) and what h rests on [tokens, tokens, -]. The card's h,
    or 0 under an MLPerf scenario (``mlperf``)."""
    card = workload_for_model(model)
    isl, osl, hit = (getattr(override, k, None) for k in ("isl", "osl", "prefix_hit"))
    check_shape(isl, osl, hit)
    if hit is not None:
        h, basis = float(hit), "given"
    elif mlperf:
        h, basis = 0.0, "MLPerf scenario: distinct dataset requests, no prefix cache"
    else:
        h = row_float(model, "typical_prefix_hit")
        source = model.get("prefix_hit_source")
        basis = f"model card: {source}" if h > 0 and isinstance(source, str) else "model card (none)"
    return (
        Workload(
            card.input_tokens if isl is None else float(isl),
            card.output_tokens if osl is None else float(osl),
            h,
        ),
        basis,
    )
