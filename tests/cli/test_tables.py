"""Tables people can read: no id or number is ever cut, at 80 columns or piped; data list formats."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from planner.catalogs.load import load_catalogs
from planner.cli.app import app
from planner.cli.console import Col, fitted_table
from planner.cli.data import CATALOG_VIEWS, _fmt
from tests.helpers import ROOT

TEXT = st.text(alphabet="abc xyz[]/:=<>&'\"", max_size=60)
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.,[]/", min_size=1, max_size=24)


def _render(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, markup=False, emoji=False, highlight=False).print(table)
    return out.getvalue()


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    width=st.integers(min_value=40, max_value=160),
    kinds=st.lists(st.sampled_from(["id", "num", "text"]), min_size=1, max_size=9),
    data=st.data(),
)
def test_ids_and_numbers_are_never_cut(width, kinds, data):
    cols = [Col(f"column_{i}", kind, 0 if i == 0 else i) for i, kind in enumerate(kinds)]
    rows = [
        [data.draw(WORD if c.kind != "text" else TEXT) for c in cols]
        for _ in range(data.draw(st.integers(min_value=1, max_value=5)))
    ]
    table = fitted_table("t", cols, rows, width=width)
    text = _render(table, width)
    caption = str(table.caption or "")
    left_out = set(caption.split("columns: ", 1)[1].split(" (use")[0].split(", ")) if caption else set()
    kept = [i for i, c in enumerate(cols) if c.header not in left_out]
    assert 0 in kept  # the id column is always shown
    lines = text.splitlines()
    if max(len(r[0]) for r in rows) <= width:
        assert all(len(line) <= width for line in lines), text
    for row in rows:
        for i in kept:
            if cols[i].kind != "text":
                assert any(row[i] in line for line in lines), (row[i], text)


def _data_list(kind: str, *args: str, columns: str = "80") -> str:
    env = {**os.environ, "COLUMNS": columns}
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "data", "list", kind, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_gpus_at_80_columns_piped_show_every_id_and_number_whole():
    out = _data_list("gpus")
    gpus = load_catalogs().gpus
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    note = " ".join(lines[lines.index(next(ln for ln in lines if ln.startswith("not shown"))) :])
    kept = [c for c in CATALOG_VIEWS["gpus"] if c not in note]
    assert "price_usd_per_gpu" in kept and len(kept) >= 6
    for gpu_id, row in gpus.iterrows():
        line = next(ln for ln in lines if ln.split() and ln.split()[0] == gpu_id)
        assert line.split()[1:] == [_fmt(row[c]) for c in kept], line


def test_sites_and_models_ids_whole_at_any_width():
    cat = load_catalogs()
    for kind, frame in (("sites", cat.sites), ("models", cat.models)):
        for columns in ("80", "160"):
            firsts = {ln.split()[0] for ln in _data_list(kind, columns=columns).splitlines() if ln.split()}
            assert set(map(str, frame.index)) <= firsts, (kind, columns)


def test_data_list_csv_and_json():
    cat = load_catalogs()
    res = CliRunner().invoke(app, ["data", "list", "gpus", "--format", "csv"])
    assert res.exit_code == 0
    frame = pd.read_csv(io.StringIO(res.output))
    assert list(frame["gpu_id"]) == list(cat.gpus.index)
    assert frame["price_usd_per_gpu"].tolist() == cat.gpus["price_usd_per_gpu"].tolist()
    res = CliRunner().invoke(app, ["data", "list", "sites", "--format", "json"])
    records = json.loads(res.output)
    assert [r["site_id"] for r in records] == list(cat.sites.index)
    res = CliRunner().invoke(app, ["data", "list", "sites", "--format", "xml"])
    assert res.exit_code == 2 and "table, csv, json" in res.output


def test_solve_summary_at_80_columns(small):
    import planner.cli.plan_print as solve_module
    from planner.cli.plan_print import print_summary

    result, _ = small
    out = io.StringIO()
    narrow = Console(file=out, width=80, markup=False, emoji=False, highlight=False)
    original = solve_module.console
    solve_module.console = narrow
    try:
        print_summary(result.summary, result.tables)
    finally:
        solve_module.console = original
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    chosen = result.tables["sites"][result.tables["sites"]["open"]]
    for r in chosen.itertuples():
        assert r.site_id in text and f"{r.gpus:,.0f}" in text and f"{r.tokens_per_s / 1e6:,.2f}" in text
    served = f"{result.summary['served_tokens_per_s'] / 1e6:,.2f}"
    assert re.search(rf"demand served\s+{re.escape(served)}\s+M tokens/s", text)  # number, then its unit
    for r in result.tables["models"].itertuples():  # the per-model table, ids and $/Mtok whole
        assert f"{r.model_id} " in text and f"{r.cost_usd_per_mtok:,.3f}" in text
    assert "Losing one campus" in text
    for r in result.tables["site_loss"].itertuples():
        assert f"{r.share_together:.0%}" in text and r.lost_site_id in text


def test_a_narrow_tables_title_stays_on_one_line():
    table = fitted_table(
        "Energy mix (share of supply)",
        [Col("technology", "id", 0), Col("share", "num", 0)],
        [["wind", "54.2%"]],
    )
    lines = _render(table, 80).splitlines()
    assert lines[0].rstrip() == "Energy mix (share of supply)"
    assert "54.2%" in lines[-1]
