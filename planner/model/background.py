"""Run one function in a forked child process while this process goes on.

Used for the annual screening of an hourly scenario: the child builds and solves the annual
model on the second core while this process builds the hourly model (measured on the default
scenario on 8 days: the screening's 2-3 s leave the critical path). A fork costs ~10 ms and
shares everything already loaded (catalogs, calibrations); a spawned process would pay the
imports (~1.5 s) again.

Fork safety: HiGHS keeps a task scheduler per thread whose worker threads a forked child
does not inherit, so a child that solved on a scheduler copied from this thread would wait on
workers that do not exist. :func:`start` therefore stops this thread's scheduler first
(``Highs.resetGlobalScheduler(True)``; the next solve here starts a new one), and forks only
on Linux, from the main thread (dask workers and thread pools run their work in place).
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import highspy

POLL_S = 0.05
"""How often :meth:`Background.result` looks for signals while it waits [s]."""
KILL_AFTER_S = 1.0
"""How long :meth:`Background.cancel` waits after SIGTERM before SIGKILL [s]."""


class BackgroundError(RuntimeError):
    """The child process failed (its exception text) or died without an answer."""


class Background:
    """A function running in a forked child; :meth:`result` waits for its return value."""

    def __init__(self, process: Any, receiver: Any) -> None:
        self._process = process
        self._receiver = receiver

    def result(self, timeout_s: float | None = None) -> Any:
        """The function's return value (waits for it, at most ``timeout_s`` [s] when given).
        Raises :class:`BackgroundError` if the child raised, died or timed out; the child is
        stopped and reaped either way."""
        if self._receiver.closed:
            raise BackgroundError("background process was cancelled")
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while not self._receiver.poll(POLL_S):
                if not self._process.is_alive() and not self._receiver.poll():
                    raise BackgroundError(f"background process died (exit code {self._process.exitcode})")
                if deadline is not None and time.monotonic() > deadline:
                    raise BackgroundError(f"background process gave no answer within {timeout_s:g} s")
            ok, value = self._receiver.recv()
        except EOFError:
            raise BackgroundError("background process closed its pipe without an answer") from None
        finally:
            self.cancel()
        if not ok:
            raise BackgroundError(value)
        return value

    def cancel(self) -> None:
        """Stop the child if it still runs and reap it (idempotent)."""
        if self._receiver.closed:
            return
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(KILL_AFTER_S)
        if self._process.is_alive():  # SIGTERM came before the child's own handler was set
            self._process.kill()
        self._process.join()
        self._receiver.close()

    @property
    def exitcode(self) -> int | None:
        """The child's exit code: None while it runs, negative when a signal ended it."""
        return self._process.exitcode


def can_fork() -> bool:
    """True where :func:`start` forks: Linux, the main thread, not a daemonic process."""
    return (
        sys.platform.startswith("linux")
        and threading.current_thread() is threading.main_thread()
        and not multiprocessing.current_process().daemon
    )


def start(function: Callable[..., Any], *args: Any) -> Background | None:
    """``function(*args)`` in a forked child (its return value must pickle), or None where
    :func:`can_fork` is False (the caller then runs it in place)."""
    if not can_fork():
        return None
    highspy.Highs.resetGlobalScheduler(True)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    return Background(process, receiver)


def _child(sender: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The child's body: send ``(True, value)`` or ``(False, error text)`` to the parent.

    Ctrl-C is the parent's to handle (it stops the child with SIGTERM, here the default: exit
    at once); a parent gone before the answer is no error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        message: tuple[bool, Any] = (True, function(*args))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
        message = (False, f"{type(exc).__name__}: {exc}")
    for attempt in (message, (False, "the background result does not pickle")):
        try:
            sender.send(attempt)
            break
        except (OSError, EOFError):  # the parent closed the pipe: nobody waits for the answer
            break
        except Exception:  # noqa: BLE001, S112 - e.g. a value that does not pickle: say so instead
            continue
    sender.close()
