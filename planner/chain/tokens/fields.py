"""Reading numbers from catalog rows (pandas Series or mappings) for the throughput code."""

from __future__ import annotations

import math
from typing import Any


def row_float(row: Any, key: str, default: float = 0.0) -> float:
    """``row[key]`` as a float; ``default`` when missing, blank, NaN or not a number."""
    try:
        v = float(row.get(key, default))
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v
