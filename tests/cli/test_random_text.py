"""Random hostile text (markup, emoji codes, HTML, script, formulas, control characters) in scenario
names, descriptions, file names and catalog names: the documented exit code, no traceback, the
text shown literally, nothing executed in map.html (headless Chromium), no formula cell in xlsx
but the planner's own."""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.catalogs import load as catalog_load
from planner.catalogs.schemas import CONTROL_CHARS
from planner.cli.app import app
from planner.cli.console import visible
from planner.results.cells import inert
from tests.helpers import SMALL_SCENARIO

UNCACHED_LOAD = catalog_load.load_catalogs.__wrapped__
MARK = "document.documentElement.setAttribute('data-'+'pwned','yes')"
TOKENS = [
    "[bold]",
    "[/]",
    "[/x]",
    "[link=x]",
    ":x:",
    ":smile:",
    "<b>",
    f'<img src=x onerror="{MARK}">',
    f"</title><script>{MARK}</script>",
    f"`+{MARK}+`",
    "${" + MARK + "}",
    '=HYPERLINK("http://e","x")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t",
    "\x1b[31m",
    "\x07",
    "&amp;",
    "'",
    '"',
    "\\",
    "é",
    "名",
    " ",
    "a",
    "0",
]
HOSTILE = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join)
SETTINGS = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res.exit_code, res.output


@SETTINGS
@given(text=HOSTILE)
def test_scenario_name_and_description(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        body = {"extends": str(SMALL_SCENARIO), "name": "ok", "description": text}
        path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
        code, out = _invoke("validate", str(path))
        assert code == 0, out
        path.write_text(yaml.safe_dump({**body, "name": text}, allow_unicode=True), encoding="utf-8")
        code, out = _invoke("validate", str(path))
        if re.fullmatch(r"[A-Za-z0-9_.\-]+", text):
            assert code == 0, out
            return
        assert code == 2 and out.startswith("error: ") and "name" in out
        if len(repr(text)) <= 80:
            assert repr(text) in out  # the bad value, literally (as written, quoted)


@SETTINGS
@given(text=HOSTILE.filter(lambda t: "/" not in t and t.strip(" .") and len(t.encode()) < 200))
def test_file_names(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{text}.yaml"
        path.write_text("name: [unclosed\n", encoding="utf-8")
        code, out = _invoke("validate", str(path))
        assert code == 2 and visible(str(path)) in out
        code, out = _invoke("solve", str(Path(tmp) / f"{text}-missing.yaml"), "--out", str(Path(tmp) / "r"))
        assert code == 2 and visible(f"{text}-missing.yaml") in out


@pytest.fixture(scope="module")
def catalog_copy(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("home")
    shutil.copytree(catalog_load.DATA_DIR, root / "data")
    shutil.copytree(catalog_load.MODELS_DIR, root / "models")
    return root / "data", root / "models"


@SETTINGS
@given(text=HOSTILE.filter(lambda t: t.strip() and not CONTROL_CHARS.search(t)))
def test_catalog_names(text, catalog_copy, monkeypatch):
    """Markup, quotes and formula prefixes in a catalog name are printed literally (names with
    control characters are refused at load: tests/hostile/test_datatree.py)."""
    data, models = catalog_copy
    sites = pd.read_csv(data / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[0, "name"] = text
    sites.to_csv(data / "sites.csv", index=False)
    fresh = UNCACHED_LOAD(data, models)
    monkeypatch.setattr(catalog_load, "load_catalogs", lambda *a, **k: fresh)
    code, out = _invoke("data", "list", "sites")
    assert code == 0
    code, out = _invoke("data", "list", "sites", "--format", "json")
    assert code == 0 and json.loads(out)[0]["name"] == text.strip()
    code, out = _invoke("data", "list", "sites", "--format", "csv")
    shown = pd.read_csv(io.StringIO(out), keep_default_na=False)["name"][0]
    assert code == 0 and shown == inert(text.strip())


def test_run_directory_text_in_map_and_xlsx(map_run, tmp_path):
    """Random names written into a run directory: map.html runs none of them and capex.xlsx has
    no formula cell but its own (the same as with plain names; a few examples: each opens Chromium)."""
    from openpyxl import load_workbook

    from planner.maps.write import write_maps
    from planner.results.export import export_capex
    from tests.maps.test_maps import OPEN_ALL, _browser, _headless

    browser = _browser()
    if browser is None:
        pytest.skip("no headless browser: install Debian's chromium to run the map.html browser test")

    # names with control characters are refused by the run-directory readers (tests/hostile)
    plain = HOSTILE.filter(lambda t: t.strip() and not CONTROL_CHARS.search(t))

    @settings(max_examples=3, derandomize=True, deadline=None)
    @given(names=st.lists(plain, min_size=3, max_size=3))
    def check(names):
        run = Path(tempfile.mkdtemp(dir=tmp_path)) / "run"
        shutil.copytree(map_run, run)
        sites = pd.read_csv(run / "tables" / "sites.csv")
        sites["name"] = [names[i % 3] for i in range(len(sites))]
        sites.to_csv(run / "tables" / "sites.csv", index=False)
        scenario = yaml.safe_load((run / "scenario.resolved.yaml").read_text())
        # the scenario name is an id (letters, digits, _ . -; anything else is refused on reading, see
        # tests/hostile/test_rundir.py name-markup): the hostile text goes where free text is allowed
        scenario["description"] = names[0]
        (run / "scenario.resolved.yaml").write_text(yaml.safe_dump(scenario))
        items = pd.read_csv(run / "tables" / "capex_items.csv")
        items["item"] = [names[i % 3].replace("\r", "") for i in range(len(items))]
        items.to_csv(run / "tables" / "capex_items.csv", index=False)
        write_maps(run, ("html",))
        probe = run / "probe.html"
        probe.write_text((run / "map.html").read_text().replace("</body>", OPEN_ALL + "</body>"))
        dom = _headless(browser, run.parent / "profile", "--dump-dom", probe.resolve().as_uri())
        assert dom.returncode == 0 and "leaflet-popup" in dom.stdout
        assert 'data-pwned="yes"' not in dom.stdout
        (xlsx,) = export_capex(run, "xlsx", run / "capex.xlsx", overwrite=True)
        assert formulas(xlsx) == reference  # the planner's own formulas only: no text became one

    def formulas(path: Path) -> dict[tuple[str, str], str]:
        return {
            (sheet.title, cell.coordinate): cell.value
            for sheet in load_workbook(path).worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "f"
        }

    reference = formulas(export_capex(map_run, "xlsx", tmp_path / "reference.xlsx")[0])
    check()
