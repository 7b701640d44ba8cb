"""Every printed plan table at 80 columns with the catalog's longest ids and numbers a thousand
times the small plan's: no line over 80 characters, no id or number cut (issue 25 item 7).

The small plan's real tables are stretched: its open site renamed to the longest site id in
``data/sites.csv``, its GPU type to the longest GPU id, its models to the longest model ids,
and every count, MW and tokens/s multiplied by 1000 (a 1 GW plan of a million GPUs)."""

from __future__ import annotations

import copy
import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

import planner.cli.plan_print as plan_print
from planner.catalogs.load import load_catalogs
from planner.cli.app import app
from planner.cli.plan_print import print_summary, sites_table, time_to_power_table

SCALE = 1000.0
SCALED_SITE_COLUMNS = ("it_mw", "facility_peak_mw", "gpus", "tokens_per_s")


def _longest(ids) -> str:
    return max(map(str, ids), key=len)


@pytest.fixture(scope="module")
def stretched(small):
    """(summary, tables) of the small plan with the longest catalog ids and 1000x the numbers."""
    result, _ = small
    cat = load_catalogs()
    site, gpu = _longest(cat.sites.index), _longest(cat.gpus.index)
    models = sorted(map(str, cat.models.index), key=len)[-2:]
    summary, tables = copy.deepcopy(result.summary), {k: v.copy() for k, v in result.tables.items()}
    old = summary["sites"][0]
    sites = tables["sites"]
    sites.loc[sites["site_id"] == old, "site_id"] = site
    for col in SCALED_SITE_COLUMNS:
        sites[col] = sites[col] * SCALE
    summary["sites_in_service"] = {site: summary["sites_in_service"][old]}
    summary["gpus"] = {gpu: int(sum(summary["gpus"].values()) * SCALE)}
    summary["gpus_by_basis"] = {
        b: {gpu: int(sum(v.values()) * SCALE)} for b, v in summary["gpus_by_basis"].items()
    }
    summary["gpu_status"] = {gpu: "shipping"}
    model_ids = dict(zip(tables["models"]["model_id"], models))
    for name in ("models", "site_loss"):
        tables[name]["model_id"] = tables[name]["model_id"].map(model_ids)
    tables["models"][["tokens_per_s", "gpus", "it_mw"]] *= SCALE
    tables["site_loss"]["lost_site_id"] = site
    tables["site_loss"]["peak_tokens_per_s"] *= SCALE
    return summary, tables, site, gpu, models


def _printed(summary: dict, tables: dict, width: int = 80) -> str:
    out = io.StringIO()
    original = plan_print.console
    plan_print.console = Console(file=out, width=width, markup=False, emoji=False, highlight=False)
    try:
        print_summary(summary, tables)
    finally:
        plan_print.console = original
    return out.getvalue()


def _whole(text: str, *cells: str) -> None:
    """Every cell appears whole, bounded by spaces or the line's ends (never cut, never wrapped)."""
    words = {w for line in text.splitlines() for w in line.split()}
    for cell in cells:
        assert all(part in words for part in cell.split()), (cell, text)
    assert "…" not in text


def test_the_stretched_plan_fits_80_columns_with_every_id_and_number_whole(stretched) -> None:
    summary, tables, site, gpu, models = stretched
    text = _printed(summary, tables)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    row = tables["sites"].set_index("site_id").loc[site]
    _whole(
        text, site, gpu, *models, f"{row.gpus:,.0f}", f"{row.it_mw:,.1f}", f"{row.tokens_per_s / 1e6:,.2f}"
    )
    _whole(text, f"{summary['gpus'][gpu]:,}", *(f"{v[gpu]:,}" for v in summary["gpus_by_basis"].values()))
    for r in tables["models"].itertuples():
        _whole(text, r.model_id, f"{r.tokens_per_s / 1e6:,.2f}", f"{r.gpus:,.0f}")
    for r in tables["site_loss"].itertuples():
        _whole(text, f"{r.peak_tokens_per_s / 1e6:,.2f}")
    ready = summary["sites_in_service"][site]
    _whole(text, str(ready["in_service_year"]), f"{ready['largest_contingency_mw']:,.0f}")


@pytest.mark.parametrize("width", [40, 60, 80])
def test_sites_and_time_to_power_keep_the_site_id_at_any_width(stretched, width) -> None:
    """Narrower than the table: columns are left out and named, the id and the kept numbers stay whole."""
    summary, tables, site, _, _ = stretched
    for table in (sites_table(tables["sites"], width=width), time_to_power_table(summary, width)):
        out = io.StringIO()
        Console(file=out, width=width, markup=False, emoji=False, highlight=False).print(table)
        text = out.getvalue()
        _whole(text, site)
        assert all(len(line) <= width for line in text.splitlines()), text


@pytest.mark.parametrize("kind", ["gpus", "sites", "cooling", "energy", "models", "regions"])
def test_data_list_at_80_columns_keeps_every_id_whole(kind) -> None:
    cat = load_catalogs()
    frame = {"gpus": cat.gpus, "sites": cat.sites, "cooling": cat.cooling, "energy": cat.energy}.get(kind)
    if frame is None:
        frame = cat.models if kind == "models" else cat.regions
    res = CliRunner().invoke(app, ["data", "list", kind], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80, res.output
    firsts = {line.split()[0] for line in lines if line.split()}
    assert set(map(str, frame.index)) <= firsts
    assert "…" not in res.output


def test_data_init_prints_lines_of_80_columns_but_the_export_line(tmp_path) -> None:
    res = CliRunner().invoke(app, ["data", "init", str(tmp_path / "home")], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    export = f"  export PLANNER_HOME={tmp_path / 'home'}"
    assert export in res.output.splitlines()  # whole on one line, to copy into a shell
    assert all(len(line) <= 80 for line in res.output.splitlines() if line != export and "into" not in line)


@pytest.mark.parametrize("terminal", [False, True])
def test_a_long_progress_description_wraps_whole_at_80_columns(terminal) -> None:
    """A sensitivity step on a long --vary path: the value and the status stay whole (rich cut it
    to '= 55.…' before), the bar and counts stay on the line."""
    from planner.cli.console import LiteralConsole, study_progress

    out = io.StringIO()
    to = LiteralConsole(file=out, width=80, markup=False, highlight=False, force_terminal=terminal)
    path = "sites.overrides.new_albany_oh.electricity_price_usd_per_mwh"
    with study_progress(to=to) as progress:
        task = progress.add_task(f"sensitivity: {path} = 55.3125: optimal", total=10)
        progress.update(task, completed=3)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out.getvalue()).replace("\r", "\n")
    assert "…" not in text and "55.3125: optimal" in text and "3/10" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert path in "".join(line.strip() for line in text.splitlines()[-4:])  # folded, not cut
