"""Hostile run directories: ``summary.json``, ``scenario.resolved.yaml``, ``tables/*.csv`` (with
``capex_items.csv``) and sweep manifests, read by ``map``, ``export`` and ``sweep --resume``
through :mod:`planner.results.rundir_read`.

One run directory is solved per module (small_5_sites, annual); each case damages a copy and
asserts exit code 2, one error line naming the file and field, no echo of the planted secret,
and nothing written (no map files, no export file)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from planner.errors import InputError
from planner.results.export import spend_schedule
from planner.results.rundir_read import read_summary, read_sweep_manifest, read_table
from planner.results.rundir_schema import MAX_JSON_BYTES, MAX_TABLE_BYTES, MAX_YAML_BYTES
from tests.helpers import SMALL_SCENARIO, write_run
from tests.hostile.read_helpers import (
    SECRET,
    SPECIAL_KINDS,
    assert_refused,
    copy_tree,
    plant,
    run_cli,
    snapshot,
)


@pytest.fixture(scope="module")
def built_run(tmp_path_factory) -> Path:
    """small_5_sites solved in annual mode, written as ``planner solve`` does (no map yet)."""
    import planner

    result = planner.solve(SMALL_SCENARIO, overrides={"time.mode": "annual"})
    return write_run(result, tmp_path_factory.mktemp("hostile") / "run")


@pytest.fixture
def run(built_run: Path, tmp_path: Path) -> Path:
    """A copy of the module's run directory that a test may damage."""
    return copy_tree(built_run, tmp_path / "run")


def _map(run: Path) -> tuple[str, ...]:
    return ("map", str(run), "--format", "geojson")


def _export(run: Path) -> tuple[str, ...]:
    return ("export", str(run), "--capex", "json", "--out", str(run.parent / "capex.json"))


def _refused_everywhere(run: Path, *names: str) -> None:
    """``map`` and ``export`` both refuse the damaged run directory and write nothing."""
    before = snapshot(run.parent)
    for args in (_map(run), _export(run)):
        assert_refused(args, *names)
        assert snapshot(run.parent) == before


# ------------------------------------------------------------------ summary.json
def _deep(n: int) -> str:
    return '{"status": "optimal", "objective": "cost", "x": ' + "[" * n + "]" * n + "}"


def _planted(data: dict[str, Any], literal: str) -> str:
    """The summary with ``capex_usd`` written as a bare JSON literal (``Infinity``, ``1e400``)."""
    return json.dumps(data).replace('"capex_usd": ', f'"capex_usd": {literal}, "x": ')


def _summary_with(**fields: Any) -> Callable[[dict[str, Any]], str]:
    return lambda data: json.dumps(data | fields)


SUMMARY_CASES: dict[str, tuple[Callable[[dict[str, Any]], str], str]] = {
    "deep-array-100k": (lambda d: _deep(100_000), "nested 100001 levels"),
    "deep-array-33": (lambda d: _deep(33), "nested"),
    "infinity": (lambda d: _planted(d, "Infinity"), "Infinity"),
    "nan": (lambda d: json.dumps(d | {"capex_usd": float("nan")}), "NaN"),
    "overflow-1e400": (lambda d: _planted(d, "1e400"), "finite"),
    "text-number": (_summary_with(capex_usd=SECRET), "capex_usd"),
    "text-mip-gap": (_summary_with(mip_gap=SECRET), "mip_gap"),
    "negative-gap": (_summary_with(mip_gap=-1.0), "mip_gap"),
    "status-number": (_summary_with(status=7), "status"),
    "status-control-char": (_summary_with(status="ok\x1b[2J" + SECRET), "status"),
    "gpus-not-mapping": (_summary_with(gpus=[SECRET]), "gpus"),
    "gpus-negative": (_summary_with(gpus={"B200": -5}), "gpus.<key>"),
    "year-1e30": (_summary_with(start_year=10**30), "start_year"),
    "list": (lambda d: json.dumps([d]), "JSON object"),
    "truncated": (lambda d: json.dumps(d)[:40] + SECRET, "not valid JSON"),
    "missing-status": (lambda d: json.dumps({k: v for k, v in d.items() if k != "status"}), "status"),
    "not-utf8": (lambda d: "\udcff", "UTF-8"),
}


