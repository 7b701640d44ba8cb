"""Solve progress: units, unknown figures said as such, plain lines throttled when piped."""

from __future__ import annotations

import io
import re

from rich.console import Console

from planner.cli.progress import SolveReporter, describe
from planner.model.highs import solver_event


def _piped() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=80), buffer


def test_event_from_raw_highs_figures() -> None:
    event = solver_event(2148.8, -float("inf"), 0)
    assert event.bound is None and event.gap is None
    assert describe(event, "MUSD/yr") == "incumbent 2,148.8 MUSD/yr, bound not yet known, gap n/a"
    event = solver_event(100.0, 99.0, 12)
    assert event.gap == 0.01
    assert describe(event, "tCO2e/yr") == (
        "incumbent 100.0 tCO2e/yr, bound 99.0 tCO2e/yr, gap 1.00%, 12 nodes"
    )


def test_piped_lines_are_throttled_but_stages_always_shown() -> None:
    console, buffer = _piped()
    with SolveReporter(console, interval=1e9) as report:
        report.limits(120, "cost")
        report.stage("solving")
        report.solver(solver_event(10.0, 9.0))
        report.solver(solver_event(9.5, 9.2))  # within the interval: not printed
        report.stage("extracting results")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3
    assert re.search(r"\] solving \(\d+ s of the 120 s limit\)$", lines[0])
    assert "incumbent 10.0 MUSD/yr, bound 9.0 MUSD/yr, gap 10.00%" in lines[1]
    assert lines[2].endswith("] extracting results")  # the limit clock stops after solving


def test_every_event_printed_with_zero_interval_and_nothing_when_disabled() -> None:
    console, buffer = _piped()
    with SolveReporter(console, interval=0.0) as report:
        for objective in (10.0, 9.0, 8.0):
            report.solver(solver_event(objective, 7.0))
    assert len(buffer.getvalue().splitlines()) == 3
    console, buffer = _piped()
    with SolveReporter(console, enabled=False) as report:
        report.stage("solving")
        report.solver(solver_event(1.0, 1.0))
    assert buffer.getvalue() == ""
