"""The documentation site (issue 25 item 9): docs/commands.md documents every command and option of
the app (generated tables fresh, each option named in its section's text), the README keeps its
quickstart, layout and links, every relative link resolves, and ``mkdocs build --strict`` passes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from planner.cli.reference import COMMANDS_PAGE, commands, main, render
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def _sections(page: str) -> dict[str, str]:
    """Each ``## `planner NAME`: ...`` section of the commands page by NAME, generated tables cut out."""
    out = {}
    for part in re.split(r"^## ", page, flags=re.M)[1:]:
        m = re.match(r"`planner ?([a-z -]*)`", part)
        if m:
            out[m.group(1) or "planner"] = re.sub(r"<!-- options: .*?<!-- /options -->", "", part, flags=re.S)
    return out


def test_the_options_tables_are_generated_from_the_app():
    page = COMMANDS_PAGE.read_text(encoding="utf-8")
    assert render(page) == page, "stale: run python -m planner.cli.reference --write"
    assert main(["--check"]) == 0
    assert "| `--time-limit` | FLOAT |" in page and "| `RUN_DIR` | argument |" in page


def test_a_command_without_an_options_block_is_refused():
    page = COMMANDS_PAGE.read_text(encoding="utf-8")
    cut = re.sub(r"<!-- options: show -->.*?<!-- /options -->", "", page, flags=re.S)
    with pytest.raises(SystemExit, match=r"commands without an options block: \['show'\]"):
        render(cut)


def test_a_changed_option_makes_the_page_stale():
    page = COMMANDS_PAGE.read_text(encoding="utf-8")
    edited = page.replace("| `--time-limit` | FLOAT |", "| `--time-limit` | INTEGER |", 1)
    assert edited != page and render(edited) == page


def test_every_command_and_option_is_described_in_its_section():
    """Not only in the generated table: the synopsis or the text of the command's section names it."""
    sections = _sections(COMMANDS_PAGE.read_text(encoding="utf-8"))
    missing = []
    for name, command in commands():
        text = sections.get(name, "")
        if not text:
            missing.append(name)
            continue
        options = [p.opts[0] for p in command.params if p.param_type_name == "option"]
        missing += [f"{name} {option}" for option in options if option not in text]
    assert not missing, missing


def test_the_readme_keeps_the_entry_points_quickstart_layout_and_docs_link():
    assert "make run    # create .venv, install, solve the default scenario" in README
    assert "make test   # create .venv, install, lint (ruff, one-way imports), run the test suite" in README
    for heading in ("## Quickstart", "### Python API", "## Documentation", "## Layout"):
        assert f"\n{heading}\n" in README, heading
    assert "mkdocs serve" in README and "mkdocs build --strict" in README


def test_the_layout_table_is_the_same_in_the_readme_and_the_docs():
    def rows(text: str) -> list[str]:
        return [line for line in text.split("\n") if line.startswith("| `planner/")]

    readme = rows(README)
    assert len(readme) >= 10 and readme == rows((DOCS / "architecture.md").read_text(encoding="utf-8"))


def test_every_relative_link_resolves():
    """README links (not checked by mkdocs) and docs links point at files that exist."""
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://", target):
                continue
            generated = page.parent == DOCS and target == "data-catalogs.md"  # added by docs/hooks.py
            if not generated and not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert not broken, broken


def test_the_site_builds_strictly(tmp_path):
    """Warnings (a broken link or anchor, a page left out of the nav) fail the build, as in CI."""
    pytest.importorskip("mkdocs")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    catalogs = (tmp_path / "site" / "data-catalogs" / "index.html").read_text(encoding="utf-8")
    assert "cited catalogs" in catalogs  # data/README.md, added by the hook
