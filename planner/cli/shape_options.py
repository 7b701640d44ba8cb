"""The request-shape options ``--isl``, ``--osl`` and ``--prefix-hit`` that ``planner pipeline`` and
``planner curve`` share (checked by :func:`planner.chain.tokens.shape.check_shape`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Isl = Annotated[
    Optional[float], typer.Option("--isl", help="Mean input tokens per request (default: the model card's).")
]
Osl = Annotated[
    Optional[float], typer.Option("--osl", help="Mean output tokens per request (default: the model card's).")
]
PrefixHit = Annotated[
    Optional[float],
    typer.Option(
        "--prefix-hit",
        help="Share of input tokens served from a prefix/KV cache, 0 to below 1 (default: the model "
        "card's; 0 under pipeline's --mlperf-scenario).",
    ),
]
