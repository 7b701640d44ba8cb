"""`planner validate`: malformed scenarios exit with code 2 and one ``error: ...`` line (in process and
in a real interpreter), and --set / --objective apply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from planner.paths import PROJECT_ROOT, SCENARIOS_DIR
from tests.helpers import write
from tests.scenario.cases import BAD


@pytest.mark.parametrize(("files", "entry", "pieces"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_scenario_cli_exit_2(
    tmp_path: Path, validate_app: typer.Typer, files: dict, entry: str, pieces: list[str]
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    result = CliRunner().invoke(validate_app, ["validate", str(tmp_path / entry)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no other exception escaped
    assert result.stderr.startswith("error: ")
    assert pieces[0] in result.stderr
    assert "Traceback" not in result.output


SUBPROCESS_CASES = ["yaml_syntax", "python_tag", "non_utf8", "unknown_gpu", "circular_extends", "empty_file"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_malformed_scenario_real_process(tmp_path: Path, case: str) -> None:
    """A real interpreter: nothing on stderr but ``error: ...``, exit code 2."""
    _, files, entry, pieces = next(b for b in BAD if b[0] == case)
    for name, text in files.items():
        write(tmp_path, name, text)
    cmd = [sys.executable, "-m", "planner", "validate", str(tmp_path / entry)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: ") and pieces[0] in proc.stderr


def test_cli_validate_set_and_objective(validate_app: typer.Typer) -> None:
    result = CliRunner().invoke(
        validate_app,
        [
            "validate",
            str(SCENARIOS_DIR / "small_5_sites.yaml"),
            "--set",
            "demand.scale=2",
            "--objective",
            "carbon",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "carbon" in result.stdout and "3.00 M tokens/s" in result.stdout
    bad = CliRunner().invoke(
        validate_app, ["validate", str(SCENARIOS_DIR / "small_5_sites.yaml"), "--set", "demand.sclae=2"]
    )
    assert bad.exit_code == 2 and "did you mean 'demand.scale'?" in bad.stderr
