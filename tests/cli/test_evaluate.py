"""`planner evaluate`: printed at 80 columns, its outputs, and one message (exit 2) for bad input."""

from __future__ import annotations

import re
import shutil
import signal

import pandas as pd
from typer.testing import CliRunner

from planner.cli.app import app

NARROW = {"COLUMNS": "80"}


def _evaluate(*args: str):
    return CliRunner().invoke(app, ["evaluate", *args, "--threads", "1"], env=NARROW)


def test_one_plan_one_future_at_80_columns(small, tmp_path):
    _, run = small
    out = tmp_path / "eval"
    res = _evaluate(str(run), "--set", "demand.scale=1.2", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert all(len(line) <= 80 for line in res.output.splitlines()), res.output
    unserved = pd.read_csv(out / "tables" / "unserved.csv")
    assert unserved["unserved_tokens_per_s"].sum() > 0  # the plan was sized for demand x1.0
    for r in unserved.itertuples():  # every stream, its ids and its unserved tokens/s whole
        assert r.region_id in res.output and r.model_id in res.output
        assert f"{r.unserved_tokens_per_s:,.0f}" in res.output
    total = f"{unserved['unserved_tokens_per_s'].sum():,.0f}"
    assert re.search(rf"unserved\s+{re.escape(total)}\s+tokens/s", res.output)  # number, then its unit
    assert (out / "summary.json").is_file() and (out / "tables" / "fleet.csv").is_file()
    again = _evaluate(str(run), "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output


def test_one_plan_two_futures_prints_the_regret_table(small, tmp_path):
    _, run = small
    out = tmp_path / "study"
    res = _evaluate(str(run), "--future", "base:", "--future", "more:demand.scale=1.2", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert all(len(line) <= 80 for line in res.output.splitlines()), res.output
    assert "Regret" in res.output and "min-max-regret plan:" in res.output
    regret = pd.read_csv(out / "regret.csv")
    assert regret["max_regret_usd"].tolist() == [0] and regret["min_max_regret"].tolist() == [True]
    assert len(pd.read_csv(out / "evaluations.csv")) == 2


def test_damaged_or_missing_run_directory_exits_2_naming_the_file(small, tmp_path):
    _, run = small
    broken = tmp_path / "broken"
    shutil.copytree(run, broken)
    (broken / "tables" / "energy_capacity.csv").unlink()
    res = _evaluate(str(broken), "--out", str(tmp_path / "o1"))
    assert res.exit_code == 2 and "energy_capacity.csv: file not found" in res.output
    assert res.output.count("error:") == 1 and "Traceback" not in res.output
    (broken / "summary.json").write_text("{not json")
    res = _evaluate(str(broken), "--out", str(tmp_path / "o2"))
    assert res.exit_code == 2 and re.search(r"summary\.json(:\d+)?: not valid JSON", res.output)
    res = _evaluate(str(tmp_path / "nothing"), "--out", str(tmp_path / "o3"))
    assert res.exit_code == 2 and "nothing: not found" in res.output
    assert not any(p.name.startswith(("o1", "o2", "o3", ".o")) for p in tmp_path.iterdir())


def test_bad_future_and_unserved_cost_exit_2(small, tmp_path):
    _, run = small
    res = _evaluate(str(run), "--future", "hot gas=1", "--out", str(tmp_path / "a"))
    assert res.exit_code == 2 and "--future 'hot gas=1': expected NAME:path=value" in res.output
    res = _evaluate(str(run), "--unserved-cost", "-1", "--out", str(tmp_path / "b"))
    assert res.exit_code == 2 and "--unserved-cost '-1': expected USD_PER_MTOK" in res.output
    res = _evaluate(str(run), "--unserved-cost", "gpt-9=5", "--out", str(tmp_path / "d"))
    assert res.exit_code == 2 and "gpt-9: not a served model" in res.output and "llama-3.1-8b" in res.output
    res = _evaluate(str(run), "--future", "x:demand.scale=-2", "--out", str(tmp_path / "c"))
    assert res.exit_code == 2 and "future 'x'" in res.output and "demand.scale" in res.output


def test_sigterm_while_evaluating_leaves_no_partial_directory(small, tmp_path):
    from tests.cli.test_signals import EXIT, _partials, _start, _stop
    from tests.helpers import ROOT

    _, run = small
    out = tmp_path / "study"
    args = ["evaluate", str(run), "--future", "a:", "--future", "b:demand.scale=1.2", "--out", str(out)]
    code, _, err = _stop(_start(args, ROOT), signal.SIGTERM, 3.0)
    assert "Traceback" not in err and not _partials(tmp_path)
    if code == 0:  # finished before the signal: the whole directory
        assert (out / "regret.csv").is_file()
        return
    assert code == EXIT[signal.SIGTERM] and "interrupted:" in err and not out.exists()