@pytest.mark.parametrize("case", list(SUMMARY_CASES), ids=list(SUMMARY_CASES))
def test_summary_refused(run: Path, case: str) -> None:
    make, fragment = SUMMARY_CASES[case]
    data = json.loads((run / "summary.json").read_text())
    text = make(data)
    (run / "summary.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    _refused_everywhere(run, "summary.json", fragment)


@pytest.mark.parametrize("kind", ["fifo", "directory", "oversized", "missing", "dev-zero"])
def test_summary_special_files_refused_unread(run: Path, kind: str) -> None:
    path = run / "summary.json"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)  # opening it would block: it must be refused by its type
    elif kind == "directory":
        path.mkdir()
    elif kind == "oversized":
        with open(path, "wb") as f:
            f.truncate(30_000_000)  # sparse: refused by its size before reading
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    _refused_everywhere(run, "summary.json")


def test_summary_depth_checked_before_parsing() -> None:
    """A 1,000,000-deep array is refused by the text scan (no RecursionError from the parser)."""
    from planner.inputs import json_depth, parse_json

    text = "[" * 1_000_000 + "]" * 1_000_000
    assert json_depth(text) == 1_000_000
    assert json_depth('["[[[", {"a": "\\"[["}]') == 2
    with pytest.raises(InputError, match="nested 1000000 levels deep"):
        parse_json(text, "summary.json")


# ------------------------------------------------------------- scenario.resolved.yaml
def _edit_scenario(run: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = run / "scenario.resolved.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _served(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["demand"]["served"][0][key] = value

    return change


SCENARIO_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "served-text": (lambda d: d["demand"].update(served=SECRET), "demand.served"),
    "stream-without-model": (lambda d: d["demand"]["served"][0].pop("model"), "demand.served[0].model"),
    "tokens-lots": (_served("tokens_per_s", "lots " + SECRET), "demand.served[0].tokens_per_s"),
    "tokens-negative": (_served("tokens_per_s", -1), "demand.served[0].tokens_per_s"),
    "tokens-inf": (_served("tokens_per_s", float("inf")), "demand.served[0].tokens_per_s"),
    "scale-null": (lambda d: d["demand"].update(scale=None), "demand.scale"),
    "overrides-list": (lambda d: d.setdefault("sites", {}).update(overrides=[SECRET]), "sites.overrides"),
    "unknown-key": (lambda d: d.update({SECRET: 1}), "top level"),
    "name-number": (lambda d: d.update(name=[SECRET]), "name"),
    "name-markup": (lambda d: d.update(name="[bold]"), "name: only letters, digits and _ . -"),
    "name-space": (lambda d: d.update(name="two words"), "name: only letters, digits and _ . -"),
    "name-control": (lambda d: d.update(name="a\x1b[2J"), "name: only letters, digits and _ . -"),
}


@pytest.mark.parametrize("case", list(SCENARIO_CASES), ids=list(SCENARIO_CASES))
def test_resolved_scenario_refused(run: Path, case: str) -> None:
    change, field = SCENARIO_CASES[case]
    _edit_scenario(run, change)
    _refused_everywhere(run, "scenario.resolved.yaml", field)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\ndemand: &a [*a]\n", "refers to itself"),
        ("name: x\ndemand: !!python/object/apply:os.system ['echo " + SECRET + "']\n", "tag"),
        ("name: x\ndemand: " + "[" * 2000 + "]" * 2000 + "\n", "nested"),
        ("name: x\ndemand: {a: [" + SECRET + "\n", "syntax"),
        ("- " + SECRET + "\n", "resolved scenario"),
    ],
    ids=["self-alias", "python-tag", "deep", "syntax", "list"],
)
def test_resolved_scenario_yaml_refused(run: Path, text: str, fragment: str) -> None:
    (run / "scenario.resolved.yaml").write_text(text)
    _refused_everywhere(run, "scenario.resolved.yaml", fragment)


# ------------------------------------------------------------------ tables/*.csv
def _edit_table(run: Path, name: str, column: str, value: str, row: int = 0) -> int:
    """Set one cell (all text) and return its CSV line."""
    path = run / "tables" / f"{name}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # a CR inside a cell stays inside it
    return row + 2


