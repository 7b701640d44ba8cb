"""`planner show` reprints what `planner solve` printed; `planner solve` writes report.html and its
last line points at it; `planner report` and `show` give one line and exit 2 for a broken run
directory, and leave no report behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app
from tests.helpers import ROOT, SMALL_SCENARIO


def _planner(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "planner", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[Path, str]:
    """small_5_sites solved in annual mode by the CLI (no maps: the report draws its own), and its stdout."""
    out = tmp_path_factory.mktemp("show") / "run"
    proc = _planner("solve", str(SMALL_SCENARIO), "--set", "time.mode=annual", "--out", str(out), "--no-map")
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_solve_writes_the_report_and_points_at_it(solved):
    run, stdout = solved
    lines = stdout.rstrip("\n").splitlines()
    assert lines[-1] == f"report: {run / 'report.html'}"
    assert lines[-2].startswith(f"run directory: {run}  (")
    page = (run / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Plan report: small_5_sites" in page
    assert ".partial" not in page  # the page names the final run directory, not its staging folder
    assert not list(run.glob("map.*"))  # --no-map: the report drew its map without writing one


def test_show_prints_what_solve_printed(solved):
    run, stdout = solved
    proc = _planner("show", str(run))
    assert proc.returncode == 0, proc.stderr
    plan = stdout.split("\nrun directory: ")[0]
    assert "Sites chosen" in plan and "Time to power" in plan and "Per model" in plan
    shown = proc.stdout.split("\nrun directory: ")[0]
    assert shown == plan
    assert proc.stdout.rstrip("\n").splitlines()[-2:] == [
        f"run directory: {run}",
        f"report: {run / 'report.html'}",
    ]


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(run, out)
    (out / "report.html").unlink()
    return out


def _bad_number(path: Path, column: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, column] = "lots"
    df.to_csv(path, index=False)


def _summary(run: Path, key: str, value) -> None:
    summary = json.loads((run / "summary.json").read_text())
    summary[key] = value
    (run / "summary.json").write_text(json.dumps(summary))


BREAKAGES = {
    "summary-missing": (lambda r: (r / "summary.json").unlink(), ["summary.json", "not found"]),
    "summary-gpus-text": (lambda r: _summary(r, "gpus", "many"), ["summary.json", "gpus", "dictionary"]),
    "summary-cost-null": (lambda r: _summary(r, "cost_usd_per_mtok", None), ["cost_usd_per_mtok", "number"]),
    "summary-in-service-text": (
        lambda r: _summary(r, "sites_in_service", {"x": {"in_service_year": "soon"}}),
        ["summary.json", "'sites_in_service'", "in_service_year"],
    ),
    "sites-bad-number": (
        lambda r: _bad_number(r / "tables" / "sites.csv", "it_mw"),
        ["sites.csv", "'it_mw'", "line 2", "not a number"],
    ),
    "models-missing": (lambda r: (r / "tables" / "models.csv").unlink(), ["models.csv", "not found"]),
    "site-loss-empty": (lambda r: (r / "tables" / "site_loss.csv").write_text(""), ["site_loss.csv", "CSV"]),
}
REPORT_ONLY = {
    "dispatch-bad-number": (
        lambda r: _bad_number(r / "tables" / "dispatch.csv", "grid_mw"),
        ["dispatch.csv", "'grid_mw'", "not a number"],
    ),
    "capex-items-missing": (
        lambda r: (r / "tables" / "capex_items.csv").unlink(),
        ["capex_items.csv", "not found"],
    ),
    "costs-missing-column": (
        lambda r: (
            pd.read_csv(r / "tables" / "costs.csv")
            .drop(columns="category")
            .to_csv(r / "tables" / "costs.csv", index=False)
        ),
        ["costs.csv", "missing column(s) category"],
    ),
}


def _one_error_line(res, expected: list[str]) -> None:
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("error:") and "Traceback" not in res.output
    text = " ".join(res.output.split())
    for piece in expected:
        assert piece in text, res.output


@pytest.mark.parametrize("case", list(BREAKAGES))
def test_show_broken_run_directory_exits_2(solved, tmp_path, case):
    run = _copy(solved[0], tmp_path)
    breakage, expected = BREAKAGES[case]
    breakage(run)
    _one_error_line(CliRunner().invoke(app, ["show", str(run)]), expected)


@pytest.mark.parametrize("case", [*BREAKAGES, *REPORT_ONLY])
def test_report_broken_run_directory_exits_2_and_writes_nothing(solved, tmp_path, case):
    run = _copy(solved[0], tmp_path)
    breakage, expected = {**BREAKAGES, **REPORT_ONLY}[case]
    breakage(run)
    _one_error_line(CliRunner().invoke(app, ["report", str(run)]), expected)
    assert not list(run.glob("report.html")) and not list(run.glob(".report.html*"))


def test_report_missing_run_directory_and_bad_out(solved, tmp_path):
    _one_error_line(CliRunner().invoke(app, ["report", str(tmp_path / "nope")]), ["nope", "not found"])
    res = CliRunner().invoke(app, ["report", str(solved[0]), "--out", str(tmp_path / "r.pdf")])
    _one_error_line(res, ["r.pdf", ".html"])
    taken = tmp_path / "taken.html"
    taken.write_text("mine")
    _one_error_line(
        CliRunner().invoke(app, ["report", str(solved[0]), "--out", str(taken)]), ["already exists"]
    )
    assert taken.read_text() == "mine"
    res = CliRunner().invoke(app, ["report", str(solved[0]), "--out", str(taken), "--overwrite"])
    assert res.exit_code == 0 and taken.read_text().startswith("<!DOCTYPE html>")
