"""Sweeps: grid parsing, a 12-point sweep on a LocalCluster and on a loopback
`dask scheduler` + two `dask worker` processes (identical tables), infeasible and invalid
points as rows, `--resume` re-solving nothing that finished, and the Pareto points on Dask.

The ``scheduler`` fixture is in tests/conftest.py; ``planner sweep`` on a scheduler is tested in
tests/cli/test_sweep.py.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import planner
from planner.cli.app import app
from planner.errors import InputError
from planner.studies.sweep import grid, parse_sets, slug, split_values
from tests.helpers import SMALL_SCENARIO

SMALL = str(SMALL_SCENARIO)
GRID = {"prices.gas_price_scale": [0.5, 1, 2], "carbon_price_usd_per_t": [0, 100], "demand.scale": [0.5, 1]}
VOLATILE = ["wall_s", "solve_s", "run_dir"]
"""Columns that differ between identical runs (timings, paths)."""


def test_parse_sets_reads_yaml_scalars_and_keeps_lists_whole():
    sets = parse_sets(
        [
            "prices.gas_price_scale=0.5,1,2",
            "policy.carbon_cap_t_per_yr=null,100000",
            "technologies.gpus=[H100, B200],[H200]",
        ]
    )
    assert sets == {
        "prices.gas_price_scale": [0.5, 1, 2],
        "policy.carbon_cap_t_per_yr": [None, 100000],
        "technologies.gpus": [["H100", "B200"], ["H200"]],
    }
    assert split_values("a,{b: 1, c: 2},d") == ["a", "{b: 1, c: 2}", "d"]
    assert len(grid(GRID)) == 12 and grid(GRID)[1] == {
        "prices.gas_price_scale": 0.5,
        "carbon_price_usd_per_t": 0,
        "demand.scale": 1,
    }
    assert (
        slug({"prices.gas_price_scale": 0.5, "policy.carbon_cap_t_per_yr": None})
        == "gas_price_scale0.5_carbon_cap_t_per_yrnull"
    )
    for bad in (["noequals"], ["a=1", "a=2"]):
        with pytest.raises(InputError):
            parse_sets(bad)


def test_large_sweep_needs_yes(tmp_path):
    with pytest.raises(InputError, match="--yes"):
        planner.sweep(SMALL, {"demand.scale": [1 + i / 100 for i in range(51)]}, out=tmp_path / "big")
    assert not (tmp_path / "big").exists()
    res = CliRunner().invoke(
        app,
        [
            "sweep",
            SMALL,
            "--set",
            "demand.scale=" + ",".join(str(1 + i / 100) for i in range(51)),
            "--out",
            str(tmp_path / "big"),
        ],
    )
    assert res.exit_code == 2 and "--yes" in res.output


def test_unknown_path_fails_before_running(tmp_path):
    with pytest.raises(InputError, match="no point of the sweep is valid"):
        planner.sweep(SMALL, {"demand.scael": [1, 2]}, out=tmp_path / "x")


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The 12-point grid on a LocalCluster of two worker processes."""
    out = tmp_path_factory.mktemp("sweeps") / "local"
    return out, planner.sweep(SMALL, GRID, out=out, workers=2)


def test_local_sweep_writes_table_and_run_dirs(local_sweep):
    out, table = local_sweep
    assert len(table) == 12 and (table["status"] == "optimal").all()
    assert list(table.columns[:5]) == ["index", *GRID, "status"]
    for col in (
        "cost_usd_per_mtok",
        "annualized_cost_usd",
        "capex_usd",
        "gco2e_per_mtok",
        "emissions_t_per_yr",
        "it_mw",
        "n_sites",
        "gpus",
        "gap",
        "solve_s",
    ):
        assert table[col].notna().all(), col
    assert any(c.startswith("mix_") for c in table.columns) and any(
        c.startswith("gpus_") for c in table.columns
    )
    assert pd.read_csv(out / "sweep.csv").shape == table.shape
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), table, check_dtype=False)
    for rel in table["run_dir"]:
        summary = json.loads((out / rel / "summary.json").read_text())
        assert summary["status"] == "optimal" and (out / rel / "tables" / "sites.csv").is_file()
        assert "HiGHS" in (out / rel / "solver.log").read_text()
    # more demand costs more in total; a carbon price lowers emissions
    cheap = table.set_index(list(GRID))
    assert cheap.loc[(1, 0, 1), "annualized_cost_usd"] > cheap.loc[(1, 0, 0.5), "annualized_cost_usd"]
    no_price = cheap.loc[(1, 0, 1), "emissions_t_per_yr"]
    assert cheap.loc[(1, 100, 1), "emissions_t_per_yr"] <= no_price * (1 + 1e-9)  # equal if same plan