TABLE_CASES = [
    ("sites", "gpus", "nan", "empty"),
    ("sites", "gpus", "inf", "finite"),
    ("sites", "gpus", "-inf", "finite"),
    ("sites", "gpus", "-3", "between"),
    ("sites", "gpus", "1e12", "between"),
    ("sites", "gpus", SECRET, "not a number"),
    ("sites", "lat", "999", "between -90 and 90"),
    ("sites", "lon", "nan", "empty"),
    ("sites", "open", SECRET, "true or false"),
    ("sites", "in_service_year", "inf", "finite"),
    ("sites", "in_service_year", "1e30", "between 1900 and 2200"),
    ("sites", "online_year", "2027.5", "whole number"),
    ("sites", "name", "Dallas\r=cmd|' /C calc'!A0 " + SECRET, "control character"),
    ("sites", "name", "esc\x1b[2J" + SECRET, "control character"),
    ("sites", "site_id", "", "empty"),
    ("fleet", "gpus_allocated_peak", "1e400", "finite"),
    ("flows", "rtt_ms", SECRET, "number"),
    ("flows", "site_lat", "-91", "between -90 and 90"),
    ("energy_capacity", "capacity_factor", "2", "between 0 and 1"),
]


@pytest.mark.parametrize(("table", "column", "value", "fragment"), TABLE_CASES)
def test_table_cell_refused_by_map(run: Path, table: str, column: str, value: str, fragment: str) -> None:
    line = _edit_table(run, table, column, value)
    before = snapshot(run.parent)
    assert_refused(_map(run), f"{table}.csv", f"line {line}", column, fragment)
    assert snapshot(run.parent) == before


def test_duplicate_site_row_refused(run: Path) -> None:
    path = run / "tables" / "sites.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    assert_refused(_map(run), "sites.csv", f"line {len(lines) + 1}", "site_id", "unique")


def test_missing_column_refused(run: Path) -> None:
    path = run / "tables" / "sites.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["gpus"])
    df.to_csv(path, index=False)
    assert_refused(_map(run), "sites.csv", "gpus")


def test_200k_row_sites_refused_without_work(run: Path) -> None:
    """A 200,000-row sites.csv is refused by the row cap (20,000) while reading, not mapped for minutes."""
    path = run / "tables" / "sites.csv"
    head, first = path.read_text().splitlines()[:2]
    rest = first.split(",", 1)[1]
    path.write_text(head + "\n" + "".join(f"s{i},{rest}\n" for i in range(200_000)))
    assert_refused(_map(run), "sites.csv", "20,000 rows")  # the cap is met while reading, before any map work


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_table_special_files_refused(run: Path, kind: str) -> None:
    path = run / "tables" / "flows.csv"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    assert_refused(_map(run), "flows.csv")


def test_table_binary_refused(run: Path) -> None:
    (run / "tables" / "sites.csv").write_bytes(b"\xff\xfe" + SECRET.encode() + b"\x00\x00,\n")
    assert_refused(_map(run), "sites.csv")


# ------------------------------------------------------------ capex_items.csv (export)
CAPEX_CASES = [
    ("lead_time_years", "1e9", "between 0 and 30"),
    ("lead_time_years", "-1", "between 0 and 30"),
    ("life_years", "1e-7", "between 0.5 and 100"),
    ("life_years", "inf", "finite"),
    ("base_year", "1e30", "between 1900 and 2200"),
    ("base_year", "2027.5", "whole number"),
    ("start_offset_years", "1e9", "between 0 and 100"),
    ("capex_usd", "nan", "empty"),
    ("capex_usd", SECRET, "number"),
    ("wacc", "7", "between 0 and 0.5"),
    ("item", "line\nbreak " + SECRET, "control character"),
]


@pytest.mark.parametrize(("column", "value", "fragment"), CAPEX_CASES)
def test_capex_item_refused_by_export(run: Path, column: str, value: str, fragment: str) -> None:
    line = _edit_table(run, "capex_items", column, value)
    before = snapshot(run.parent)
    assert_refused(_export(run), "capex_items.csv", column, fragment, f"line {line}")
    assert snapshot(run.parent) == before


@pytest.mark.parametrize("lead", [0.0, 0.5, 30.0])
@pytest.mark.parametrize("life", [0.5, 1.0, 100.0])
def test_spend_schedule_rows_bounded_by_validated_ranges(lead: float, life: float) -> None:
    """At the edges of the validated ranges (lead <= 30 y, life >= 0.5 y, horizon <= 100 y), one line
    item yields at most ceil(lead) + 1 construction rows and horizon / life replacements."""
    items = pd.DataFrame(
        [
            {
                "scenario": "s",
                "site_id": "a",
                "category": "c",
                "item_id": "i",
                "item": "i",
                "dollar_year": 2023,
                "base_year": 2027,
                "start_offset_years": 0.0,
                "lead_time_years": lead,
                "life_years": life,
                "capex_usd": 1.0,
            }
        ]
    )
    schedule = spend_schedule(items, 100)
    construction = schedule[schedule["spend_type"] == "construction"]
    replacement = schedule[schedule["spend_type"] == "replacement"]
    assert len(construction) <= int(lead) + 1
    assert construction["capex_usd"].sum() == pytest.approx(1.0)
    assert len(replacement) <= 100 / life + 1


