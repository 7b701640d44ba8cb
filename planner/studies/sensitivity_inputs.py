"""The inputs of a one-at-a-time sensitivity: ``--vary path=LO:HI[:STEPS]`` and the default set.

An input is a scenario path (as ``--set`` takes it) and the values it takes: a numeric range
``LO:HI`` sampled at ``STEPS`` evenly spaced values (default 3: low, middle, high), or a list
``V1,V2,...`` (categorical when the values are not all numbers, e.g.
``physics.throughput_basis=median,conservative``). Between two neighbouring numeric values
whose plans differ, flip points are located by bisection (:mod:`planner.studies.sensitivity`);
categorical inputs have no values in between.

Default set (:data:`DEFAULT_INPUTS`), each range with its reason (``Input.why``):

==============================  ===============  ===========================================
path                            range            why
==============================  ===============  ===========================================
prices.gas_price_scale          0.6 - 1.4        the 2024 record-low Henry Hub average (2.19
                                                 USD/MMBtu, EIA STEO 2025-09) is ~0.6x the
                                                 AEO2025 Reference 2028-37 mean the site
                                                 catalog uses (~3.2-4.7); EIA STEO 2025-08
                                                 expects > 5.40 USD/MMBtu by December 2026,
                                                 ~1.4x it
prices.electricity_price_scale  0.8 - 1.2        estimate: PJM's 2025/26 capacity auction
                                                 cleared at 269.92 USD/MW-day, 9x the year
                                                 before, adding to large-load tariffs; long
                                                 contracts may sit ~20% under tariff
finance.wacc                    0.05 - 0.10      the catalog's own sensitivity range around
                                                 its 7% real default (data/finance.csv)
prices.gpu_price_scale          0.75 - 1.25      estimate: hyperscale discounts on list
                                                 prices and 2027 supply tightness, +-25%
prices.cost_case                market, atb      plant capex: 2025 market figures vs NREL
                                                 ATB 2025 moderate (lower gas plant capex)
demand.scale                    0.5 - 1.5        estimate: provider token volumes rose 2.7x
                                                 in five months of 2025 (the scenario's
                                                 description); 2027 demand is uncertain by
                                                 at least a factor of 1.5 either way
physics.throughput_basis        median,          tokens/s per GPU at the calibrated estimate
                                conservative     or at its held-out p80 shortfall
carbon_price_usd_per_t          0 - 190          no US federal price today; 190 USD/t is the
                                                 EPA 2023 social cost of carbon (2020
                                                 emissions, 2% discount rate, 2020 USD)
==============================  ===============  ===========================================

Numeric ranges are symmetric about the default scenario's value where a source allows it, so the
middle value is the base plan and its solve is shared.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.errors import InputError
from planner.scenario.load import parse_overrides

MAX_STEPS = 21
"""Most values one ``--vary`` range may have."""
FLIP_TOLERANCE = 0.02
"""Bisection stops when a flip is bracketed to this share of the input's range [-]."""
VARY_SYNTAX = (
    "expected PATH=LO:HI[:STEPS] (numbers with LO < HI, STEPS an integer from 2 to "
    f"{MAX_STEPS}, default 3), e.g. prices.gas_price_scale=0.6:1.4:3, or PATH=V1,V2[,...] "
    "(two or more values), e.g. physics.throughput_basis=median,conservative"
)


@dataclass(frozen=True)
class Input:
    """One input of a sensitivity: a scenario path and the values it is solved at."""

    path: str
    values: tuple[Any, ...]
    label: str
    why: str = ""
    integer: bool = False

    @property
    def numeric(self) -> bool:
        """True when every value is a number (so flips can be bisected between neighbours)."""
        return all(_is_number(v) for v in self.values)

    @property
    def span(self) -> float:
        """Width of the numeric range (max - min) [units of the path]; 0 for categorical inputs."""
        return float(max(self.values) - min(self.values)) if self.numeric else 0.0

    @property
    def tolerance(self) -> float:
        """Bracket width at which a bisection stops: :data:`FLIP_TOLERANCE` of the range (at
        least 1 for an integer field)."""
        tol = FLIP_TOLERANCE * self.span
        return max(tol, 1.0) if self.integer else tol


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _range(lo: float, hi: float, steps: int = 3) -> tuple[float, ...]:
    """``steps`` evenly spaced values from ``lo`` to ``hi`` (12 significant digits, so that the
    middle of 0.6:1.4 is exactly 1.0, the default, and shares the base plan's solve)."""
    return tuple(float(f"{v:.12g}") for v in np.linspace(lo, hi, steps))


