"""Terminal and spreadsheet text: what a user or a file supplied reaches neither the terminal nor a
CSV/xlsx as something that acts.

Every case runs ``planner`` in a subprocess with raw bytes captured and asserts the exit code, one
``error:`` line and that no control character (ESC, OSC, BEL, CR) reaches stdout or stderr: they
are shown as ``\\xNN`` (:class:`planner.cli.console.LiteralConsole`). Ids and names with control
characters are refused where catalogs and scenarios are loaded; formula-like text is made inert on
every line of a multi-line cell (:func:`planner.results.cells.inert`).
"""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from planner.results.cells import inert, inert_frame
from tests.helpers import ROOT, TINY, write, write_run
from tests.hostile.write_helpers import assert_no_control, assert_one_error, lines, run

ESC = "\x1b[2J\x1b[31m"  # clear screen, red
OSC = "\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07"  # a fake hyperlink
BEL_CR = "\x07\rfake"
HOSTILE = {"esc": ESC, "osc": OSC, "bel_cr": BEL_CR}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A solved tiny scenario's run directory (no maps)."""
    import planner

    return write_run(planner.solve(TINY), tmp_path_factory.mktemp("term") / "run")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_scenario_file_name(tmp_path, kind):
    """A missing scenario whose name holds escapes: the ``loading`` line and the error show them as text."""
    name = f"no{HOSTILE[kind]}such.yaml"
    proc = run("solve", str(tmp_path / name), "--out", str(tmp_path / "out"))
    line = assert_one_error(proc, 2, "no such file")
    assert "\\x1b" in line or "\\x07" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["curve", "--model", f"llama{OSC}"], ["unknown"]),
        (["pipeline", "--gpu", f"H100{ESC}", "--model", "llama-2-70b"], ["unknown GPU"]),
        (
            ["pipeline", "--gpu", "H100", "--model", "llama-2-70b", "--site", f"x{BEL_CR}"],
            ["x\\x07\\x0dfake"],
        ),
        (["solve", "--objective", f"cost{ESC}"], ["cost\\x1b[2J"]),
        (["data", "list", f"sites{ESC}"], ["unknown catalog"]),
        (["map", f"/nonexistent{OSC}"], ["nonexistent"]),
        (["export", f"/nonexistent{ESC}", "--capex", "json"], ["nonexistent"]),
    ],
    ids=[
        "curve-model",
        "pipeline-gpu",
        "pipeline-site",
        "solve-objective",
        "data-kind",
        "map-dir",
        "export-dir",
    ],
)
def test_values_in_errors(args, words):
    """--model, --gpu, --site, --objective, a catalog kind, a run directory: escaped in the one error line."""
    assert_one_error(run(*args), 2, *words)


def test_usage_error_escaped():
    """click's own usage errors (unknown option or command) are escaped too: exit 2, no raw ESC."""
    proc = run("solve", f"--objectiv{ESC}", "x")
    assert proc.returncode == 2
    assert_no_control(proc)
    assert "\\x1b[2J" in proc.stderr.decode()
    proc = run(f"bogus{OSC}")
    assert proc.returncode == 2
    assert_no_control(proc)


def test_existing_out_named_with_escapes(tmp_path):
    """An existing --out whose name holds an OSC hyperlink: refused, named as text."""
    out = tmp_path / f"run{OSC}".replace("/", "")
    out.mkdir()
    line = assert_one_error(
        run("solve", str(ROOT / "scenarios" / "small_5_sites.yaml"), "--out", str(out)), 2
    )
    assert "already exists" in line and "\\x1b]8;;" in line


