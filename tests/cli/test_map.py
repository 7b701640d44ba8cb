"""`planner map`: clear exit-2 errors for broken run directories and bad --format values, and only the
selected formats written (``map_run`` fixtures: tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app
from tests.helpers import no_map_files, read_summary


def _map(run: Path, *args: str):
    return CliRunner().invoke(app, ["map", str(run), *args])


def _drop_column(path: Path, column: str) -> None:
    pd.read_csv(path).drop(columns=[column]).to_csv(path, index=False)


def _set_summary(run: Path, key: str, value) -> None:
    summary = read_summary(run)
    summary[key] = value
    (run / "summary.json").write_text(json.dumps(summary))


def _bad_number(path: Path, column: str) -> None:
    df = pd.read_csv(path, dtype=str)
    df.loc[0, column] = "north"
    df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda r: (r / "summary.json").write_text("{not json"), ["summary.json", "not valid JSON"]),
        (lambda r: (r / "summary.json").write_text("[1, 2]"), ["summary.json", "JSON object"]),
        (lambda r: (r / "summary.json").unlink(), ["summary.json", "not found"]),
        (
            lambda r: _set_summary(r, "cost_usd_per_mtok", None),
            ["summary.json", "cost_usd_per_mtok", "must be a number"],
        ),
        (
            lambda r: (r / "scenario.resolved.yaml").write_text("name: [unclosed"),
            ["scenario.resolved.yaml", "YAML"],
        ),
        (lambda r: _drop_column(r / "tables" / "sites.csv", "lat"), ["sites.csv", "missing column(s) lat"]),
        (
            lambda r: _bad_number(r / "tables" / "sites.csv", "lon"),
            ["sites.csv", "'lon'", "line 2", "not a number"],
        ),
        (lambda r: (r / "tables" / "flows.csv").unlink(), ["flows.csv", "not found"]),
        (lambda r: (r / "tables" / "fleet.csv").write_text(""), ["fleet.csv", "cannot read CSV"]),
    ],
    ids=[
        "summary-not-json",
        "summary-not-object",
        "summary-missing",
        "summary-null-number",
        "scenario-bad-yaml",
        "sites-missing-column",
        "sites-bad-number",
        "flows-missing",
        "fleet-empty",
    ],
)
def test_broken_run_directory_exits_2(map_run_copy, breakage, expected):
    breakage(map_run_copy)
    res = _map(map_run_copy)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.output.startswith("error:")
    for text in expected:
        assert text in res.output.replace("\n", ""), res.output
    assert no_map_files(map_run_copy)


def test_unknown_format_and_missing_dir(map_run_copy, tmp_path):
    res = _map(map_run_copy, "--format", "png,jpeg")
    assert res.exit_code == 2 and "jpeg" in res.output and "allowed" in res.output
    res = _map(tmp_path / "nope")
    assert res.exit_code == 2 and "not found" in res.output


def test_selected_formats_only(map_run_copy):
    res = _map(map_run_copy, "--format", "geojson, png")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in map_run_copy.glob("map.*")) == ["map.geojson", "map.png"]