DEFAULT_INPUTS: tuple[Input, ...] = (
    Input(
        "prices.gas_price_scale",
        _range(0.6, 1.4),
        "gas price",
        "x0.6: the 2024 record-low Henry Hub average (2.19 USD/MMBtu, EIA STEO 2025-09) against the "
        "AEO2025 Reference 2028-37 means in data/sites.csv; x1.4: EIA STEO 2025-08 expects more than "
        "5.40 USD/MMBtu by December 2026",
    ),
    Input(
        "prices.electricity_price_scale",
        _range(0.8, 1.2),
        "grid price",
        "estimate: +-20%; PJM's 2025/26 capacity auction cleared at 269.92 USD/MW-day (9x the "
        "year before) and large-load tariffs are being repriced; long contracts can sit below tariff",
    ),
    Input(
        "finance.wacc",
        _range(0.05, 0.10),
        "WACC",
        "5-10% real: the sensitivity range data/finance.csv gives around its 7% default",
    ),
    Input(
        "prices.gpu_price_scale",
        _range(0.75, 1.25),
        "GPU price",
        "estimate: +-25% for hyperscale discounts on list prices and 2027 supply tightness",
    ),
    Input(
        "prices.cost_case",
        ("market", "atb"),
        "plant capex",
        "2025 market plant capex (utility filings, BNEF, EIA) vs NREL ATB 2025 moderate",
    ),
    Input(
        "demand.scale",
        _range(0.5, 1.5),
        "demand",
        "estimate: provider token volumes rose 2.7x in five months of 2025; 2027 demand is "
        "uncertain by a factor of 1.5 either way",
    ),
    Input(
        "physics.throughput_basis",
        ("median", "conservative"),
        "throughput basis",
        "tokens/s per GPU at the calibrated estimate or at its held-out p80 shortfall",
    ),
    Input(
        "carbon_price_usd_per_t",
        _range(0.0, 190.0),
        "carbon price",
        "0: no US federal price; 190 USD/t: EPA 2023 social cost of carbon (2% discount rate)",
    ),
)
"""The default set of ``planner sensitivity`` (no ``--vary``)."""

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*(?::\s*(\d+)\s*)?$")


def parse_vary(items: Sequence[str]) -> list[Input]:
    """``["prices.gas_price_scale=0.6:1.4:5", "prices.cost_case=market,atb"]`` -> inputs.

    Raises InputError naming ``--vary`` and the syntax allowed (:data:`VARY_SYNTAX`) for an
    item without ``=``, a malformed range, LO >= HI, STEPS outside 2..:data:`MAX_STEPS`, fewer
    than two values, repeated values or a path given twice.
    """
    out: list[Input] = []
    for item in items:
        path, sep, raw = item.partition("=")
        path = path.strip()
        if not sep or not path or not raw.strip():
            raise InputError(f"--vary '{item}': {VARY_SYNTAX}")
        if any(i.path == path for i in out):
            raise InputError(f"--vary {path}: given twice; give each path once")
        known = next((d for d in DEFAULT_INPUTS if d.path == path), None)
        label, why = (known.label, known.why) if known else (_short(path, [*items]), "")
        out.append(Input(path, _values(item, path, raw), label, why, integer=_is_int_field(path)))
    return out


def _short(path: str, items: Sequence[str]) -> str:
    """The label of a user's input: the last part of its path, or more parts until it is unique
    among the ``--vary`` paths (``new_albany_oh.electricity_price_usd_per_mwh``)."""
    others = [i.partition("=")[0].strip() for i in items]
    parts = path.split(".")
    for n in range(1, len(parts) + 1):
        label = ".".join(parts[-n:])
        if sum(o == label or o.endswith("." + label) for o in others) <= 1:
            return label
    return path


def _values(item: str, path: str, raw: str) -> tuple[Any, ...]:
    """The values of one ``--vary`` item (a range or a list)."""
    if ":" in raw and "," not in raw:
        found = _RANGE.match(raw)
        if not found:
            raise InputError(f"--vary '{item}': {VARY_SYNTAX}")
        lo, hi, steps = float(found.group(1)), float(found.group(2)), int(found.group(3) or 3)
        if not lo < hi or not 2 <= steps <= MAX_STEPS:
            raise InputError(f"--vary '{item}': {VARY_SYNTAX}")
        values: tuple[Any, ...] = _range(lo, hi, steps)
        if _is_int_field(path):
            values = tuple(dict.fromkeys(int(round(v)) for v in values))
        return values
    from planner.studies.sweep import split_values

    parts = [p.strip() for p in split_values(raw)]
    if len(parts) < 2 or any(not p for p in parts):
        raise InputError(f"--vary '{item}': {VARY_SYNTAX}")
    values = tuple(parse_overrides([f"{path}={p}"])[path] for p in parts)
    keys = [repr(v) for v in values]
    if len(set(keys)) != len(keys):
        raise InputError(f"--vary '{item}': a value is repeated; {VARY_SYNTAX}")
    if all(_is_number(v) for v in values):
        values = tuple(sorted(values))
    return values


def _is_int_field(path: str) -> bool:
    """True when the scenario schema types ``path`` as an integer (bisection steps are whole)."""
    from planner.scenario.fields import schema_at

    parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]
    try:
        tp, _ = schema_at(parts)
    except (TypeError, ValueError):
        return False
    return tp is int


def check_inputs(inputs: Sequence[Input], resolve: Any) -> None:
    """Resolve the scenario at every value of every input (``resolve(overrides)`` raises
    InputError); the first failure becomes ``--vary PATH: ...`` before anything is solved."""
    if not inputs:
        raise InputError(f"--vary: give at least one input; {VARY_SYNTAX}")
    for spec in inputs:
        for value in spec.values:
            try:
                resolve({spec.path: value})
            except InputError as exc:
                raise InputError(f"--vary {spec.path}={format_value(value)}: {exc}") from None


def format_value(value: Any) -> str:
    """A value as a short text: ``0.6``, ``190``, ``median``, ``[H100, B200]``."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)
