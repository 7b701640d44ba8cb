"""Solve progress people can read: elapsed and time limit, stage, incumbent and bound with units, gap.

On a terminal one status line is redrawn in place (rich), its timer ticking live; when stderr is
piped or a file, plain lines are written, at most one every ``interval`` seconds (and at every
change of stage), so a log shows the solve advancing without flooding. Example lines, the
longest form that fits the console's width (ids and numbers are never cut; words are dropped)::

    [   52 s] solving (37 s of the 120 s limit): incumbent 1,799.2 MUSD/yr, bound 1,790.1 MUSD/yr, gap 0.51%
    [52 s] solving 37/120 s: incumbent 1,799.2, bound 1,790.1 MUSD/yr, gap 0.51%
    [52 s] 37/120 s: 1,799.2 (bound 1,790.1) MUSD/yr, gap 0.51%

The first time is the elapsed wall time of the command; the solver's time limit counts from the
start of screening or solving (building the model is not part of it).

A fit of the throughput calibration that is neither shipped nor cached (a first run with other
catalogs or fitting code, :mod:`planner.chain.tokens.fit_cache`) prints one notice line
(:data:`FIRST_RUN`) and shows as its own stage while it runs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.status import Status
from rich.text import Text

from planner.cli.console import visible

if TYPE_CHECKING:  # the model (Pyomo, HiGHS) is imported only when a solve runs
    from planner.model.highs import SolverEvent

UNITS = {"cost": "MUSD/yr", "carbon": "tCO2e/yr"}
FIRST_RUN = "first run with these catalogs: fitting throughput to MLPerf once (minutes)"
"""The one line printed before the first fit that is neither shipped nor cached."""
FITS = {
    "calibration": "fitting the throughput calibration",
    "gpu-out-residuals": "fitting held-out errors (each GPU out)",
    "model-out-residuals": "fitting held-out errors (each model out)",
    "family-out-residuals": "fitting held-out errors (each GPU family out)",
}
"""Stage text of each fit kind (:mod:`planner.chain.tokens.fit_cache`)."""
SPINNER = 2
"""Columns the spinner and its space take before the status line on a terminal."""


def _money(value: float | None, units: str) -> str:
    return "not yet known" if value is None else f"{value:,.1f} {units}"


def _figure(value: float | None) -> str:
    return "?" if value is None else f"{value:,.1f}"


def describe(event: SolverEvent, units: str) -> str:
    """``incumbent X units, bound Y units, gap Z%`` (unknown figures said as such)."""
    gap = "n/a" if event.gap is None else f"{event.gap:.2%}"
    return f"incumbent {_money(event.objective, units)}, bound {_money(event.bound, units)}, gap {gap}" + (
        f", {event.nodes:,} nodes" if event.nodes else ""
    )


def compact(event: SolverEvent, units: str, brief: bool = False) -> str:
    """``incumbent X, bound Y units, gap Z%`` (units once), or with ``brief``
    ``X (bound Y) units, gap Z%``; an unknown figure is ``?``."""
    gap = "n/a" if event.gap is None else f"{event.gap:.2%}"
    x, y = _figure(event.objective), _figure(event.bound)
    if brief:
        return f"{x} (bound {y}) {units}, gap {gap}"
    return f"incumbent {x}, bound {y} {units}, gap {gap}"


@contextlib.contextmanager
def fit_notice(console: Console, on_stage: Callable[[str | None], None] | None = None) -> Iterator[None]:
    """Within the block, print :data:`FIRST_RUN` on ``console`` before the first fit that runs, and
    call ``on_stage(text)`` as each fit starts and ``on_stage(None)`` as the last running one ends
    (nested fits restore the outer one's text). Without ``on_stage`` each fit's text is printed as
    it starts (commands without a progress line: ``pipeline``, ``curve``)."""
    from planner.chain.tokens.fit_cache import fit_listener

    running: list[str] = []
    told: list[bool] = []

    def listen(kind: str, done: bool) -> None:
        if not done and not told:
            told.append(True)
            console.print(Text(FIRST_RUN), soft_wrap=True, highlight=False)
        if done:
            running.pop()
        else:
            running.append(FITS.get(kind, f"fitting {kind}"))
        if on_stage is not None:
            on_stage(running[-1] if running else None)
        elif not done:
            console.print(Text(f"{running[-1]} ..."), soft_wrap=True, highlight=False)

    with fit_listener(listen):
        yield


class _LiveLine:
    """The reporter's line, recomputed at every redraw of the status (so the timer ticks)."""

    def __init__(self, reporter: SolveReporter) -> None:
        self.reporter = reporter

    def __rich__(self) -> RenderableType:
        return Text(self.reporter.line(self.reporter.console.width - SPINNER), no_wrap=True)


class SolveReporter:
    """Context manager that shows a solve's progress on ``console`` (stderr).

    ``interval`` [s]: the least time between two plain lines when not on a terminal.
    ``enabled=False`` shows nothing (``--verbose`` streams the solver log instead).
    Fits that run within the block (first run) are shown as stages after a one-line notice.
    """

    def __init__(self, console: Console, *, interval: float = 5.0, enabled: bool = True) -> None:
        self.console = console
        self.interval = interval
        self.enabled = enabled
        self.started = time.perf_counter()
        self.time_limit_s: float | None = None
        self.units = UNITS["cost"]
        self.stage_text = "starting"
        self.fit_text: str | None = None
        self.event: SolverEvent | None = None
        self.limit_started: float | None = None
        self._last_solver_line = -float("inf")
        self._status: Status | None = None
        self._fits = fit_notice(console, self._fitting) if enabled else contextlib.nullcontext()

    def __enter__(self) -> SolveReporter:
        if self.enabled and self.console.is_terminal:
            self._status = self.console.status(_LiveLine(self), spinner="dots")
            self._status.__enter__()
        self._fits.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._fits.__exit__(kind, exc, tb)
        if self._status is not None:
            self._status.__exit__(kind, exc, tb)
            self._status = None

    def limits(self, time_limit_s: float, objective: str) -> None:
        """The solve's time limit [s] and objective (``cost`` or ``carbon``), once known."""
        self.time_limit_s = time_limit_s
        self.units = UNITS.get(objective, objective)

    def lines(self) -> list[str]:
        """The progress line in its forms, longest first (elapsed, stage, time against the limit,
        solver figures); shorter forms drop words, never a figure."""
        now = time.perf_counter()
        elapsed = now - self.started
        stage = self.fit_text or self.stage_text
        limit = used = ""
        if self.limit_started is not None and self.time_limit_s is not None and self.fit_text is None:
            limit = f" ({now - self.limit_started:,.0f} s of the {self.time_limit_s:,.0f} s limit)"
            used = f"{now - self.limit_started:,.0f}/{self.time_limit_s:,.0f} s"
        event = self.event if self.fit_text is None else None
        full = f"[{elapsed:5.0f} s] {stage}{limit}"
        if event is None:
            return [full, f"[{elapsed:.0f} s] {stage}"]
        short = stage.split()[0]
        return [
            f"{full}: {describe(event, self.units)}",
            f"[{elapsed:.0f} s] {short}{' ' + used if used else ''}: {compact(event, self.units)}",
            f"[{elapsed:.0f} s] {used + ': ' if used else ''}{compact(event, self.units, brief=True)}",
            f"[{elapsed:.0f} s] {compact(event, self.units, brief=True)}",
        ]

    def line(self, width: int | None = None) -> str:
        """The longest form of the progress line within ``width`` columns (default: the console's);
        the shortest form when none fits (a long stage text such as a path is not cut)."""
        width = self.console.width if width is None else width
        forms = self.lines()
        return next((f for f in forms if len(f) <= width), forms[-1])

    def stage(self, text: str) -> None:
        """A new stage (building, screening, solving, writing ...): always shown. The time-limit
        clock runs from the first ``screening`` or ``solving`` stage to the next other stage."""
        solver_stage = text.startswith(("screening", "solving"))
        if solver_stage and self.limit_started is None:
            self.limit_started = time.perf_counter()
        elif not solver_stage:
            self.limit_started = None
        self.stage_text, self.event = visible(text), None  # a file name may hold control characters
        self._show()

    def _fitting(self, text: str | None) -> None:
        """A fit started (``text``) or the last one ended (None): shown as a stage of its own."""
        self.fit_text = text
        self._show()

    def solver(self, event: SolverEvent) -> None:
        """New solver figures: redrawn on a terminal, a plain line at most every ``interval`` s."""
        self.event = event
        now = time.perf_counter()
        if self._status is not None or now - self._last_solver_line >= self.interval:
            self._last_solver_line = now
            self._show()

    def _show(self) -> None:
        if not self.enabled:
            return
        if self._status is not None:
            self._status.update(_LiveLine(self))
        else:
            self.console.print(Text(self.line()), soft_wrap=True, highlight=False)
