"""`planner solve`: run directory contents, refusal to overwrite, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app
from planner.report.data import SUMMARY_KEYS as PRINTED_KEYS
from tests.helpers import ROOT, SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)
SUMMARY_KEYS = {
    *PRINTED_KEYS,  # what `planner show` and the report read
    "objective_value",
    "best_bound",
    "demand_tokens_per_s",
    "sites",
    "timings",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "small"
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "solve", SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "Sites chosen" in proc.stdout
    printed = " ".join(proc.stdout.split())  # the plan is wrapped at 80 columns when piped
    assert "energy mix: annual-average screening figure" in printed  # issue 11: annual mode says what it is
    return out


def test_run_directory_contents(run_dir):
    for name in ("scenario.resolved.yaml", "solver.log", "summary.json"):
        assert (run_dir / name).is_file()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary.keys() >= SUMMARY_KEYS
    assert {"build_s", "handoff_s", "solve_s", "extract_s", "total_s"} <= set(summary["timings"])
    assert summary["status"] in ("optimal", "time_limit")
    assert summary["served_tokens_per_s"] == pytest.approx(summary["demand_tokens_per_s"], rel=1e-6)
    for table in ("sites", "fleet", "energy_capacity", "dispatch", "flows", "pipeline"):
        assert (run_dir / "tables" / f"{table}.csv").is_file()
    sites = pd.read_csv(run_dir / "tables" / "sites.csv")
    assert sorted(sites.loc[sites["open"], "site_id"]) == sorted(summary["sites"])
    pipeline = pd.read_csv(run_dir / "tables" / "pipeline.csv")
    assert {
        "pv_photons_per_s",
        "ch4_molecules_per_s",
        "electric_w",
        "facility_w",
        "it_w",
        "flop_per_s",
        "tokens_per_s",
    } <= set(pipeline.columns)
    # facility >= IT, and tokens/s in the pipeline add up to the demand
    assert (pipeline["facility_w"] >= pipeline["it_w"]).all()
    # annual mode has no storage: electricity supplied (generation + grid) equals facility load
    assert pipeline["electric_w"].to_numpy() == pytest.approx(pipeline["facility_w"].to_numpy(), rel=1e-6)
    assert pipeline["tokens_per_s"].sum() == pytest.approx(summary["served_tokens_per_s"], rel=1e-6)
    assert (
        "HiGHS" in (run_dir / "solver.log").read_text()
        or "warm start" in (run_dir / "solver.log").read_text()
    )
    assert not list(run_dir.parent.glob(".*partial*"))


def test_resolved_scenario_reloads(run_dir):
    from planner.scenario.load import load_scenario

    scn = load_scenario(run_dir / "scenario.resolved.yaml")
    assert scn.name == "small_5_sites"


def test_refuses_to_overwrite(run_dir):
    result = CliRunner().invoke(app, ["solve", SMALL, "--out", str(run_dir)])
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_infeasible_exit_3_and_nothing_written(tmp_path):
    out = tmp_path / "infeasible"
    result = CliRunner().invoke(
        app, ["solve", SMALL, "--out", str(out), "--set", "policy.carbon_cap_t_per_yr=1"]
    )
    assert result.exit_code == 3
    assert "policy.carbon_cap_t_per_yr = 1 t/yr cannot be met" in result.output
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_bad_objective_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["solve", SMALL, "--out", str(tmp_path / "x"), "--objective", "speed"])
    assert result.exit_code == 2
    assert "--objective 'speed': allowed values are cost, carbon" in result.output


def test_missing_scenario_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "solve", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "nope.yaml" in proc.stderr and "Traceback" not in proc.stderr
