"""`planner pareto`: the frontier table, its directory, and refusal to overwrite it."""

from __future__ import annotations

from typer.testing import CliRunner

from planner.cli.app import app
from tests.helpers import SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)


def test_cli_pareto(tmp_path):
    out = tmp_path / "cli"
    res = CliRunner().invoke(
        app,
        ["pareto", SMALL, "--points", "3", "--out", str(out), "--mip-gap", "0", "--threads", "1"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "frontier" in res.output and "min_carbon" in res.output and "Traceback" not in res.output
    assert (out / "pareto.csv").is_file() and len(list((out / "points").iterdir())) == 3
    again = CliRunner().invoke(app, ["pareto", SMALL, "--points", "3", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
