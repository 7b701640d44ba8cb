"""The Python API (issue 25 item 5): every command a function listed by ``dir(planner)``, checked
arguments, a short repr, ``result.save`` writing the CLI's run directory, the README example."""

from __future__ import annotations

import json
import os
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import planner
from planner.cli.app import app
from tests.helpers import ROOT

COMMANDS = (
    "solve",
    "validate",
    "pipeline",
    "curve",
    "map",
    "export",
    "pareto",
    "sweep",
    "alternatives",
    "sensitivity",
    "evaluate",
    "data_list",
    "data_init",
)


@pytest.fixture(scope="module")
def solved():
    """small_5_sites (annual) solved once through the public API."""
    return planner.solve("small_5_sites")


def test_dir_and_help_list_every_command():
    assert set(COMMANDS) <= set(dir(planner))
    text = pydoc.render_doc(planner, renderer=pydoc.plaintext)
    for name in COMMANDS:
        assert re.search(rf"^    {name}\(", text, re.M), name
    assert "InputError" in dir(planner) and planner.InputError is planner.errors.InputError


def test_every_cli_command_has_a_function():
    """Each command the CLI registers (``data`` as data_list/data_init) is an API function."""
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    missing = [n for n in names if n != "data" and n not in dir(planner)]
    assert not missing, f"CLI commands without a Python function: {missing}; add them to planner.API"
    assert {"data_list", "data_init"} <= set(dir(planner))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: planner.sweep("small_5_sites", {"demand.scale": [1]}, workers="two"),
            "planner.sweep: argument 'workers' must be int, got str 'two'",
        ),
        (
            lambda: planner.sweep("small_5_sites", {"demand.scale": [1]}, workers=True),
            "argument 'workers' must be int, got bool",
        ),
        (lambda: planner.solve(5), "planner.solve: argument 'scenario' must be str | Path | Scenario"),
        (lambda: planner.solve("small_5_sites", time_limit_s="10"), "argument 'time_limit_s' must be float"),
        (lambda: planner.curve("llama-3.1-8b", gpus=[1]), "argument 'gpus' must be list[str] | None"),
        (lambda: planner.validate("small_5_sites", overrides={1: 2}), "argument 'overrides'"),
        (lambda: planner.solve("small_5_sites", bogus=1), "unexpected keyword argument 'bogus'"),
        (lambda: planner.data_list("nope"), "unknown catalog 'nope'"),
        (lambda: planner.map("/no/such/run", "tiff"), "unknown format(s) tiff"),
        (lambda: planner.export("/no/such/run", "pdf"), "--capex 'pdf'"),
    ],
)
def test_bad_arguments_raise_input_error_naming_them(call, message):
    with pytest.raises(planner.InputError) as info:
        call()
    assert message in str(info.value)
    assert info.value.exit_code == 2


def test_cycles_and_deep_nesting_are_refused_before_anything_runs():
    loop: dict = {"name": "x"}
    loop["demand"] = {"again": loop}
    with pytest.raises(
        planner.InputError, match=r"argument 'scenario': demand\.again: the value contains itself"
    ):
        planner.solve(loop)
    deep: dict = {}
    node = deep
    for _ in range(60):
        node["k"] = {}
        node = node["k"]
    with pytest.raises(
        planner.InputError, match=r"argument 'scenario': k\.k\.k.*: nested more than 50 levels"
    ):
        planner.validate(deep)
    shared = [1, 2]
    with pytest.raises(planner.InputError, match="unknown override path"):  # shared, not a cycle
        planner.validate("small_5_sites", overrides={"a.b": shared, "a.c": shared})


def test_a_text_path_is_taken_where_a_path_is_expected(tmp_path):
    """``out: Path | None`` accepts ``"folder"`` (made a Path); other types are still refused."""
    from planner.arguments import check_arguments

    def fn(out: Path | None = None, n: int = 1) -> None:
        """A function with a Path argument."""

    args, kwargs = check_arguments(fn, "fn", (str(tmp_path),), {})
    assert args == (tmp_path,) and kwargs == {}
    with pytest.raises(planner.InputError, match="argument 'out' must be Path | None, got int 3"):
        check_arguments(fn, "fn", (3,), {})


def test_validate_and_pipeline_return_data():
    scn = planner.validate("small_5_sites", overrides={"demand.scale": 2})
    assert scn.name == "small_5_sites" and scn.demand.scale == 2
    report = planner.pipeline("H100", "llama-3.1-8b", topologies="single_node")
    stages = {row["stage"]: row for row in report.to_dict()["stages"]}
    assert stages and report["gpu"] == "H100"
    with pytest.raises(planner.InputError, match="sets its own latency limits"):
        planner.pipeline("H100", "llama-3.1-8b", mlperf_scenario="offline", ttft_ms=100)
    gpus = planner.data_list("gpus")
    assert isinstance(gpus, pd.DataFrame) and "H100" in gpus.index


def test_repr_is_short_and_html_is_a_table(solved):
    text = repr(solved)
    lines = text.splitlines()
    assert len(lines) == 2 and all(len(line) <= 110 for line in lines)
    cost = solved.summary["cost_usd_per_mtok"]
    assert lines[0].startswith(f"SolveResult(small_5_sites: {solved.status}, {cost:,.3f} $/Mtok")
    for site in solved.summary["sites"]:
        assert site in lines[0]
    html = solved._repr_html_()
    assert "<table" in html and f"{cost:,.3f} $/Mtok" in html


