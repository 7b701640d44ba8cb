"""Helpers of the hostile-output tests (terminal, races, signals, disks): run the ``planner``
command in a subprocess, and check the promises every case asserts: the exit code, one message
line, no control character reaching the output, and no temporary file left behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""A control character a terminal would act on (newline excepted)."""


def env(**extra: str) -> dict[str, str]:
    """The environment of a planner subprocess: this checkout, the caller's cache."""
    out = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    out.update(extra)
    return out


def planner_cmd(*args: str) -> list[str]:
    """The command line of ``python -m planner ARGS``."""
    return [sys.executable, "-m", "planner", *args]


def run(
    *args: str, cwd: Path | None = None, timeout: float = 600, **extra: str
) -> subprocess.CompletedProcess:
    """Run ``planner ARGS`` with stdout and stderr captured as bytes (raw, to see every byte)."""
    return subprocess.run(
        planner_cmd(*args), cwd=cwd or ROOT, env=env(**extra), capture_output=True, timeout=timeout
    )


def lines(data: bytes) -> list[str]:
    """The non-empty lines of an output."""
    return [ln for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]


PROGRESS_LINE = re.compile(r"^\[\s*\d+ s\] ")
"""A solve's status line (``[    0 s] loading FILE``; planner/cli/progress.py)."""


def assert_one_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """Exit ``code``, exactly one stderr line (besides status lines) that starts with ``error:`` and
    holds ``words``, no traceback and no raw control character anywhere; returns the line."""
    err = [ln for ln in lines(proc.stderr) if not PROGRESS_LINE.match(ln) and "━" not in ln]  # progress bars
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert len(err) == 1, err
    assert err[0].startswith("error:"), err
    for word in words:
        assert word in err[0], (word, err[0])
    assert_no_control(proc)
    return err[0]


def assert_no_control(proc: subprocess.CompletedProcess) -> None:
    """No raw control character (ESC, BEL, CR, ...) in stdout or stderr, and no traceback."""
    for stream in (proc.stdout, proc.stderr):
        text = stream.decode("utf-8", "replace")
        assert not RAW_CONTROL.search(text), repr(text[-500:])
        assert "Traceback" not in text


def leftovers(folder: Path) -> list[Path]:
    """Temporary outputs (``.NAME.partial-PID``) anywhere under ``folder``."""
    return [p for p in folder.rglob("*") if ".partial-" in p.name]


def unshare_available() -> bool:
    """Whether this machine lets a test mount a tmpfs in its own user and mount namespace."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt 2>/dev/null || exit 9"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0
