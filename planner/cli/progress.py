"""Solve progress people can read: elapsed and time limit, stage, incumbent and bound with units, gap.

On a terminal one status line is redrawn in place (rich); when stderr is piped or a file, plain
lines are written, at most one every ``interval`` seconds (and at every change of stage), so a
log shows the solve advancing without flooding. Example line::

    [   52 s] solving (37 s of the 120 s limit): incumbent 1,799.2 MUSD/yr, bound 1,790.1 MUSD/yr, gap 0.51%

The first time is the elapsed wall time of the command; the solver's time limit counts from the
start of screening or solving (building the model is not part of it).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.status import Status
from rich.text import Text

from planner.cli.console import visible

if TYPE_CHECKING:  # the model (Pyomo, HiGHS) is imported only when a solve runs
    from planner.model.highs import SolverEvent

UNITS = {"cost": "MUSD/yr", "carbon": "tCO2e/yr"}


def _money(value: float | None, units: str) -> str:
    return "not yet known" if value is None else f"{value:,.1f} {units}"


def describe(event: SolverEvent, units: str) -> str:
    """``incumbent X units, bound Y units, gap Z%`` (unknown figures said as such)."""
    gap = "n/a" if event.gap is None else f"{event.gap:.2%}"
    return f"incumbent {_money(event.objective, units)}, bound {_money(event.bound, units)}, gap {gap}" + (
        f", {event.nodes:,} nodes" if event.nodes else ""
    )


class SolveReporter:
    """Context manager that shows a solve's progress on ``console`` (stderr).

    ``interval`` [s]: the least time between two plain lines when not on a terminal.
    ``enabled=False`` shows nothing (``--verbose`` streams the solver log instead).
    """

    def __init__(self, console: Console, *, interval: float = 5.0, enabled: bool = True) -> None:
        self.console = console
        self.interval = interval
        self.enabled = enabled
        self.started = time.perf_counter()
        self.time_limit_s: float | None = None
        self.units = UNITS["cost"]
        self.stage_text = "starting"
        self.detail = ""
        self.limit_started: float | None = None
        self._last_solver_line = -float("inf")
        self._status: Status | None = None

    def __enter__(self) -> SolveReporter:
        if self.enabled and self.console.is_terminal:
            self._status = self.console.status(Text(self.line()), spinner="dots")
            self._status.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._status is not None:
            self._status.__exit__(kind, exc, tb)
            self._status = None

    def limits(self, time_limit_s: float, objective: str) -> None:
        """The solve's time limit [s] and objective (``cost`` or ``carbon``), once known."""
        self.time_limit_s = time_limit_s
        self.units = UNITS.get(objective, objective)

    def line(self) -> str:
        """The current progress line (elapsed, stage, time against the limit, solver figures)."""
        now = time.perf_counter()
        limit = ""
        if self.limit_started is not None and self.time_limit_s is not None:
            limit = f" ({now - self.limit_started:,.0f} s of the {self.time_limit_s:,.0f} s limit)"
        detail = f": {self.detail}" if self.detail else ""
        return f"[{now - self.started:5.0f} s] {self.stage_text}{limit}{detail}"

    def stage(self, text: str) -> None:
        """A new stage (building, screening, solving, writing ...): always shown. The time-limit
        clock runs from the first ``screening`` or ``solving`` stage to the next other stage."""
        solver_stage = text.startswith(("screening", "solving"))
        if solver_stage and self.limit_started is None:
            self.limit_started = time.perf_counter()
        elif not solver_stage:
            self.limit_started = None
        self.stage_text, self.detail = visible(text), ""  # a file name may hold control characters
        self._show()

    def solver(self, event: SolverEvent) -> None:
        """New solver figures: redrawn on a terminal, a plain line at most every ``interval`` s."""
        self.detail = describe(event, self.units)
        now = time.perf_counter()
        if self._status is not None or now - self._last_solver_line >= self.interval:
            self._last_solver_line = now
            self._show()

    def _show(self) -> None:
        if not self.enabled:
            return
        if self._status is not None:
            self._status.update(Text(self.line()))
        else:
            self.console.print(Text(self.line()), soft_wrap=True, highlight=False)
