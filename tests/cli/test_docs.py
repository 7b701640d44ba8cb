"""The docs (docs/*.md, moved from the README) and --help say what the code does: the default demand,
--set lists, default cooling, flags without type placeholders."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from planner.catalogs.load import load_catalogs
from planner.chain.pipeline import pipeline_report
from planner.cli.app import app
from planner.paths import DEFAULT_SCENARIO, SCENARIOS_DIR
from planner.scenario.load import load_scenario
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SCENARIO_PAGE = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
COMMANDS_PAGE = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
ALL_DOCS = README + "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def test_docs_and_descriptions_state_the_default_demand():
    scenario = load_scenario(DEFAULT_SCENARIO, load_catalogs())
    mtok = sum(s.tokens_per_s for s in scenario.demand.served) * scenario.demand.scale / 1e6
    assert f"default: {mtok:.0f} M output tokens/s" in SCENARIO_PAGE
    carbon = (SCENARIOS_DIR / "us_inference_2027_carbon.yaml").read_text()
    assert f"same {mtok:.0f} M output tokens/s" in carbon
    assert not re.search(r"\b30 M output tokens", ALL_DOCS + carbon)


def test_docs_document_set_lists_and_signals():
    assert "--set technologies.gpus=[H100,B200]" in COMMANDS_PAGE
    assert "`130` stopped by Ctrl-C" in COMMANDS_PAGE and "`143` stopped by SIGTERM" in COMMANDS_PAGE


def test_help_has_no_type_placeholders_for_flags_and_names_the_real_default_cooling():
    for command in (["solve", "--help"], ["sweep", "--help"], ["pipeline", "--help"]):
        out = CliRunner().invoke(app, command, env={"COLUMNS": "200"}).output
        assert "<bool>" not in out, command
    out = CliRunner().invoke(app, ["pipeline", "--help"], env={"COLUMNS": "200"}).output
    help_text = " ".join(out.split())
    cat = load_catalogs()
    for gpu in ("H100", "B200", "GB200"):
        cooling = pipeline_report(gpu, "llama-3.1-8b", cat).to_dict()["cooling"]
        assert f"{cooling} for {gpu}" in help_text
