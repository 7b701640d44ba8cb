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
    assert "incumbent 10.0, bound 9.0 MUSD/yr, gap 10.00%" in lines[1]  # the form that fits 80 columns
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


def test_lines_keep_incumbent_bound_and_gap_within_80_columns() -> None:
    console, _ = _piped()
    report = SolveReporter(console)
    report.limits(600, "carbon")
    report.stage("screening sites with the annual model")
    report.solver(solver_event(12_345_678.9, 12_000_000.1, 4_321))
    for width in (200, 80, 60):
        line = report.line(width)
        assert len(line) <= width, (width, line)
        assert "12,345,678.9" in line and "12,000,000.1" in line and "2.80%" in line
        assert "tCO2e/yr" in line
    assert re.search(r"\b\d+/600 s\b", report.line(80))  # the time against the limit stays
    report.limits(120, "cost")  # a typical cost solve at 80 columns keeps the words too
    report.stage("solving")
    report.solver(solver_event(1_799.2, 1_790.1, 12))
    assert re.fullmatch(
        r"\[\d+ s\] solving \d+/120 s: incumbent 1,799.2, bound 1,790.1 MUSD/yr, gap 0.51%", report.line(80)
    )


def test_the_terminal_timer_ticks_between_events(monkeypatch) -> None:
    import planner.cli.progress as progress

    clock = [100.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: clock[0])
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80)
    report = SolveReporter(console)
    report.stage("building model")
    live = progress._LiveLine(report)
    assert str(live.__rich__()).startswith("[    0 s] building model")
    clock[0] += 41.0  # no new event: the redraw alone shows the time passing
    assert str(live.__rich__()).startswith("[   41 s] building model")


def test_a_fit_prints_one_first_run_notice_and_shows_as_a_stage(tmp_path, monkeypatch) -> None:
    from planner.chain.tokens import fit_cache
    from planner.cli.progress import FIRST_RUN

    monkeypatch.setenv(fit_cache.CACHE_ENV, str(tmp_path))
    console, buffer = _piped()
    seen: list[str] = []
    with SolveReporter(console, interval=0.0) as report:
        report.stage("building model")

        def fit() -> dict:
            seen.append(report.line())
            return {"x": 1}

        fit_cache.cached("calibration", "a" * 64, fit)
        fit_cache.cached("gpu-out-residuals", "b" * 64, fit)
        fit_cache.cached("calibration", "a" * 64, fit)  # cached now: no fit, no line
        report.stage("solving")
    lines = buffer.getvalue().splitlines()
    assert lines.count(FIRST_RUN) == 1 and len(FIRST_RUN) <= 80
    assert len(seen) == 2 and "fitting the throughput calibration" in seen[0]
    assert "fitting held-out errors (each GPU out)" in seen[1]
    assert [ln.split("] ", 1)[1] for ln in lines if ln.startswith("[")] == [
        "building model",
        "fitting the throughput calibration",
        "building model",
        "fitting held-out errors (each GPU out)",
        "building model",
        "solving",
    ]


def test_shipped_fits_print_no_notice(catalogs, monkeypatch, tmp_path) -> None:
    from planner.chain.tokens import calibration, fit_cache

    monkeypatch.setenv(fit_cache.CACHE_ENV, str(tmp_path))  # an empty cache: only the shipped file
    calibration._calibrate.cache_clear()
    console, buffer = _piped()
    with SolveReporter(console) as report:
        report.stage("building model")
        calibration.calibrate(catalogs)
    calibration._calibrate.cache_clear()
    assert buffer.getvalue().splitlines() == ["[    0 s] building model"]
    assert not list(tmp_path.iterdir())  # nothing was fitted or written
