"""`planner pipeline`: JSON output and exit code 2 with the close ids for an unknown GPU."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def test_cli_pipeline_json_and_errors():
    import typer

    from planner.cli.pipeline import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer in multi-command mode
        pass

    runner = CliRunner()
    ok = runner.invoke(app, ["pipeline", "--gpu", "B200", "--model", "llama-2-70b", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["source"] == "measured"
    bad = runner.invoke(app, ["pipeline", "--gpu", "H1000", "--model", "llama-2-70b"])
    assert bad.exit_code == 2 and "H100" in bad.output
