"""Hostile input at the command line: text printed literally, special and oversized files refused
up front, output locations checked before solving, arguments checked before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner.cli.app as cli_app
from planner.cli.app import app
from planner.cli.console import fail, say_error
from planner.errors import InputError
from tests.helpers import ROOT, SMALL_SCENARIO, write

SMALL = str(SMALL_SCENARIO)
MARKUP = "a[/x] :x: [bold]b[/] [link=e]c"


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def _cli(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real entry point (``main``) in its own process."""
    code = "from planner.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


# ------------------------------------------------------------- 1. text printed literally
def test_markup_in_file_name_is_printed_literally(tmp_path):
    bad = write(tmp_path, f"{MARKUP}.yaml", "name: [unclosed\n")
    code, out = _run("validate", str(bad))
    assert code == 2 and "Traceback" not in out
    assert f"{MARKUP}.yaml" in out.replace("\n", "")


@pytest.mark.parametrize(
    "args",
    [
        ("validate", SMALL, "--set", 'technologies.gpus=[H100,"[/red]"]'),
        ("data", "list", "[/x] :x:"),
        ("map", "run[/old] :x:"),
        ("export", "run[/old] :x:", "--capex", "xlsx"),
        ("sweep", SMALL, "--set", "demand.scale=1", "--scheduler", "tcp://[/x]"),
    ],
)
def test_markup_in_arguments_exit_2_literal(args):
    code, out = _run(*args)
    assert code == 2 and "Traceback" not in out and "MarkupError" not in out
    shown = next(a for a in args if "[/" in a)
    assert shown.replace('technologies.gpus=[H100,"', "").rstrip('"]') in out.replace("\n", "")


def test_last_resort_printer_never_crashes(monkeypatch, capsys):
    def boom(**kwargs: object) -> None:  # main() calls app(standalone_mode=False)
        raise RuntimeError(f"unexpected {MARKUP}")

    monkeypatch.setattr(cli_app, "app", boom)
    monkeypatch.delenv("PLANNER_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli_app.main()
    err = capsys.readouterr().err
    assert info.value.code == 1 and f"internal error: RuntimeError: unexpected {MARKUP}" in err


def test_error_printer_falls_back_to_plain_stderr(monkeypatch, capsys):
    import planner.cli.console as console_module

    def broken(*args, **kwargs):
        raise OSError("console gone")

    monkeypatch.setattr(console_module.err_console, "print", broken)
    exit_ = fail(InputError(MARKUP))
    assert exit_.exit_code == 2 and capsys.readouterr().err == f"error: {MARKUP}\n"
    say_error("error:", "[/x]")  # and never raises


# ------------------------------------------------------------- 3. special and oversized files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_scenario_refused_without_reading(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    proc = _cli("validate", str(fifo), timeout=60)  # reading it would block forever
    assert proc.returncode == 2 and "not a regular file" in proc.stderr and "Traceback" not in proc.stderr


def test_device_and_directory_refused(tmp_path):
    child = write(tmp_path, "child.yaml", f"extends: {SMALL}\nname: child\n")
    assert _run("validate", str(child))[0] == 0
    (tmp_path / "dir.yaml").mkdir()
    for target, expected in (("/dev/zero", "not allowed"), ("dir.yaml", "is a directory")):
        write(tmp_path, "bad.yaml", f"extends: {target}\nname: bad\n")
        code, out = _run("validate", str(tmp_path / "bad.yaml"))
        assert code == 2 and expected in out, out
    code, out = _run("validate", "/dev/zero")
    assert code == 2 and "not a regular file" in out


def test_oversized_scenario_refused_up_front(tmp_path):
    big = write(tmp_path, "big.yaml", "name: big\n" + "# padding\n" * 120_000)
    code, out = _run("validate", str(big))
    assert code == 2 and "more than the 1,000,000 allowed" in out and "alias" not in out


def test_errors_echo_no_file_content(tmp_path):
    secret = write(tmp_path, "secret.yaml", "TOP-SECRET-VALUE-42 and more words\n")
    parent = write(tmp_path, "p/child.yaml", "extends: ../secret.yaml\nname: c\n")
    code, out = _run("validate", str(parent))
    assert code == 2 and "TOP-SECRET" not in out and "secret.yaml" in out
    code, out = _run("validate", str(secret))
    assert code == 2 and "TOP-SECRET" not in out and "a single value (a str)" in out
    write(tmp_path, "q/child.yaml", "extends: /etc/passwd\nname: c\n")
    code, out = _run("validate", str(tmp_path / "q" / "child.yaml"))
    assert code == 2 and "root:" not in out and ".yaml/.yml" in out


# ------------------------------------------------------------- 2. output location checked first
def test_dangling_symlink_out_refused_before_solving(tmp_path):
    link = tmp_path / "run"
    link.symlink_to(tmp_path / "nowhere")
    code, out = _run("solve", SMALL, "--out", str(link))
    assert code == 2 and "dangling symlink" in out
    assert not list(tmp_path.glob(".*partial*"))


def test_out_under_a_file_refused(tmp_path):
    blocker = write(tmp_path, "file", "x")
    code, out = _run("solve", SMALL, "--out", str(blocker / "run"))
    assert code == 2 and "is not a directory" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_parent_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, out = _run("solve", SMALL, "--out", str(folder / "run"))
        assert code == 2 and "not writable" in out
    finally:
        folder.chmod(0o700)


# ------------------------------------------------------------- 7/13. arguments checked first
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("sweep", SMALL, "--set", "demand.scale=1,2", "--workers", "0"), "--workers 0"),
        (("sweep", SMALL, "--set", "demand.scale=1,2", "--scheduler", "not an address"), "--scheduler"),
        (("pareto", SMALL, "--points", "1", "--workers", "1"), "at least 2 points"),
        (("pareto", SMALL, "--points", "1000000"), "pass --yes"),
        (("pareto", SMALL, "--points", "3", "--workers", "-1"), "--workers -1"),
    ],
)
def test_study_arguments_checked_before_anything(tmp_path, args, expected):
    out = tmp_path / "study"
    code, text = _run(*args, "--out", str(out))
    assert code == 2 and expected in text and "Traceback" not in text
    assert not out.exists()  # no manifest: a rerun is not refused
    assert text.strip().count("\n") <= 1 and "━" not in text  # one message, no progress bar


def test_export_out_never_overwrites(small, tmp_path):
    _, run = small
    target = write(tmp_path, "mine.xlsx", "keep me")
    code, out = _run("export", str(run), "--capex", "xlsx", "--out", str(target))
    assert code == 2 and "already exists" in out and target.read_text() == "keep me"
    code, out = _run("export", str(run), "--capex", "xlsx", "--out", str(target), "--overwrite")
    assert code == 0 and target.read_bytes()[:2] == b"PK"


def test_validate_shows_the_24x7_policy():
    code, out = _run("validate", "us_cfe_24x7_90")
    assert code == 0 and "hourly_cfe_share 0.9" in out


def test_map_write_error_is_one_message(map_run_copy, monkeypatch):
    import planner.maps.write as map_write

    def denied(data, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(map_write, "write_html", denied)
    code, out = _run("map", str(map_run_copy), "--format", "html")
    assert code == 2 and "map.html: cannot write: permission denied" in out
    assert not list(map_run_copy.glob(".map.*")) and not (map_run_copy / "map.html").exists()
