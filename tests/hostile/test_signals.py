"""Signals and pipes: SIGINT, SIGTERM and SIGHUP at any moment, and a stdout whose reader went away.

* While importing (the first second, before typer and pandas are loaded): the early handler of
  ``planner/__init__.py`` prints one line and exits 128 + N. The test waits until that handler is
  installed (``SigCgt`` in ``/proc/PID/status`` shows SIGHUP caught) and signals at once or
  0.02-0.2 s later. Counted from the process start instead, a signal may come before Python runs
  any statement of ours (interpreter start-up, ``site``, ``runpy``): nothing can act there (SIGTERM
  and SIGHUP kill by default, silently; SIGINT may show Python's own start-up KeyboardInterrupt);
  nothing is written either.
* During a solve: exit 128 + N with one line and no run directory nor ``.partial`` folder, or (the
  solve won) exit 0 with a whole run directory.
* ``planner ... | head -1``: exit 141 (128 + SIGPIPE, as a shell reports ``yes | head -1``), nothing
  on stderr, and a run directory already written stays whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, TINY, write
from tests.hostile.write_helpers import RAW_CONTROL, env, leftovers, lines, planner_cmd

STOPS = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
PROGRESS = ("[", "loading", "━")


def _caught(pid: int) -> int:
    """The mask of signals process ``pid`` has handlers for (``SigCgt``), 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("SigCgt")), 16)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the handlers")
@pytest.mark.parametrize("signum", list(STOPS), ids=[s.name for s in STOPS])
def test_signal_while_importing(signum):
    proc = subprocess.Popen(
        planner_cmd("data", "list", "sites"), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not _caught(proc.pid) & (1 << (signal.SIGHUP - 1)):  # the early handler is in place
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert out == b""
    assert lines(err) == [f"interrupted: stopped by {STOPS[signum]}; no partial output was left"]


def _start_solve(cwd: Path) -> subprocess.Popen:
    """``python -m planner solve small_5_sites --set time.mode=annual`` in ``cwd`` (default --out)."""
    cmd = planner_cmd("solve", "small_5_sites", "--set", "time.mode=annual")
    return subprocess.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_early_handler(proc: subprocess.Popen) -> None:
    """Until ``planner/__init__.py``'s early handler is in place (SigCgt shows SIGHUP caught)."""
    deadline = time.monotonic() + 120  # a hang guard, not a timing assertion
    while not _caught(proc.pid) & (1 << (signal.SIGHUP - 1)):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the handlers")
@pytest.mark.parametrize("delay_s", [0.0, 0.02, 0.05, 0.1, 0.2])
@pytest.mark.parametrize("signum", list(STOPS), ids=[s.name for s in STOPS])
def test_signal_once_planner_code_runs(tmp_path, signum, delay_s):
    """From the first statement of ``planner/__init__.py`` on (imports, scenario loading, the solve),
    a stop signal gives exit 128 + N, the one line and nothing written. The delay is counted from
    the moment the early handler is seen installed (the machine's load decides which phase it hits)."""
    proc = _start_solve(tmp_path)
    _wait_for_early_handler(proc)
    time.sleep(delay_s)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=600)
    if proc.returncode == 0:  # the solve finished first (an idle machine and the longest delay)
        assert (tmp_path / "runs").is_dir() and leftovers(tmp_path) == []
        return
    assert proc.returncode == 128 + signum, err[-2000:]
    assert b"Traceback" not in err
    assert _messages(err) == [f"interrupted: stopped by {STOPS[signum]}; no partial output was left"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("delay_s", [0.0, 0.02, 0.05, 0.1, 0.2])
@pytest.mark.parametrize("signum", list(STOPS), ids=[s.name for s in STOPS])
def test_signal_from_process_start(tmp_path, signum, delay_s):
    """A stop signal counted from the process start. Before Python runs the planner's first
    statement (interpreter start-up, ``site``, and ``runpy`` for ``python -m``) nothing of ours can
    act: SIGTERM and SIGHUP end the process by their default action (no output; a shell reports
    128 + N), and SIGINT may show Python's own KeyboardInterrupt report of its start-up, whose
    frames are the standard library's only. From our first statement on: our one line, 128 + N."""
    proc = _start_solve(tmp_path)
    time.sleep(delay_s)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=600)
    if proc.returncode == 0:  # the solve finished first
        assert (tmp_path / "runs").is_dir() and leftovers(tmp_path) == []
        return
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    if proc.returncode == 128 + signum:  # our handler
        assert b"Traceback" not in err
        assert _messages(err) == [f"interrupted: stopped by {STOPS[signum]}; no partial output was left"]
        return
    assert out == b"" and str(ROOT / "planner").encode() not in err  # no frame of ours: none had run
    if signum == signal.SIGINT and b"KeyboardInterrupt" in err:
        assert proc.returncode in (1, -signum), err
    else:
        assert proc.returncode == -signum and err == b"", err


def _messages(err: bytes) -> list[str]:
    """stderr lines other than progress lines."""
    return [ln for ln in lines(err.replace(b"\r", b"\n")) if not ln.lstrip().startswith(PROGRESS)]


@pytest.mark.parametrize("after_s", [0.0, 1.0, 3.0])
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_signal_during_solve(tmp_path, signum, after_s):
    """A solve stopped at any moment leaves no run directory and no ``.run.partial-PID`` folder."""
    scenario = write(tmp_path, "tiny.yaml", json.dumps(TINY))
    out = tmp_path / "run"
    proc = subprocess.Popen(
        planner_cmd("solve", str(scenario), "--out", str(out)),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stderr.readline()  # the first progress line: the CLI's handlers are installed
    time.sleep(after_s)
    proc.send_signal(signum)
    stdout, err = proc.communicate(timeout=600)
    err = first + err
    assert not RAW_CONTROL.sub("", err.decode()).count("Traceback")
    assert leftovers(tmp_path) == []
    if proc.returncode == 0:  # the solve finished first: the run directory is whole
        assert (out / "summary.json").is_file() and (out / "map.png").is_file()
        return
    assert proc.returncode == 128 + signum, err[-2000:]
    assert _messages(err) == [f"interrupted: stopped by {STOPS[signum]}; no partial output was left"]
    assert not out.exists()


def _closed_pipe() -> tuple[int, int]:
    """A pipe whose reader is already gone: (write end, read end closed)."""
    read, write_end = os.pipe()
    os.close(read)
    return write_end, read


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_closed_stdout_is_quiet(fmt):
    """``planner data list sites | head -0``: exit 141, nothing on stderr."""
    write_end, _ = _closed_pipe()
    try:
        proc = subprocess.run(
            planner_cmd("data", "list", "sites", "--format", fmt),
            env=env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == b""


def test_closed_stdout_after_solve(tmp_path):
    """``planner solve | head -1`` where head is gone: exit 141 without an error line; the run
    directory, written before the summary is printed, is whole."""
    scenario = write(tmp_path, "tiny.yaml", json.dumps(TINY))
    out = tmp_path / "run"
    write_end, _ = _closed_pipe()
    try:
        proc = subprocess.run(
            planner_cmd("solve", str(scenario), "--out", str(out), "--no-map"),
            env=env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=600,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr[-2000:]
    assert _messages(proc.stderr) == []
    assert (out / "summary.json").is_file() and leftovers(tmp_path) == []
