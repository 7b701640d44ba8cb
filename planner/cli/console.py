"""The consoles every command prints to, and the one way an error is printed."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from planner.errors import PlannerError

console = Console()
err_console = Console(stderr=True)


def fail(exc: PlannerError) -> typer.Exit:
    """Print a planner error as one message and return the Exit carrying its code."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def fmt_num(value: Any, fmt: str) -> str:
    """Format a number with ``fmt``, or '' for a missing one (None, NaN, NA)."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else format(value, fmt)
