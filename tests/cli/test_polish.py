"""CLI polish (issue 25 item 7): --version, completion, help defaults by name, pipeline's
--mlperf-scenario, sweep's solver flags, key numbers of ``data list sites`` and number-only columns
at 80 columns."""

from __future__ import annotations

import io
import re
from importlib.metadata import version

import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner.catalogs.load import load_catalogs
from planner.cli.app import app
from planner.cli.data import _fmt

NARROW = {"COLUMNS": "80", "NO_COLOR": "1"}


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=NARROW)


def _no_line_over_80(text: str) -> None:
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, too_long


def test_version_prints_the_installed_distribution() -> None:
    result = _invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"planner {version('ai-factory-planner')}"


def test_completion_options_are_offered_and_complete_commands() -> None:
    result = _invoke("--help")
    assert "--install-completion" in result.output and "--show-completion" in result.output
    _no_line_over_80(result.output)
    words = CliRunner().invoke(
        app, [], env={"_PLANNER_COMPLETE": "complete_bash", "COMP_WORDS": "planner sw", "COMP_CWORD": "1"}
    )
    assert words.output.split() == ["sweep"]


@pytest.mark.parametrize("command", ["validate", "solve", "pareto", "sweep", "sensitivity", "alternatives"])
def test_help_names_the_default_scenario_not_a_path(command: str) -> None:
    result = _invoke(command, "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "(default: us_inference_2027)" in text
    assert "site-packages" not in text and ".yaml]" not in text and "/scenarios/" not in text
    _no_line_over_80(result.output)


def test_pipeline_mlperf_scenario_and_its_deprecated_spelling() -> None:
    base = ("pipeline", "--gpu", "H100", "--model", "llama-2-70b", "--estimate", "--json")
    new = _invoke(*base, "--mlperf-scenario", "offline")
    assert new.exit_code == 0, new.output
    assert "deprecated" not in new.output
    old = _invoke(*base, "--scenario", "offline")
    assert old.exit_code == 0
    assert "note: pipeline --scenario is deprecated" in old.stderr
    assert old.stdout == new.stdout  # the same configuration
    clash = _invoke(*base, "--scenario", "offline", "--mlperf-scenario", "server")
    assert clash.exit_code == 2 and "give one (--mlperf-scenario)" in clash.output
    shown = _invoke("pipeline", "--help").output
    assert "--mlperf-scenario" in shown and "--scenario " not in shown  # the old spelling is hidden


def test_sweep_time_limit_and_gap_reach_every_point(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import planner.studies.sweep as study

    seen = {}

    def fake_sweep(scenario, grid, **kwargs):
        seen["scenario"], seen["grid"] = scenario, grid
        raise study.InputError("stop here")

    monkeypatch.setattr(study, "sweep", fake_sweep)
    result = _invoke(
        "sweep",
        "small_5_sites",
        "--set",
        "demand.scale=1,2",
        "--time-limit",
        "17",
        "--mip-gap",
        "0.03",
        "--out",
        str(tmp_path / "s"),
    )
    assert result.exit_code == 2 and "stop here" in result.output
    assert seen["scenario"].solver.time_limit_s == 17 and seen["scenario"].solver.mip_gap == 0.03
    assert seen["grid"] == {"demand.scale": [1, 2]}
    help_text = _invoke("sweep", "--help").output
    assert "--time-limit" in help_text and "--mip-gap" in help_text


def test_data_list_sites_shows_key_numbers_at_80_columns() -> None:
    result = _invoke("data", "list", "sites")
    assert result.exit_code == 0
    _no_line_over_80(result.output)
    sites = load_catalogs().sites
    lines = result.output.splitlines()
    for site_id, row in sites.iterrows():
        line = next(ln for ln in lines if ln.split() and ln.split()[0] == site_id)
        for column in ("electricity_price_usd_per_mwh", "grid_co2_g_per_kwh", "grid_mw_available"):
            assert f" {_fmt(row[column])}" in line, (site_id, column, line)
    note = " ".join(lines[next(i for i, ln in enumerate(lines) if ln.startswith("not shown")) :])
    assert "electricity_price" not in note and "name" in note  # names give way to numbers


def _time_to_power(rows: dict, width: int = 80) -> tuple[str, dict[str, list[str]]]:
    """The table at ``width`` as text, and its cells by header."""
    from planner.cli.plan_print import time_to_power_table

    table = time_to_power_table({"start_year": 2027, "online_year": 2029, "sites_in_service": rows}, width)
    out = io.StringIO()
    Console(file=out, width=width, markup=False, emoji=False, highlight=False).print(table)
    cells = {str(c.header): [str(v) for v in c.cells] for c in table.columns}
    return out.getvalue(), cells


def test_time_to_power_number_columns_hold_numbers_only() -> None:
    row = {
        "online_year": 2029,
        "in_service_year": 2029,
        "in_service_bound": "gas turbine lead time",
        "bridge_mw": 96.2,
        "bridge_for": "grid",
        "bridge_kept_mw": 40.0,
        "backup_mw": 12.0,
        "power_redundancy": "n+1",
        "largest_contingency_mw": 55.4,
        "largest_contingency": "gas",
    }
    rows = {"abilene_tx": row, "loudoun_va": {**row, "bridge_mw": 0.0, "bridge_kept_mw": 0}}
    text, cells = _time_to_power(rows)
    _no_line_over_80(text)
    assert "96 grid" not in text and "(by " not in text
    for header, values in cells.items():  # every MW or year column: numbers (or blank) only
        if header.endswith(("MW", "service", "by")) and header != "bound by":
            assert all(re.fullmatch(r"[\d,.]*", v) for v in values), (header, values)
    assert cells["in service"] == ["2029", "2029"] and cells["bridge MW"] == ["96", "0"]
    _, wide = _time_to_power(rows, 200)
    assert wide["bridge for"] == ["grid", ""] and wide["kept MW"] == ["40", ""]
    assert wide["largest loss MW"] == ["55", "55"] and wide["largest loss"] == ["gas", "gas"]