def test_wrote_line_escaped(run_dir, tmp_path):
    """``wrote PATH`` of a successful export: the file has the name given, the line shows it as text."""
    out = tmp_path / f"capex{ESC}.json"
    proc = run("export", str(run_dir), "--capex", "json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert_no_control(proc)
    assert out.is_file() and json.loads(out.read_text())
    assert lines(proc.stdout) == [f"wrote {tmp_path}/capex\\x1b[2J\\x1b[31m.json"]


def test_run_directory_line_escaped(tmp_path):
    """``run directory: PATH`` after a solve into a folder named with escapes."""
    scenario = write(tmp_path, "tiny.yaml", json.dumps(TINY))
    out = tmp_path / f"run{BEL_CR}"
    proc = run("solve", str(scenario), "--out", str(out), "--no-map")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_no_control(proc)
    assert (out / "summary.json").is_file()
    assert any(ln.startswith("run directory: ") and "run\\x07\\x0dfake" in ln for ln in lines(proc.stdout))


def _home_with_site_name(tmp_path, name: str):
    """A copy of the shipped data tree whose first site is called ``name``."""
    home = tmp_path / "home"
    for part in ("data", "models"):
        shutil.copytree(ROOT / part, home / part)
    sites = pd.read_csv(home / "data" / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[0, "name"] = name
    sites.to_csv(home / "data" / "sites.csv", index=False, quoting=csv.QUOTE_ALL)  # CR/LF inside quotes
    return home, sites.loc[0, "site_id"]


@pytest.mark.parametrize(
    "name", ["Dallas\r=cmd|' /C calc'!A0", "Dallas\n=cmd|x", f"Dallas{ESC}"], ids=["cr", "lf", "esc"]
)
def test_catalog_name_with_control_refused(tmp_path, name):
    """A catalog site name holding CR, LF or ESC is refused when the catalogs load: exit 2 naming
    sites.csv, the row and the column, and the rule; whatever of the value the reader quotes is
    escaped (whether it quotes it at all is the data-tree readers' rule)."""
    home, _ = _home_with_site_name(tmp_path, name)
    proc = run("data", "list", "sites", "--format", "csv", PLANNER_HOME=str(home))
    assert_one_error(proc, 2, "sites.csv", "name", "control characters")
    assert proc.stdout == b""


def test_scenario_id_with_control_refused(tmp_path):
    """A demand stream whose region holds a CR: refused at load (exit 2), by field."""
    scenario = write(tmp_path, "s.yaml", json.dumps(TINY))
    proc = run(
        "validate",
        str(scenario),
        "--set",
        'demand.served=[{region: "us-east\\r=cmd|x", model: llama-3.1-8b, tokens_per_s: 1000}]',
    )
    assert_one_error(proc, 2, "demand.served[0].region", "control characters")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dallas\r=cmd|' /C calc'!A0", "Dallas\r'=cmd|' /C calc'!A0"),
        ("a\n+b\r\n@c", "a\n'+b\r\n'@c"),
        ("x\n-1.5", "x\n-1.5"),  # a line that is a number is data
        ("\r=x", "'\r'=x"),
        ("=1+1", "'=1+1"),
        ("plain\nlines", "plain\nlines"),
    ],
)
def test_inert_every_line(text, expected):
    assert inert(text) == expected


def test_csv_has_no_formula_line(tmp_path):
    """Written by pandas as planner writes every CSV: no physical line starts a formula."""
    frame = pd.DataFrame({"name": ["Dallas\r=cmd|' /C calc'!A0", "x\n@SUM(A1)", "ok"], "v": [1.0, -2.0, 3.0]})
    path = tmp_path / "t.csv"
    inert_frame(frame).to_csv(path, index=False)
    raw = path.read_bytes().decode()
    physical = [ln for part in raw.split("\r") for ln in part.split("\n")]
    assert not [ln for ln in physical if ln.startswith(("=", "+", "@"))], physical
    assert "'=cmd|" in raw and "'@SUM(A1)" in raw


def test_xlsx_cell_every_line(tmp_path):
    """capex.xlsx cells use the same guard (planner.results.workbook._cell)."""
    from planner.results.workbook import _cell

    assert _cell("Dallas\r=cmd|x") == "Dallas\r'=cmd|x"
    assert _cell("a\n@b\x1b") == "a\n'@b\\x1b"