@pytest.mark.parametrize("first", ["=", "+", "@", "-", "\t"])
def test_formula_like_item_names_exported(run: Path, first: str) -> None:
    """Item names starting with a formula character are read (not refused on another column) and
    exported as inert text (a leading quote in the CSV)."""
    _edit_table(run, "capex_items", "item", first + "1+2 item")
    code, out = run_cli("export", str(run), "--capex", "csv", "--out", str(run.parent / "capex.csv"))
    assert code == 0, out
    with open(run.parent / "capex_line_items.csv", newline="") as f:
        items = [row["item"] for row in csv.DictReader(f)]
    assert any("1+2 item" in item for item in items)
    assert not any(item.startswith(("=", "+", "@", "-", "\t")) for item in items)


# ------------------------------------------------------------------- sweep manifests
MANIFEST_CASES: dict[str, tuple[Any, str]] = {
    "point-text": ({"key": "k", "points": {"0": SECRET}}, "points.<key>"),
    "solves-text": (
        {"key": "k", "points": {"0": {"status": "optimal", "solves": SECRET}}},
        "points.<key>.solves",
    ),
    "solves-negative": ({"key": "k", "points": {"0": {"status": "optimal", "solves": -1}}}, "solves"),
    "points-list": ({"key": "k", "points": [SECRET]}, "points"),
    "point-index-text": ({"key": "k", "points": {SECRET: {"status": "optimal"}}}, "points"),
    "list": ([SECRET], "JSON object"),
    "infinity": ('{"key": "k", "points": {}, "x": Infinity}', "Infinity"),
    "deep": ('{"points": {}, "x": ' + "[" * 10_000 + "]" * 10_000 + "}", "nested"),
}


@pytest.mark.parametrize("case", list(MANIFEST_CASES), ids=list(MANIFEST_CASES))
def test_sweep_manifest_refused(tmp_path: Path, case: str) -> None:
    data, fragment = MANIFEST_CASES[case]
    path = tmp_path / "manifest.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(InputError) as err:
        read_sweep_manifest(path)
    message = str(err.value)
    assert "manifest.json" in message and fragment in message and SECRET not in message
    assert "\n" not in message


