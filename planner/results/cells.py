"""Text cells made inert for spreadsheets (CSV and xlsx): no formula injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or
carriage return, the same) as a formula: a scenario or site name such as ``=HYPERLINK(...)`` or
``=cmd|' /C calc'!A0`` would run when the file is opened. As OWASP recommends (CSV Injection),
such text is written with a leading single quote, which spreadsheets show as text. A text of
several lines is guarded line by line (``Dallas<CR>=cmd|...`` -> ``Dallas<CR>'=cmd|...``), so no
line of a CSV file, whatever reads it, starts a formula. Numbers are never touched, nor is text
(or a line) that is a plain number (``-0.5``, ``+1e3``).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _inert_line(line: str) -> str:
    if line.startswith(FORMULA_START) and not _is_number(line.strip()):
        return "'" + line
    return line


def inert(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula; in a
    text of several lines (CR, LF or CRLF), each line that would."""
    if not isinstance(value, str):
        return value
    if "\r" not in value and "\n" not in value:
        return _inert_line(value)
    parts = _LINE_BREAK.split(value)  # lines at even positions, the breaks between them at odd ones
    return _inert_line("".join(p if i % 2 else _inert_line(p) for i, p in enumerate(parts)))


def inert_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell passed through :func:`inert` (numeric columns untouched);
    the column names too."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(inert)
    out.columns = [inert(c) for c in out.columns]
    return out
