"""The options tables of ``docs/commands.md``, generated from the typer app itself.

Each command's section in ``docs/commands.md`` holds a block between ``<!-- options: NAME -->`` and
``<!-- /options -->`` that this module writes: one Markdown row per argument and option (name, value,
default, help text as ``--help`` shows it). ``python -m planner.cli.reference --write`` regenerates
the blocks, ``--check`` exits 1 when a block is missing or stale (``tests/cli/test_reference.py``
runs it), so a new command or option cannot go undocumented.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from planner.cli.app import app

COMMANDS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
BLOCK = re.compile(r"<!-- options: (?P<name>[a-z -]+) -->\n.*?<!-- /options -->", re.S)


def commands() -> Iterator[tuple[str, Any]]:
    """Every command of the app by its full name (``solve``, ``data list``, ...), groups left out,
    the app itself (its global options) as ``planner``. Click objects are read by their attributes
    (typer ships its own copy of click's classes)."""

    def walk(group: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for name, sub in sorted(group.commands.items()):
            if sub.hidden:
                continue
            if hasattr(sub, "commands"):
                yield from walk(sub, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", sub

    root = typer.main.get_command(app)
    yield "planner", root
    yield from walk(root, "")


def _cell(text: str) -> str:
    """One table cell: one line, ``|`` escaped, ``<placeholders>`` in code so Markdown keeps them."""
    text = " ".join(text.split()).replace("|", "\\|")
    return re.sub(r"(?<![`\w])(\S*<[^<>\s]+>\S*)", r"`\1`", text)


_TYPE_NAMES = {str: "TEXT", float: "FLOAT", int: "INTEGER", Path: "PATH", bool: "BOOLEAN"}


def _value_type(param: Any) -> str:
    """The value's type as click names it (``TEXT``, ``FLOAT``, ``INTEGER``, ``PATH``): from the
    click type where the parameter has one, else from typer's annotation (typer >= 0.2x)."""
    if getattr(param, "type", None) is not None:
        return str(param.type.name).upper()
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    inner = getattr(annotation, "__args__", None)
    annotation = inner[0] if inner else annotation
    return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", "TEXT").upper())


def _row(param: Any) -> str:
    if param.param_type_name == "option":
        name = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
        value = "flag" if param.is_flag else _value_type(param)
        default = "" if param.is_flag or param.default in (None, (), []) else f"`{param.default}`"
        if param.multiple:
            value += " (repeatable)"
        if param.required:
            value += ", required"
    else:
        name = f"`{(param.metavar or param.name).upper()}`"
        value = "argument" + ("" if param.required else ", optional")
        default = ""
    return f"| {name} | {value} | {default} | {_cell(getattr(param, 'help', None) or '')} |"


def options_table(command: Any) -> str:
    """The Markdown table of one command's arguments and options (``--help`` itself left out)."""
    rows = [_row(p) for p in command.params if p.name != "help"]
    head = "| argument or option | value | default | what it does |\n|---|---|---|---|"
    return "\n".join([head, *rows]) if rows else "(no options)"


def render(page: str) -> str:
    """``page`` with every options block regenerated; a command without a block is an error."""
    tables = {name: options_table(cmd) for name, cmd in commands()}
    found = {m.group("name") for m in BLOCK.finditer(page)}
    missing = sorted(set(tables) - found)
    unknown = sorted(found - set(tables))
    if missing or unknown:
        raise SystemExit(
            f"{COMMANDS_PAGE}: commands without an options block: {missing or 'none'}; "
            f"blocks for no command: {unknown or 'none'}"
        )

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        return f"<!-- options: {name} -->\n{tables[name]}\n<!-- /options -->"

    return BLOCK.sub(fill, page)


def main(argv: list[str]) -> int:
    """``--write`` regenerates ``docs/commands.md`` in place; ``--check`` exits 1 if it is stale."""
    if argv not in (["--write"], ["--check"]):
        print("usage: python -m planner.cli.reference --write | --check", file=sys.stderr)
        return 2
    page = COMMANDS_PAGE.read_text(encoding="utf-8")
    fresh = render(page)
    if argv == ["--write"]:
        if fresh != page:
            COMMANDS_PAGE.write_text(fresh, encoding="utf-8")
        print(f"wrote {COMMANDS_PAGE}")
        return 0
    if fresh != page:
        print(f"{COMMANDS_PAGE} is stale: run python -m planner.cli.reference --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
