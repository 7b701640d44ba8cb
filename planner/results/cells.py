"""Text cells made inert for spreadsheets (CSV and xlsx): no formula injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or
carriage return, the same) as a formula: a scenario or site name such as ``=HYPERLINK(...)`` or
``=cmd|' /C calc'!A0`` would run when the file is opened. As OWASP recommends (CSV Injection),
such text is written with a leading single quote, which spreadsheets show as text. Numbers are
never touched, nor is text that is a plain number (``-0.5``, ``+1e3``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def inert(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value.strip()):
        return "'" + value
    return value


def inert_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell passed through :func:`inert` (numeric columns untouched);
    the column names too."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(inert)
    out.columns = [inert(c) for c in out.columns]
    return out
