"""`planner sensitivity`: bad ``--vary``, ``--break-even`` and ``--out`` exit 2 with one message and
nothing written; a small run prints its tables at 80 columns and writes its files."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli.app import app
from tests.helpers import SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--vary", "prices.gas_price_scale"],
            "--vary 'prices.gas_price_scale': expected PATH=LO:HI[:STEPS]",
        ),
        (["--vary", "prices.gas_price_scale=1.4:0.6"], "LO < HI"),
        (["--vary", "prices.gas_price_scale=0.6:1.4:1"], "STEPS an integer from 2 to 21"),
        (["--vary", "prices.gas_price_scale=0.6"], "PATH=V1,V2[,...] (two or more values)"),
        (["--vary", "demand.scale=1:2", "--vary", "demand.scale=2:3"], "--vary demand.scale: given twice"),
        (["--vary", "demand.scael=1:2"], "did you mean 'demand.scale'"),
        (["--break-even", "some"], "--break-even 'some': expected a number of sites (0 for none) or 'all'"),
        (["--workers", "0"], "--workers 0: must be between 1 and 256"),
    ],
)
def test_bad_arguments_exit_2_with_one_message(tmp_path, args, expected):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sensitivity", SMALL, *args, "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 2, res.output
    assert expected in res.output and "Traceback" not in res.output
    assert res.output.count("error:") == 1 and not out.exists()


def test_cli_sensitivity_prints_tables_and_writes_files(tmp_path):
    out = tmp_path / "sens"
    args = [
        "sensitivity",
        SMALL,
        "--vary",
        "demand.scale=0.5:1.5",
        "--vary",
        "physics.throughput_basis=median,conservative",
    ]
    args += ["--set", "solver.node_limit=5000", "--break-even", "1", "--workers", "1", "--out", str(out)]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    for title in ("Sensitivity: one input at a time", "Tornado ($/Mtok swing", "Break-even of losing sites"):
        assert title in res.output
    assert max(len(line) for line in res.output.splitlines()) <= 80
    for name in ("sensitivity.csv", "flips.csv", "tornado.csv", "tornado.png", "break_even.csv"):
        assert (out / name).is_file()
    table = pd.read_csv(out / "sensitivity.csv")
    shared = table.loc[
        (table["kind"] == "base") | (table["value"].astype(str).isin(["1.0", "median"])), "run_dir"
    ]
    assert len(shared) == 3 and shared.nunique() == 1  # demand x1.0 and median are the base plan: solved once
    again = CliRunner().invoke(app, [*args[:-1], str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
