"""Number formatting of the plan report: thousands separators, fixed decimals, blank for missing."""

from __future__ import annotations

import math
from typing import Any


def num(value: Any, spec: str = ",.1f", scale: float = 1.0) -> str:
    """``value / scale`` formatted with ``spec``; '' for a missing or non-numeric value (NaN, None, '')."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(x):
        return ""
    return format(x / scale, spec)


def sig(value: Any) -> str:
    """A magnitude readable at any size: whole above 100 ('1,234'), else 3 significant figures
    ('26.5', '0.35')."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(x):
        return ""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def share(value: Any) -> str:
    """A fraction as a percentage with one decimal: 0.4567 -> '45.7%'."""
    return num(value, ".1%")
