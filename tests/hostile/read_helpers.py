"""Shared helpers of the hostile-input reader tests (``test_rundir``, ``test_datatree``,
``test_profiles``, ``test_overrides``, ``test_api_args``): run a command in process and assert the
promised outcome, exit code 2 with one line that names the file or field and never quotes the
planted secret."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from planner.cli.app import app

SECRET = "sk-SECRET-7f3a9"
"""Planted in hostile files: it must never appear in any output."""


def run_cli(*args: str) -> tuple[int, str]:
    """``planner ARGS`` in process: (exit code, stdout + stderr); an unhandled exception fails."""
    res = CliRunner().invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res.exit_code, res.output


def error_line(output: str) -> str:
    """The one ``error: ...`` line of a refused command (asserting there is exactly one, and no traceback)."""
    assert "Traceback" not in output and "internal error" not in output, output
    lines = [ln for ln in output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def assert_refused(args: tuple[str, ...], *names: str, secret: str = SECRET) -> str:
    """The command exits 2 with one error line naming each of ``names`` and not quoting ``secret``."""
    code, out = run_cli(*args)
    line = error_line(out)
    assert code == 2, out
    for name in names:
        assert name in line, (name, line)
    assert secret not in out and "\x1b" not in out, out
    return line


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder`` (to assert that a refused command left nothing behind)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def copy_tree(src: Path, dst: Path) -> Path:
    """A damageable copy of a run directory or data tree."""
    shutil.copytree(src, dst)
    return dst


SPECIAL_KINDS = ("empty", "binary", "directory", "dev-zero", "fifo", "oversized", "missing")
"""What a damaged input file may be instead of itself (:func:`plant`)."""


def plant(path: Path, kind: str, oversized_bytes: int) -> None:
    """Replace the file at ``path`` by ``kind``: an empty file, binary garbage (with the secret), a
    directory, a symlink to /dev/zero, a FIFO, a sparse file of ``oversized_bytes``, or nothing."""
    path.unlink()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01" + SECRET.encode() + b"\x00\x9f\n" * 3)
    elif kind == "directory":
        path.mkdir()
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # opening it would block: it must be refused by its type
    elif kind == "oversized":
        with open(path, "wb") as f:
            f.truncate(oversized_bytes)  # sparse: refused by its size before reading
    elif kind != "missing":
        raise ValueError(kind)
