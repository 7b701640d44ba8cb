"""The ``planner`` command line (typer + rich): the app, its commands, and the entry point.

Each command lives in its own module of this package and adds itself through ``register(app)``.
Every error the planner knows about is printed as one ``error: ...`` message with its exit
code (2 invalid input, 3 infeasible, 4 no solution in the time limit); an unexpected
internal error is reported in one line too (set ``PLANNER_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import sys

import typer

from planner.cli import data, export, pareto, pipeline, solve, sweep, validate
from planner.cli import map as map_command
from planner.cli.console import err_console
from planner.errors import PlannerError

app = typer.Typer(
    name="planner",
    help="AI factory siting planner: where to build, how to power and cool, which GPUs, "
    "to serve tokens/s at least cost or carbon.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in (solve, validate, pipeline, data, map_command, export, pareto, sweep):
    command.register(app)


def main() -> None:
    """Console-script entry point: no traceback ever reaches the user unless PLANNER_DEBUG is set."""
    try:
        app()
    except PlannerError as exc:  # raised outside a command's own handler
        err_console.print(f"error: {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("PLANNER_DEBUG"):
            raise
        err_console.print(
            f"internal error: {type(exc).__name__}: {exc} (set PLANNER_DEBUG=1 for the traceback)",
            highlight=False,
        )
        sys.exit(1)
