"""SIGTERM and SIGINT during a solve and a sweep: one line, exit 143 / 130, no partial directory.

The signal is sent at several moments: while loading, while building or solving (the default
scenario takes many seconds), and for a sweep while its Dask cluster starts or runs points. The
solver is not timed: whatever the moment, the process either finished (exit 0, complete output)
or stopped cleanly.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, SMALL_SCENARIO

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "planner", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen, signum: int, after_s: float) -> tuple[int, str, str]:
    """Send ``signum`` ``after_s`` seconds after the command's first line on stderr.

    The first line comes once the CLI has installed its handlers, so a busy machine that is slow to
    start Python cannot turn the test into one of the interpreter's default signal action.
    """
    first = proc.stderr.readline() if proc.stderr else ""
    time.sleep(after_s)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, first + err


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".partial" in p.name]


def _message_lines(err: str) -> list[str]:
    """stderr lines other than progress-bar redraws."""
    lines = [ln.strip() for ln in err.replace("\r", "\n").splitlines()]
    progress = re.compile(r"^\[\s*\d+ s\] ")  # solve progress lines (planner/cli/progress.py)
    return [
        ln
        for ln in lines
        if ln and "━" not in ln and not ln.startswith(("loading", "sweep:")) and not progress.match(ln)
    ]


@pytest.mark.parametrize(
    ("signum", "after_s"),
    [(signal.SIGTERM, 0.0), (signal.SIGINT, 2.5), (signal.SIGTERM, 5.0)],
)
def test_solve_stops_cleanly(tmp_path, signum, after_s):
    out = tmp_path / "run"
    code, stdout, err = _stop(_start(["solve", "--out", str(out)], ROOT), signum, after_s)
    assert "Traceback" not in err and "terminate called" not in err
    assert not _partials(tmp_path)
    if code == 0:  # finished before the signal: a complete run directory
        assert (out / "summary.json").is_file() and (out / "capex.xlsx").is_file()
        return
    assert code == EXIT[signum], err
    assert _message_lines(err) == [_message_lines(err)[-1]] and "interrupted:" in err
    assert not out.exists()


@pytest.mark.parametrize(("signum", "after_s"), [(signal.SIGTERM, 0.5), (signal.SIGINT, 5.0)])
def test_sweep_stops_cleanly(tmp_path, signum, after_s):
    out = tmp_path / "sweep"
    args = ["sweep", str(SMALL_SCENARIO), "--set", "prices.gas_price_scale=1,2,3", "--workers", "1"]
    code, _, err = _stop(_start([*args, "--out", str(out)], ROOT), signum, after_s)
    assert "Traceback" not in err
    assert not _partials(tmp_path)
    if code == 0:
        assert (out / "sweep.csv").is_file()
        return
    assert code == EXIT[signum], err
    assert len(_message_lines(err)) == 1 and "interrupted:" in err
    points = out / "points"
    for point in points.iterdir() if points.is_dir() else []:
        assert (point / "summary.json").is_file()  # only finished points remain


@pytest.mark.parametrize(("signum", "after_s"), [(signal.SIGTERM, 1.5)])
def test_pareto_stops_cleanly(tmp_path, signum, after_s):
    out = tmp_path / "frontier"
    args = ["pareto", str(SMALL_SCENARIO), "--points", "4", "--out", str(out)]
    code, _, err = _stop(_start(args, ROOT), signum, after_s)
    assert "Traceback" not in err and not _partials(tmp_path)
    if code == 0:
        assert (out / "pareto.csv").is_file()
        return
    assert code == EXIT[signum] and "interrupted:" in err and not out.exists()
