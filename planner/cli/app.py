"""The ``planner`` command line (typer + rich): the app, its commands, and the entry point.

Each command lives in its own module of this package and adds itself through ``register(app)``.
Every error the planner knows about is printed as one ``error: ...`` message with its exit
code (2 invalid input, 3 infeasible, 4 no solution in the time limit); an unexpected
internal error is reported in one line too (set ``PLANNER_DEBUG=1`` for the traceback).
SIGINT (Ctrl-C), SIGTERM and SIGHUP stop any command cleanly at any moment (while importing:
``planner/__init__.py``'s early handler): run directories being written are removed, one line
is printed, and the exit code is 128 + the signal number (130, 143, 129). A closed stdout
(``planner solve ... | head -1``) ends quietly with exit code 141 (128 + SIGPIPE, what a shell
reports for ``yes | head -1``). A full, read-only or forbidden disk is exit 2 naming the path
(:func:`planner.errors.disk_error`).

``planner --version`` prints the installed version; ``planner --install-completion`` adds tab
completion of commands and options to the current shell (bash, zsh, fish, PowerShell),
``--show-completion`` prints the script instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from types import FrameType
from typing import Annotated, Any, TextIO

import typer

from planner.cli import (
    alternatives,
    curve,
    data,
    evaluate,
    export,
    pareto,
    pipeline,
    report,
    sensitivity,
    show,
    solve,
    sweep,
    validate,
)
from planner.cli import map as map_command
from planner.cli.console import EXIT_PIPE, say_error, visible
from planner.errors import HungUp, PlannerError, PlannerWarning, Terminated, disk_error

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}

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
    report,
    show,
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
"""The signal (SIGINT, SIGTERM or SIGHUP) that stopped this process, once one has arrived."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt (SIGINT), :class:`Terminated` (SIGTERM) or :class:`HungUp` (SIGHUP) in
    the main thread, so the same cleanup runs for all; later signals are ignored so they cannot
    interrupt the cleanup."""
    _STOPPED_BY.append(signum)
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise HungUp() if signum == signal.SIGHUP else KeyboardInterrupt()


def _quiet_streams() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail on a closed pipe."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())


def _exit_now(code: int) -> None:
    """Flush what can be flushed and exit without interpreter teardown.

    HiGHS worker threads of an interrupted solve may still be winding down, and destroying them at
    teardown aborts the process (C++ std::terminate). multiprocessing's own exit handlers still run,
    so no semaphore is reported leaked.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed stream: nothing left to flush
            stream.flush()
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        with contextlib.suppress(Exception):
            mp_util._exit_function()
    os._exit(code)


def _stopped() -> None:
    """Print the one line for a stop by signal and exit 128 + signal number (130, 143, 129)."""
    signum = _STOPPED_BY[0] if _STOPPED_BY else signal.SIGINT
    say_error("interrupted:", f"stopped by {SIGNAL_NAMES.get(signum, signum)}; no partial output was left")
    _exit_now(128 + int(signum))  # cleanup ran while the exception unwound


def _pipe_closed() -> None:
    """stdout's reader went away (``| head -1``): nothing more to say, exit 141 quietly."""
    _quiet_streams()
    _exit_now(EXIT_PIPE)


def _show_usage_error(exc: Exception) -> int:
    """Print a click usage error (unknown option, missing argument) with control characters escaped."""
    import io

    text = io.StringIO()
    if hasattr(exc, "show"):
        exc.show(file=text)
    else:
        text.write(f"Error: {exc}\n")
    with contextlib.suppress(Exception):
        sys.stderr.write(visible(text.getvalue()))
    return int(getattr(exc, "exit_code", 2))


_show_warning = warnings.showwarning


def _warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> Any:
    """A :class:`PlannerWarning` as one ``warning: ...`` line on stderr; others as Python prints them."""
    if issubclass(category, PlannerWarning):
        say_error("warning:", str(message))
        return None
    return _show_warning(message, category, filename, lineno, file, line)


def main() -> None:
    """Console-script entry point: no traceback ever reaches the user unless PLANNER_DEBUG is set."""
    warnings.showwarning = _warning_line
    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_signal)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # a usage error: unknown option, missing argument
        code = _show_usage_error(exc)
    except typer.Abort:
        code = 1
    except PlannerError as exc:  # raised outside a command's own handler
        say_error("error:", str(exc))
        code = exc.exit_code
    except KeyboardInterrupt:
        _stopped()
    except SystemExit:
        if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):  # click caught EPIPE on stdout
            _pipe_closed()
        if _STOPPED_BY:
            _stopped()
        raise
    except OSError as exc:  # a full, read-only or forbidden disk outside a command's own handler
        known = disk_error(exc)
        if known is None:
            _internal(exc)
        say_error("error:", str(known))
        code = known.exit_code if known else 1
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        _internal(exc)
    if _STOPPED_BY:  # typer turns KeyboardInterrupt into exit 130 (and a signal may come late)
        _stopped()
    for sig in STOP_SIGNALS:  # the command is done: a late signal changes nothing
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(code if isinstance(code, int) else 0)


def _internal(exc: BaseException) -> None:
    """Report an unexpected error in one line (the traceback with PLANNER_DEBUG=1) and exit 1."""
    if os.environ.get("PLANNER_DEBUG"):
        raise exc
    say_error("internal error:", f"{type(exc).__name__}: {exc} (set PLANNER_DEBUG=1 for the traceback)")
    sys.exit(1)
