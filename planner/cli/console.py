"""The consoles every command prints to, and the one way an error is printed."""

from __future__ import annotations

import typer
from rich.console import Console

from planner.errors import PlannerError

console = Console()
err_console = Console(stderr=True)


def fail(exc: PlannerError) -> typer.Exit:
    """Print a planner error as one message and return the Exit carrying its code."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(exc.exit_code)