def test_sweep_manifest_truncated_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"key": "k", "points": {"0": {"sta')
    assert read_sweep_manifest(path) is None


@pytest.mark.parametrize("case", ["point-text", "solves-text", "directory"])
def test_sweep_resume_refuses_damaged_manifest(tmp_path: Path, case: str) -> None:
    """``sweep --resume`` on a damaged manifest exits 2 naming it (a directory is not "pass --resume")."""
    out = tmp_path / "sweep"
    out.mkdir()
    path = out / "manifest.json"
    if case == "directory":
        path.mkdir()
    else:
        path.write_text(json.dumps(MANIFEST_CASES[case][0]))
    before = snapshot(out)
    args = ("sweep", str(SMALL_SCENARIO), "--set", "demand.scale=1", "--out", str(out), "--resume")
    line = assert_refused(args, "manifest.json")
    assert "pass --resume" not in line
    assert snapshot(out) == before


@pytest.mark.parametrize("content", ['{"status": "ok", "objective": "cost", "x": Infinity}', _deep(5000)])
def test_point_summary_damaged_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "summary.json"
    path.write_text(content)
    with pytest.raises(InputError, match="summary.json"):
        read_summary(path)


def test_capex_and_opex_tables_typed(built_run: Path) -> None:
    """The undamaged tables read back with years as whole numbers in range and unique keys."""
    items = read_table(built_run, "capex_items")
    assert items["base_year"].between(1900, 2200).all()
    assert not items.duplicated(["site_id", "category", "item_id"]).any()
    assert read_table(built_run, "opex")["opex_usd_per_yr"].notna().all()


def test_site_loss_shares_above_one_are_spare_capacity(run: Path) -> None:
    """A surviving site may carry several times a model's peak (README, tables/site_loss.csv): a
    share above 1 reads back; a negative one is refused."""
    path = run / "tables" / "site_loss.csv"
    table = pd.read_csv(path)
    assert len(table)
    table["share_alone"], table["share_together"] = 13.3, 2.5
    table.to_csv(path, index=False)
    back = read_table(run, "site_loss")
    assert (back["share_alone"] == 13.3).all() and (back["share_together"] == 2.5).all()
    table["share_alone"] = -0.5
    table.to_csv(path, index=False)
    with pytest.raises(InputError, match="site_loss.csv.*share_alone"):
        read_table(run, "site_loss")


# ------------------------------------------------------------------ unknown site ids
def _rename_site(run: Path, tables: tuple[str, ...], new: str = "zz_" + SECRET) -> str:
    """Rename the open site in ``tables`` (the whole run when they are all): its old id."""
    sites = pd.read_csv(run / "tables" / "sites.csv", dtype=str, keep_default_na=False)
    old = sites.loc[sites["open"] == "True", "site_id"].iloc[0]
    for name in tables:
        path = run / "tables" / f"{name}.csv"
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df["site_id"] = df["site_id"].replace(old, new)
        df.to_csv(path, index=False)
    return old


def test_map_refuses_site_ids_not_in_the_catalog(run: Path) -> None:
    """A run whose sites are not in the data home's catalog (nor the scenario's sites.add) is refused
    by ``map`` (it needs the catalog's climate, prices): exit 2 naming the line, the catalog file
    and PLANNER_HOME, not the id; nothing written."""
    tables = ("sites", "fleet", "energy_capacity", "flows", "dispatch", "pipeline", "costs")
    _rename_site(run, tables)
    before = snapshot(run.parent)
    line = assert_refused(
        _map(run), "sites.csv, line", "site_id", "data/sites.csv", "sites.add", "PLANNER_HOME"
    )
    assert "zz_" not in line
    assert snapshot(run.parent) == before


@pytest.mark.parametrize("table", ["fleet", "energy_capacity"])
def test_map_refuses_site_ids_not_in_the_runs_sites(run: Path, table: str) -> None:
    _rename_site(run, (table,))
    assert_refused(_map(run), f"{table}.csv, line", "site_id", "not in sites.csv")


@pytest.mark.parametrize("table", ["capex_items", "opex"])
def test_export_refuses_site_ids_not_in_the_runs_sites(run: Path, table: str) -> None:
    """``export`` reads no catalog: its reference is the run's own sites.csv."""
    _rename_site(run, (table,))
    before = snapshot(run.parent)
    assert_refused(_export(run), f"{table}.csv, line 2", "site_id", "not in sites.csv")
    assert snapshot(run.parent) == before


def test_export_of_a_renamed_site_reads_no_catalog(run: Path) -> None:
    """Ids renamed consistently through the whole run (a site of another data home) export fine."""
    _rename_site(run, ("sites", "capex_items", "opex"), new="elsewhere_tx")
    code, out = run_cli(*_export(run))
    assert code == 0, out
    assert "elsewhere_tx" in (run.parent / "capex.json").read_text()


# ------------------------------------------------ every run-directory file, every kind of damage
RUN_FILES = {
    "summary.json": (_map, MAX_JSON_BYTES),
    "scenario.resolved.yaml": (_map, MAX_YAML_BYTES),
    "tables/sites.csv": (_map, MAX_TABLE_BYTES),
    "tables/fleet.csv": (_map, MAX_TABLE_BYTES),
    "tables/energy_capacity.csv": (_map, MAX_TABLE_BYTES),
    "tables/flows.csv": (_map, MAX_TABLE_BYTES),
    "tables/capex_items.csv": (_export, MAX_TABLE_BYTES),
    "tables/opex.csv": (_export, MAX_TABLE_BYTES),
}
COVERED = {("summary.json", k) for k in ("fifo", "directory", "oversized", "missing", "dev-zero")} | {
    ("tables/flows.csv", k) for k in ("fifo", "dev-zero", "directory")
}
"""Pairs with their own test above."""


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n in RUN_FILES for k in SPECIAL_KINDS if (n, k) not in COVERED],
)
def test_run_file_replaced_refused(run: Path, name: str, kind: str) -> None:
    """Each file ``map`` or ``export`` reads, replaced by an empty file, binary garbage, a directory,
    /dev/zero, a FIFO, a sparse file over its cap or nothing: exit 2, one line naming the file,
    nothing written."""
    command, cap = RUN_FILES[name]
    plant(run / name, kind, cap + 1)
    before = snapshot(run.parent)
    assert_refused(command(run), Path(name).name)
    assert snapshot(run.parent) == before