def test_scheduler_sweep_matches_local(local_sweep, scheduler, tmp_path):
    _, local = local_sweep
    remote = planner.sweep(SMALL, GRID, out=tmp_path / "remote", scheduler=scheduler)
    pd.testing.assert_frame_equal(remote.drop(columns=VOLATILE), local.drop(columns=VOLATILE))


def test_infeasible_and_invalid_points_are_rows(scheduler, tmp_path):
    sets = {"policy.carbon_cap_t_per_yr": [None, 1], "demand.scale": [1, -1]}
    rows = planner.sweep(SMALL, sets, out=tmp_path / "mixed", scheduler=scheduler)
    assert sorted(rows["status"]) == ["infeasible", "invalid", "invalid", "optimal"]
    infeasible = rows[rows["status"] == "infeasible"].iloc[0]
    assert infeasible["policy.carbon_cap_t_per_yr"] == 1 and "carbon_cap" in infeasible["message"]
    invalid = rows[rows["status"] == "invalid"]
    assert (invalid["demand.scale"] == -1).all() and invalid["message"].str.contains("demand.scale").all()
    manifest = json.loads((tmp_path / "mixed" / "manifest.json").read_text())
    assert {p["status"] for p in manifest["points"].values()} == {"optimal", "infeasible", "invalid"}


def test_resume_solves_only_what_is_missing(local_sweep, scheduler, tmp_path):
    src, _ = local_sweep
    out = tmp_path / "resumed"
    shutil.copytree(src, out)
    manifest = json.loads((out / "manifest.json").read_text())
    dirs = {int(i): out / p["run_dir"] for i, p in manifest["points"].items()}
    shutil.rmtree(dirs[5])
    mtimes = {i: (d / "summary.json").stat().st_mtime_ns for i, d in dirs.items() if i != 5}
    with pytest.raises(InputError, match="--resume"):
        planner.sweep(SMALL, GRID, out=out, scheduler=scheduler)
    table = planner.sweep(SMALL, GRID, out=out, scheduler=scheduler, resume=True)
    assert len(table) == 12 and (table["status"] == "optimal").all()
    assert {i: (d / "summary.json").stat().st_mtime_ns for i, d in dirs.items() if i != 5} == mtimes
    solves = {
        int(i): p["solves"] for i, p in json.loads((out / "manifest.json").read_text())["points"].items()
    }
    assert solves == {**dict.fromkeys(range(12), 1), 5: 2}
    with pytest.raises(InputError, match="different sweep"):
        planner.sweep(SMALL, {**GRID, "demand.scale": [1]}, out=out, scheduler=scheduler, resume=True)


def test_pareto_on_dask_equals_in_process(scheduler, tmp_path):
    over = {"solver.threads": 1, "solver.mip_gap": 0.0}
    here = planner.pareto(SMALL, points=4, overrides=over)
    there = planner.pareto(SMALL, points=4, overrides=over, scheduler=scheduler, out=tmp_path / "p")
    cols = ["kind", "carbon_cap_t_per_yr", "emissions_t_per_yr", "annualized_cost_usd", "status"]
    pd.testing.assert_frame_equal(there[cols], here[cols])
    assert (tmp_path / "p" / "pareto.png").is_file()


def test_resume_repairs_a_damaged_sweep(local_sweep, scheduler, tmp_path):
    """A truncated manifest is rebuilt, and points with a truncated summary or none are solved
    again; the finished points are kept."""
    src, _ = local_sweep
    out = tmp_path / "damaged"
    shutil.copytree(src, out)
    manifest = json.loads((out / "manifest.json").read_text())
    dirs = {int(i): out / p["run_dir"] for i, p in manifest["points"].items()}
    (out / "manifest.json").write_text((out / "manifest.json").read_text()[:40])
    (dirs[3] / "summary.json").write_text('{"status": "opt')
    (dirs[7] / "summary.json").unlink()
    kept = {i: (d / "summary.json").stat().st_mtime_ns for i, d in dirs.items() if i not in (3, 7)}
    table = planner.sweep(SMALL, GRID, out=out, scheduler=scheduler, resume=True)
    assert len(table) == 12 and (table["status"] == "optimal").all()
    assert {i: (d / "summary.json").stat().st_mtime_ns for i, d in dirs.items() if i not in (3, 7)} == kept
    for i in (3, 7):
        assert json.loads((dirs[i] / "summary.json").read_text())["status"] == "optimal"
    repaired = json.loads((out / "manifest.json").read_text())
    assert "repaired" in repaired and len(repaired["points"]) == 12
