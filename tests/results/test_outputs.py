"""Output files that add up and cannot be turned against their reader: fleet counted once,
full-precision CSVs without -0 or noise, a real battery state of charge, no formula cells."""

from __future__ import annotations

import csv
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import planner
from planner.results.cells import inert, inert_frame
from planner.results.export import export_capex
from planner.results.rundir import INTEGER_COLUMNS, clean_numbers
from tests.helpers import ROOT, TINY, read_summary, with_changes, write_run

FORMULAS = ['=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def test_inert_prefixes_formulas_and_keeps_numbers():
    for text in FORMULAS:
        assert inert(text) == "'" + text
    assert inert("\r=1") == "'\r'=1"  # a leading CR, and the formula on the line after it
    for keep in ("abilene_tx", "-0.5", "+1e3", " =x", "a=b", 3.5, -2, None):
        assert inert(keep) == keep
    frame = inert_frame(pd.DataFrame({"name": ["=1+1", "ok"], "value": [-1.0, 2.0]}))
    assert frame["name"].tolist() == ["'=1+1", "ok"] and frame["value"].tolist() == [-1.0, 2.0]


def test_clean_numbers_drops_negative_zero_and_noise():
    frame = pd.DataFrame({"mw": [100.0, -4.45e-06, -0.0, 3.0], "usd": [-0.0, 1e-9, 5.0, 2.0]})
    noisy = clean_numbers(frame, noise=True)
    assert noisy["mw"].tolist() == [100.0, 0.0, 0.0, 3.0] and not np.signbit(noisy["mw"]).any()
    exact = clean_numbers(frame, noise=False)
    assert exact["usd"].tolist() == [0.0, 1e-9, 5.0, 2.0] and not np.signbit(exact["usd"]).any()


def test_tables_add_up_to_the_summary(small):
    result, run = small
    summary = read_summary(run)
    tables = run / "tables"
    fleet = pd.read_csv(tables / "fleet.csv")
    assert fleet.groupby("gpu_id")["gpus_installed"].sum().round().astype(int).to_dict() == summary["gpus"]
    costs = pd.read_csv(tables / "costs.csv")
    assert costs["annualized_cost_usd"].sum() == pytest.approx(summary["annualized_cost_usd"], rel=1e-12)
    pipeline = pd.read_csv(tables / "pipeline.csv")
    items = pipeline[["it_gpu_w", "it_host_cpu_memory_w", "it_host_other_w", "it_network_w", "it_spare_w"]]
    assert items.sum(axis=1).to_numpy() == pytest.approx(pipeline["it_w"].to_numpy(), rel=1e-9)
    assert pipeline["it_w"].sum() == pytest.approx(summary["it_avg_mw"] * 1e6, rel=1e-9)
    assert (items.to_numpy() > 0).all()
    for path in tables.glob("*.csv"):
        text = path.read_text()
        cells = [c for row in csv.reader(text.splitlines()) for c in row]
        assert "-0" not in cells and "-0.0" not in cells, path.name
    dispatch = pd.read_csv(tables / "dispatch.csv")
    for col in [c for c in dispatch.columns if c.endswith("_mw")]:
        values = dispatch[col].to_numpy(dtype=float)
        tiny = (values != 0) & (np.abs(values) < 1e-7 * max(np.abs(values).max(), 1e-300))
        assert not tiny.any(), col


INTEGER_NAME = re.compile(
    r"(^|_)(year|gpus|blocks|modules|slice|day|hour)$|^gpus_installed$|_replica_gpus$|^replica_gpus$"
)
"""Column names that hold counts, modules or years, in any CSV of a run directory."""
FRACTIONAL = {("models", "gpus"), ("regions", "gpus"), ("pipeline", "spare_gpus")}
"""Allocations: GPUs split between models or regions, spares beyond the peak allocation (fractional)."""


def test_run_directory_csv_integers(small, tmp_path):
    """Every count, module and year column of every CSV the run directory holds (tables and the capex
    export) is written as integers (``127512``, never ``127512.0``), empty where a row has none; the
    declared columns read back as integers."""
    _, run = small
    export_capex(run, "csv", tmp_path / "capex")
    files = [*sorted((run / "tables").glob("*.csv")), *sorted(tmp_path.glob("capex_*.csv"))]
    checked = set()
    for path in files:
        table = path.stem.removeprefix("capex_") if path.parent == tmp_path else path.stem
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        declared = set(INTEGER_COLUMNS.get(table, ()))
        for col in raw.columns:
            if (table, col) in FRACTIONAL or not (col in declared or INTEGER_NAME.search(col)):
                continue
            values = raw[col][raw[col] != ""]
            bad = values[~values.str.fullmatch(r"-?\d+")]
            assert bad.empty, f"{path.name} column {col}: {bad.iloc[0]!r} is not an integer"
            checked.add((table, col))
    assert {("sites", "gpus"), ("fleet", "gpus_installed"), ("sites", "in_service_year")} <= checked
    assert {("spend_schedule", "year"), ("line_items", "dollar_year")} <= checked
    fleet = pd.read_csv(run / "tables" / "fleet.csv")
    assert fleet["gpus_installed"].dropna().apply(float.is_integer).all()
    sites = pd.read_csv(run / "tables" / "sites.csv")
    assert pd.api.types.is_integer_dtype(sites["gpus"])


def test_linked_storage_soc_is_a_state_of_charge(tmp_path):
    scenario = with_changes(
        TINY,
        {
            "technologies.energy": ["pv", "battery", "ngcc"],
            "time": {"mode": "representative_days", "days": 3, "link_storage": True},
            "policy.clean_energy_share": 0.6,
            "solver.mip_gap": 0.02,
        },
    )
    result = planner.solve(scenario)
    run = write_run(result, tmp_path / "linked")
    dispatch = pd.read_csv(run / "tables" / "dispatch.csv")
    energy = pd.read_csv(run / "tables" / "energy_capacity.csv")
    stored = energy[energy["tech_id"] == "battery"].set_index("site_id")["energy_mwh"]
    assert stored.max() > 0  # a battery was built, so its state of charge is tested
    for site, group in dispatch.groupby("site_id"):
        cap = float(stored.get(site, 0.0))
        assert group["soc_mwh"].min() >= -1e-6 * max(cap, 1)
        assert group["soc_mwh"].max() <= cap * (1 + 1e-6) + 1e-9


def _formula_cells(path) -> dict[tuple[str, str], str]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


def test_no_formula_cell_in_capex_exports(small, tmp_path):
    """Formula-like text in the run becomes inert text; the workbook's only formulas are its own (the
    same cells and formulas as the export of the untouched run)."""
    from openpyxl import load_workbook

    _, src = small
    run = tmp_path / "run"
    shutil.copytree(src, run)
    items = pd.read_csv(run / "tables" / "capex_items.csv")
    items["item"] = [FORMULAS[i % 5] for i in range(len(items))]  # (tab and CR: see test_inert_...)
    items.to_csv(run / "tables" / "capex_items.csv", index=False)
    (xlsx,) = export_capex(run, "xlsx", tmp_path / "out.xlsx")
    (reference,) = export_capex(src, "xlsx", tmp_path / "reference.xlsx")
    own = _formula_cells(reference)
    assert own and _formula_cells(xlsx) == own
    book = load_workbook(xlsx)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "f":
                    texts.append(cell.value)
    assert not [t for t in texts if t and t[0] in "=+-@\t\r" and not _number(t)]
    assert "'" + FORMULAS[0] in texts
    for path in export_capex(run, "csv", tmp_path / "csv" / "capex"):
        for row in csv.reader(path.read_text().splitlines()):
            assert not [c for c in row if c and c[0] in "=+-@\t\r" and not _number(c)], path.name


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_capex_sheets_count_each_dollar_once_and_give_units(small):
    from planner.results.export import capex_sheets

    _, run = small
    sheets = capex_sheets(run, 15, None)
    summary = read_summary(run)
    both = sheets["line_items"]["annualized_cost_usd_per_yr"].sum() + sheets["opex"]["opex_usd_per_yr"].sum()
    assert both == pytest.approx(summary["annualized_cost_usd"], rel=1e-9)
    units = sheets["summary"].set_index("metric")["unit"]
    assert units["capex_usd"] == "USD" and units["annualized_cost_usd"] == "USD/yr"
    assert units["cost_usd_per_mtok"] == "USD/Mtok" and units["objective_value"] == "MUSD/yr"
    assert (
        units["gpus_total_by_basis.conservative"] == "GPUs" and units["conservative_quantile"] == "fraction"
    )


def test_pipeline_flop_per_s_is_tokens_served_times_flop_per_token(catalogs, tmp_path):
    """Issue 23 defect: ``flop_per_s`` was allocated capacity / peak-to-average x FLOP/token (the old
    busy-power rule), which differs from what is served where a site's streams peak at different
    hours (one site serving the east and the south, on representative days). By hand: per site,
    sum over the flows of tokens/s served x the model's FLOP/token (one value per model)."""
    data = with_changes(
        TINY,
        {
            "demand.served": [
                {"region": "us-south", "model": "llama-3.1-8b", "tokens_per_s": 2.0e5},
                {"region": "us-east", "model": "llama-3.1-8b", "tokens_per_s": 3.0e5},
            ],
            "sites.include": ["new_albany_oh"],
            "technologies.energy": ["grid"],
            "time": {"mode": "representative_days", "days": 2},
        },
    )
    result = planner.solve(data, catalogs=catalogs)
    run = write_run(result, tmp_path / "run")
    per_model = result.inputs.throughput.groupby("model_id")["flop_per_token"]
    assert (per_model.nunique() == 1).all()
    flows = pd.read_csv(run / "tables" / "flows.csv")
    expected = (
        (flows["tokens_per_s"] * flows["model_id"].map(per_model.first())).groupby(flows["site_id"]).sum()
    )
    pipeline = pd.read_csv(run / "tables" / "pipeline.csv").set_index("site_id")["flop_per_s"]
    assert pipeline.to_dict() == pytest.approx(expected[pipeline.index].to_dict(), rel=1e-6)


def _documented(name: str, page: str, ids: dict[str, list[str]]) -> bool:
    """``name`` appears in the page as a whole word, or in its template form: a catalog id replaced by
    its placeholder (``pv_mw`` as ``<tech>_mw``, ``gpus_B200`` as ``gpus_<type>``)."""
    forms = [name]
    forms += [name.replace(i, mark) for mark, all_ids in ids.items() for i in all_ids if i in name]
    return any(re.search(rf"(?<![\w<]){re.escape(form)}(?![\w>])", page) for form in forms)


def test_docs_name_every_run_directory_column_and_summary_key(small, catalogs):
    """docs/outputs.md (moved from the README's Run directory table) names every column of every
    tables/*.csv and every summary.json key of a solved run: a new column needs its line there."""
    _, run = small
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    ids = {"<tech>": list(catalogs.energy.index), "<type>": list(catalogs.gpus.index)}
    missing = [
        f"{path.name}: {column}"
        for path in sorted((run / "tables").glob("*.csv"))
        for column in pd.read_csv(path, nrows=0).columns
        if not _documented(column, page, ids)
    ]
    missing += [f"summary.json: {key}" for key in read_summary(run) if not _documented(key, page, ids)]
    assert not missing, missing
    assert not _documented("no_such_column_xyz", page, ids)
