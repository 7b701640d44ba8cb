"""`planner sweep` on a loopback Dask scheduler (``scheduler`` fixture: tests/conftest.py): the summary
line, invalid points as rows, and the sweep table files."""

from __future__ import annotations

from typer.testing import CliRunner

from planner.cli.app import app
from tests.helpers import SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)


def test_cli_sweep_on_scheduler(scheduler, tmp_path):
    out = tmp_path / "cli"
    res = CliRunner().invoke(
        app, ["sweep", SMALL, "--set", "demand.scale=1,-1", "--scheduler", scheduler, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "2 points" in res.output and "invalid" in res.output and "Traceback" not in res.output
    assert (out / "sweep.csv").is_file() and (out / "sweep.parquet").is_file()
