"""The ``planner`` command line (typer + rich): the app, its commands, and the entry point.

Each command lives in its own module of this package and adds itself through ``register(app)``.
Every error the planner knows about is printed as one ``error: ...`` message with its exit
code (2 invalid input, 3 infeasible, 4 no solution in the time limit); an unexpected
internal error is reported in one line too (set ``PLANNER_DEBUG=1`` for the traceback).
Ctrl-C (SIGINT) and SIGTERM stop any command cleanly: run directories being written are
removed, one line is printed, and the exit code is 130 (SIGINT) or 143 (SIGTERM).

``planner --version`` prints the installed version; ``planner --install-completion`` adds tab
completion of commands and options to the current shell (bash, zsh, fish, PowerShell),
``--show-completion`` prints the script instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from planner.cli import (
    alternatives,
    curve,
    data,
    evaluate,
    export,
    pareto,
    pipeline,
    sensitivity,
    solve,
    sweep,
    validate,
)
from planner.cli import map as map_command
from planner.cli.console import say_error
from planner.errors import PlannerError, Terminated

app = typer.Typer(
    name="planner",
    help="AI factory siting planner: where to build, how to power and cool, which GPUs, "
    "to serve tokens/s at least cost or carbon.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: flags without a spurious <bool> metavar, text as written
)
COMMANDS = (
    solve,
    validate,
    pipeline,
    curve,
    data,
    map_command,
    export,
    pareto,
    sweep,
    evaluate,
    sensitivity,
    alternatives,
)
for command in COMMANDS:
    command.register(app)

DISTRIBUTION = "ai-factory-planner"
"""The package's name on PyPI / in pyproject.toml, whose installed version ``--version`` prints."""


def version_text() -> str:
    """``planner X.Y.Z`` (the installed distribution's version; ``unknown`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"planner {version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return "planner (version unknown: the package is not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
) -> None:
    del version  # handled by its eager callback


_STOPPED_BY: list[int] = []
"""The signal (SIGINT or SIGTERM) that stopped this process, once one has arrived."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt (SIGINT) or :class:`Terminated` (SIGTERM) in the main thread, so the
    same cleanup runs for both; later signals are ignored so they cannot interrupt the cleanup."""
    _STOPPED_BY.append(signum)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _stopped() -> None:
    """Print the one line for a stop by signal and exit 128 + signal number (130 SIGINT, 143 SIGTERM)."""
    signum = _STOPPED_BY[0] if _STOPPED_BY else signal.SIGINT
    name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C (SIGINT)"
    say_error("interrupted:", f"stopped by {name}; no partial output was left")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed stream: nothing left to flush
            stream.flush()
    # Cleanup (partial run directories, Dask clusters) ran while the exception unwound. Exit without
    # interpreter teardown: HiGHS worker threads of an interrupted solve may still be winding down,
    # and destroying them at teardown aborts the process (C++ std::terminate). multiprocessing's
    # own exit handlers still run, so no semaphore is reported leaked.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        with contextlib.suppress(Exception):
            mp_util._exit_function()
    os._exit(128 + int(signum))


def main() -> None:
    """Console-script entry point: no traceback ever reaches the user unless PLANNER_DEBUG is set."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        app()
    except SystemExit:
        if _STOPPED_BY:  # typer turns KeyboardInterrupt into a silent exit 130
            _stopped()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is done: a late signal changes nothing
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise
    except PlannerError as exc:  # raised outside a command's own handler
        say_error("error:", str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _stopped()
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("PLANNER_DEBUG"):
            raise
        say_error("internal error:", f"{type(exc).__name__}: {exc} (set PLANNER_DEBUG=1 for the traceback)")
        sys.exit(1)
