"""The consoles every command prints to, and the one way an error is printed.

Both consoles print text literally: rich markup (``[bold]``), emoji codes (``:x:``) and
highlighting are off, so a file name such as ``a[/x].yaml`` or ``:x:.yaml`` is shown as given.
Styled output is built from :class:`rich.text.Text` pieces, never from markup strings.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from planner.errors import PlannerError

console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from literal pieces: ``styled(("error:", "bold red"), " ", message)``."""
    return Text.assemble(*parts)


def say_error(prefix: str, message: str) -> None:
    """Print ``prefix message`` on stderr, literally; fall back to plain ``sys.stderr`` if rich fails."""
    try:
        err_console.print(styled((prefix, "bold red"), " ", message), soft_wrap=True)
    except Exception:  # noqa: BLE001 - the error printer itself must never crash
        try:
            sys.stderr.write(f"{prefix} {message}\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001, S110 - stderr closed: nothing left to report to
            pass


def fail(exc: PlannerError) -> typer.Exit:
    """Print a planner error as one message and return the Exit carrying its code."""
    say_error("error:", str(exc))
    return typer.Exit(exc.exit_code)


def fmt_num(value: Any, fmt: str) -> str:
    """Format a number with ``fmt``, or '' for a missing one (None, NaN, NA)."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else format(value, fmt)