def test_save_writes_the_cli_run_directory(solved, tmp_path):
    """The same files as `planner solve --out` (its tables, summary, log, capex.xlsx, maps, report);
    an existing folder is refused by name and left as it was."""
    run = solved.save(tmp_path / "run")
    names = sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file())
    from planner.maps.write import SOLVE_FORMATS
    from planner.results.rundir import TABLES

    expected = ["capex.xlsx", "report.html", "scenario.resolved.yaml", "solver.log", "summary.json"]
    expected += [f"map.{f}" for f in SOLVE_FORMATS] + [f"tables/{t}.csv" for t in TABLES]
    assert names == sorted(expected)
    assert "HiGHS" in (run / "solver.log").read_text()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["cost_usd_per_mtok"] == pytest.approx(solved.summary["cost_usd_per_mtok"], rel=1e-12)
    sites = pd.read_csv(run / "tables" / "sites.csv")
    assert sorted(sites.loc[sites["open"], "site_id"]) == sorted(solved.summary["sites"])
    with pytest.raises(planner.InputError, match="SolveResult.save: directory .*already exists"):
        solved.save(run)
    assert not list(tmp_path.glob(".run.partial-*"))
    written = planner.export(run, "json", out=tmp_path / "capex.json")
    assert written == [tmp_path / "capex.json"] and json.loads(written[0].read_text())
    assert planner.map(run, ["svg"]) == [run / "map.svg"]


def _python_example(page: Path, heading: str) -> str:
    text = page.read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text[text.index(heading) :], re.S).group(1)


def test_the_docs_show_the_readme_example():
    """The API page and the quickstart page show the example the README runs (tested below)."""
    code = _python_example(ROOT / "README.md", "### Python API")
    assert _python_example(ROOT / "docs" / "api.md", "# Python API") == code
    assert _python_example(ROOT / "docs" / "quickstart.md", "## From Python") == code


def test_the_readme_example_runs_outside_the_checkout(tmp_path):
    """The README's Python example, run from an empty folder (no checkout-relative path), with
    the sweep's two workers."""
    code = _python_example(ROOT / "README.md", "### Python API")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = tmp_path / "example.py"
    script.write_text(code + "\nprint('ROWS', len(table), ','.join(table['status']))\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ROWS 2 optimal,optimal" in done.stdout
    assert (tmp_path / "my_run" / "summary.json").is_file() and (tmp_path / "my_run" / "capex.json").is_file()
    assert done.stdout.startswith("SolveResult(small_5_sites: optimal")


def test_data_init_copies_the_shipped_tree(tmp_path):
    from planner.paths import SHIPPED_HOME

    out = CliRunner().invoke(app, ["data", "init", str(tmp_path / "mine")], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert f"export PLANNER_HOME={tmp_path / 'mine'}" in out.output
    for name in ("data/sites.csv", "data/site_sources.csv", "models", "scenarios/small_5_sites.yaml"):
        assert (tmp_path / "mine" / name).exists(), name
    shipped = sorted(p.relative_to(SHIPPED_HOME / "data") for p in (SHIPPED_HOME / "data").rglob("*.csv"))
    copied = sorted(
        p.relative_to(tmp_path / "mine" / "data") for p in (tmp_path / "mine" / "data").rglob("*.csv")
    )
    assert shipped == copied
    again = CliRunner().invoke(app, ["data", "init", str(tmp_path / "mine")])
    assert again.exit_code == 2 and "not empty" in again.output
    with pytest.raises(planner.InputError, match="not empty"):
        planner.data_init(tmp_path / "mine")


def test_an_empty_planner_home_is_named_in_the_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANNER_HOME": str(tmp_path / "empty")}
    done = subprocess.run(
        [sys.executable, "-m", "planner", "solve", "small_5_sites", "--out", str(tmp_path / "run")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2
    assert f"{tmp_path / 'empty'}/data/cooling.csv: file not found" in done.stderr
    assert f"PLANNER_HOME={tmp_path / 'empty'}" in done.stderr and "planner data init" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "run").exists()


def test_the_other_results_have_one_line_reprs():
    from planner.studies.alternatives import AlternativesResult
    from planner.studies.sensitivity import SensitivityResult

    report = planner.pipeline("H100", "llama-3.1-8b")
    text = repr(report)
    assert "\n" not in text and len(text) < 200
    assert f"H100 x llama-3.1-8b, cooling {report['cooling']}" in text
    assert f"{report['tokens_per_s_per_gpu']:,.0f} tokens/s per GPU" in text
    empty = pd.DataFrame()
    table = pd.DataFrame({"input": ["gas", "gas", "wacc"]})
    sens = SensitivityResult(table, pd.DataFrame({"a": [1]}), empty, empty)
    assert repr(sens).startswith("SensitivityResult(3 points of 2 inputs, 1 flips;")
    alt = AlternativesResult(pd.DataFrame({"verified": [True, False, None]}), empty, [], {})
    assert repr(alt).startswith("AlternativesResult(3 plans, 1 verified")
