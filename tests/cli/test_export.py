"""`planner export`: a capex export from a run directory, and exit code 2 with a clear message for
broken run directories and bad options (``small`` fixture: tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from planner.cli.app import app


def test_cli_export_and_errors(small, tmp_path):
    _, run_dir = small
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "export",
            str(run_dir),
            "--capex",
            "json",
            "--out",
            str(tmp_path / "x.json"),
            "--horizon-years",
            "10",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "x.json").is_file()

    def broken(name: str, damage) -> Path:
        copy = tmp_path / name
        shutil.copytree(
            run_dir,
            copy,
            ignore=lambda folder, names: [
                n for n in names if Path(folder) == run_dir and n.startswith("capex")
            ],
        )
        damage(copy)
        return copy

    cases = [
        (
            broken("no_items", lambda d: (d / "tables" / "capex_items.csv").unlink()),
            ["--capex", "xlsx"],
            "capex_items.csv",
        ),
        (
            broken("bad_summary", lambda d: (d / "summary.json").write_text("{not json")),
            ["--capex", "csv"],
            "summary.json",
        ),
        (broken("no_summary", lambda d: (d / "summary.json").unlink()), ["--capex", "csv"], "summary.json"),
        (
            broken(
                "bad_number",
                lambda d: (d / "tables" / "opex.csv").write_text(
                    (d / "tables" / "opex.csv").read_text().replace(",2023,", ",20x3,", 1)
                ),
            ),
            ["--capex", "json"],
            "opex.csv",
        ),
        (
            broken(
                "edited",
                lambda d: (d / "tables" / "capex_items.csv").write_text(
                    "\n".join((d / "tables" / "capex_items.csv").read_text().splitlines()[:-1]) + "\n"
                ),
            ),
            ["--capex", "json"],
            "does not match",
        ),
        (run_dir, ["--capex", "pdf"], "allowed formats"),
        (run_dir, ["--capex", "xlsx", "--out", str(tmp_path / "a.csv")], "extension"),
        (run_dir, ["--capex", "csv", "--horizon-years", "0"], "--horizon-years"),
        (run_dir, [], "--capex"),
        (tmp_path / "nowhere", ["--capex", "xlsx"], "not found"),
    ]
    for path, args, needle in cases:
        res = runner.invoke(app, ["export", str(path), *args])
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output, (needle, res.output)
        assert "Traceback" not in res.output
    assert not (tmp_path / "no_items" / "capex.xlsx").exists()
