"""The GPU sale window in ``data/gpus.csv`` (issue 21): ``status``, ``first_delivery_year`` and
``end_of_sale_year`` on every row, announced parts marked in their source, and bad values refused
with one message naming file, line, column and what is allowed (exit code 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.catalogs.load import load_catalogs
from planner.catalogs.schemas import GPU_STATUSES
from planner.errors import CatalogError
from planner.paths import DATA_DIR, MODELS_DIR, SCENARIOS_DIR
from tests.helpers import ROOT, edit_csv_cell

ANNOUNCED = ("VR200", "R200", "VR300", "MI455X")
"""The announced parts added for issue 21 (NVIDIA Rubin generation, AMD MI400 series)."""


def test_every_gpu_has_a_sale_window_and_announced_rows_say_so() -> None:
    gpus = load_catalogs().gpus
    assert set(gpus["status"]) == set(GPU_STATUSES)
    assert (gpus["first_delivery_year"] <= gpus["end_of_sale_year"]).all()
    assert set(gpus.index[gpus["status"] == "announced"]) == set(ANNOUNCED)
    for g in ANNOUNCED:
        assert gpus.at[g, "source"].startswith("ANNOUNCED:"), g
        assert gpus.at[g, "confidence"] == "estimate", g
        assert "dense" in gpus.at[g, "source"], g  # which FP4 figure is stored, and why
    # the announced Rubin GPU is faster per GPU than the shipping Blackwell Ultra in every figure
    assert (
        gpus.loc["VR200", ["dense_fp4_tflops", "hbm_gb", "hbm_tb_per_s"]]
        >= gpus.loc["GB300", ["dense_fp4_tflops", "hbm_gb", "hbm_tb_per_s"]]
    ).all()


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    """A copy of the data home (data, models, scenarios) to break."""
    for src, name in ((DATA_DIR, "data"), (MODELS_DIR, "models"), (SCENARIOS_DIR, "scenarios")):
        shutil.copytree(src, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("status", "sold", "'shipping' or 'announced'"),
        ("status", "", "status is empty or missing"),
        ("first_delivery_year", "2o26", "first_delivery_year"),
        ("end_of_sale_year", "2023", "must be >= first_delivery_year (2024)"),
        ("end_of_sale_year", "1990", "greater than or equal to 2015"),
    ],
)
def test_bad_sale_window_is_refused_by_file_line_and_column(
    home: Path, column: str, value: str, expected: str
) -> None:
    line = edit_csv_cell(home / "data" / "gpus.csv", {"gpu_id": "H200"}, column, value)
    with pytest.raises(CatalogError) as info:
        load_catalogs(home / "data", home / "models")
    msg = str(info.value)
    assert info.value.exit_code == 2
    assert "gpus.csv" in msg and f"line {line}" in msg and column in msg and expected in msg


def test_cli_reports_a_bad_status_once_with_exit_code_2(home: Path) -> None:
    edit_csv_cell(home / "data" / "gpus.csv", {"gpu_id": "VR200"}, "status", "rumoured")
    env = os.environ | {"PLANNER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "planner", "data", "list", "gpus"],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    # one message naming the field; the file's content is never echoed (issue 26)
    assert run.stderr.count("error:") == 1 and "rumoured" not in run.stderr
    assert "status" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_data_list_gpus_shows_status_and_first_delivery_in_80_columns() -> None:
    env = os.environ | {"COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "planner", "data", "list", "gpus"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    rows = {
        ln.split()[0]: ln.split() for ln in lines if ln.split() and ln.split()[0] in ANNOUNCED + ("H100",)
    }
    assert rows["VR200"][1:3] == ["announced", "2026"] and rows["VR300"][1:3] == ["announced", "2027"]
    assert rows["H100"][1:4] == ["shipping", "2022", "2027"]
