"""Safe YAML loading that remembers where every key was written.

:func:`load_yaml_text` parses one YAML document with :class:`LineLoader` through
:func:`planner.inputs.load_plain_yaml` (a ``yaml.SafeLoader`` subclass: plain data only, no
object-constructing tags) and returns the data together with a mapping *key path -> line*. A
key path is a tuple of mapping keys and list indices, e.g. ``("demand", "served", 2, "model")``;
the line is 1-based and points at the key (for mapping entries) or at the item (for list
entries).

:func:`load_chain` reads a scenario file and, recursively, the files it ``extends:``, and
deep-merges them (child wins; lists replace) together with their :data:`Origins`: for every
key path, the file and line that set the value, so errors point where the value was written.

Every failure — missing file, directory, non-UTF-8 bytes, syntax errors, object tags,
duplicate keys, recursive aliases, alias bombs, circular ``extends`` — becomes one
:class:`~planner.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planner.errors import InputError
from planner.inputs import decode_utf8, load_plain_yaml
from planner.paths import HOME_ENV, home_note, input_file_problem, shipped_scenario, shipped_scenarios

KeyPath = tuple[Any, ...]
"""Path of a value inside a YAML document: mapping keys and list indices."""


class Origin(NamedTuple):
    """Where a value was written: the file (as the user named it) and its 1-based line."""

    file: str
    line: int | None


Origins = dict[KeyPath, Origin]
"""For every key path, the file and line that set its value (after ``extends`` merging)."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LineLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also records the start line of every key path.

    Give it to :func:`planner.inputs.load_plain_yaml`, which calls :meth:`walk_tree`: the line
    map is filled while the node tree is walked, before construction, so YAML merge keys
    (``<<: *anchor``) are followed and duplicate keys are detected (PyYAML silently keeps the
    last one).
    """

    # YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off as booleans,
    # which turns the country code NO (Norway) into false. Boolean fields still accept
    # "yes"/"no" (pydantic parses those strings).
    # Timestamps are not resolved either (YAML 1.2 core schema): 2027-01-01 stays text.
    yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.lines: dict[KeyPath, int] = {}

    def walk_tree(self, node: Node) -> None:
        """Record the line of every key path; refuse duplicate keys (called by
        :func:`planner.inputs.load_plain_yaml` after its recursion, depth and size checks)."""
        self._walk(node, ())

    # -- node walk -------------------------------------------------------------------------
    def _walk(self, node: Node, path: KeyPath) -> None:
        """Record lines under ``path``; refuse duplicate keys."""
        if isinstance(node, MappingNode):
            self._walk_mapping(node, path)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                self.lines.setdefault(path + (i,), _line(item))
                self._walk(item, path + (i,))

    def _walk_mapping(self, node: MappingNode, path: KeyPath) -> None:
        """Walk one mapping: merge keys first (own keys override them), then own keys."""
        own: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        self._walk(source, path)
            else:
                own.append((key_node, value_node))
        seen: dict[Any, int] = {}
        for key_node, value_node in own:
            if not isinstance(key_node, ScalarNode):
                continue  # the constructor reports unhashable keys with their line
            key = self.construct_object(key_node)
            if isinstance(key, float) and key != key:  # .nan as a key never equals itself
                key = "nan"
            try:
                first = seen.get(key)
            except TypeError:  # pragma: no cover - scalar keys are hashable
                continue
            if first is not None:
                raise InputError(
                    f"{self.file}:{_line(key_node)}: {format_path(path + (key,))}: key "
                    f"{key!r} is written twice (first at line {first}); keep one"
                )
            seen[key] = _line(key_node)
            self.lines[path + (key,)] = _line(key_node)
            self._walk(value_node, path + (key,))


LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: Node) -> int:
    """1-based start line of a node."""
    return node.start_mark.line + 1


def format_path(path: KeyPath) -> str:
    """``("demand", "served", 2, "model")`` -> ``demand.served[2].model``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_yaml_text(text: str, file: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML ``text`` safely (:func:`planner.inputs.load_plain_yaml`, the planner's one YAML
    loader); return ``(data, lines)``. ``file`` names it in errors."""
    made: list[LineLoader] = []

    def loader(stream: str) -> LineLoader:
        made.append(LineLoader(stream, file))
        return made[-1]

    data = load_plain_yaml(text, file, loader=loader)
    return data, made[0].lines if made else {}


# ---------------------------------------------------------------------------------------
# files and extends chains, with the origin of every value
# ---------------------------------------------------------------------------------------
MAX_SCENARIO_BYTES = 1_000_000
"""Largest scenario file read [bytes]; shipped scenarios are a few kB."""


def _read_text(path: Path, display: str, context: str) -> str:
    """File text; ``context`` prefixes errors about a file that cannot be read (never its content)."""
    if not path.exists() and not path.is_symlink():
        hint = _sibling_hint(path)
        raise InputError(f"{context}: no such file{hint}")
    problem = input_file_problem(path, MAX_SCENARIO_BYTES)
    if problem == "is a directory, not a file":
        raise InputError(f"{context}: is a directory, not a scenario file (give a .yaml file)")
    if problem is not None:
        raise InputError(f"{context}: {problem}")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{context}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise InputError(f"{context}: more than the {MAX_SCENARIO_BYTES:,} bytes allowed for a scenario")
    return decode_utf8(raw, display, "scenario")


def _sibling_hint(path: Path) -> str:
    """``; did you mean 'x.yaml'?`` among the YAML files beside a missing one, else the shipped ones."""
    try:
        names = sorted(p.name for p in path.parent.iterdir() if p.suffix in (".yaml", ".yml"))
    except OSError:
        names = []
    match = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    if match:
        return f"; did you mean '{match[0]}'?"
    shipped = shipped_scenarios()
    match = difflib.get_close_matches(path.stem, shipped, n=1, cutoff=0.6)
    if match:
        return f"; did you mean the shipped scenario '{match[0]}'?"
    listed = [f"scenarios there: {', '.join(names)}"] if names else []
    listed += [f"shipped scenarios (by name): {', '.join(shipped)}"] if shipped else []
    if os.environ.get(HOME_ENV) or not shipped:  # a user's data tree: say which one was searched
        listed.append(home_note())
    return "".join(f"; {item}" for item in listed)


def load_chain(
    path: Path, display: str, chain: list[tuple[Path, str]], parent_of: Origin | None
) -> tuple[dict[str, Any], Origins]:
    """Load one file and, recursively, the files it extends; merge them (child wins)."""
    real = path.resolve()
    context = display if parent_of is None else where(parent_of) + f": extends: '{display}'"
    text = _read_text(path, display, context)
    data, lines = load_yaml_text(text, display)
    if data is None:
        raise InputError(
            f"{display}: the file is empty; a scenario needs at least 'name:' and 'demand:' "
            "(see scenarios/us_inference_2027.yaml)"
        )
    if not isinstance(data, dict):
        raise InputError(
            f"{display}:1: the top level must be a mapping of keys (name:, demand:, ...), found {_kind(data)}"
        )
    origins: Origins = {p: Origin(display, line) for p, line in lines.items()}
    parent = data.pop("extends", None)
    here = origins.pop(("extends",), Origin(display, None))
    if parent is None:
        return data, origins
    if not isinstance(parent, str) or not parent.strip():
        raise InputError(
            f"{where(here)}: extends: {show_value(parent)} is not allowed: must be the path of a "
            "parent scenario file, relative to this one, or the name of a shipped scenario"
        )
    parent_path = path.parent / parent
    parent_display = os.path.normpath(os.path.join(os.path.dirname(display), parent))
    if not parent_path.exists() and shipped_scenario(parent) is not None:
        parent_path = shipped_scenario(parent)  # a shipped scenario by name
        parent_display = os.fspath(parent_path)
    if parent_path.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(
            f"{where(here)}: extends: '{parent}' is not allowed: a parent scenario is a .yaml/.yml file "
            "(a path relative to this one) or the name of a shipped scenario"
        )
    if parent_path.resolve() in [p for p, _ in chain] + [real]:
        loop = [d for _, d in chain] + [display, parent_display]
        raise InputError(f"{where(here)}: extends: circular extends: {' -> '.join(loop)}")
    if not parent_path.exists():
        raise InputError(
            f"{where(here)}: extends: '{parent}' not found "
            f"(looked for {parent_display}){_sibling_hint(parent_path)}"
        )
    pdata, porigins = load_chain(parent_path, parent_display, chain + [(real, display)], here)
    return merge_with_origins(pdata, porigins, data, origins)


def merge_with_origins(
    parent: dict[str, Any], porigins: Origins, child: dict[str, Any], corigins: Origins
) -> tuple[dict[str, Any], Origins]:
    """Deep-merge ``child`` over ``parent`` (mappings merge, everything else replaces)."""
    replaced: list[KeyPath] = []

    def merge(a: dict[Any, Any], b: dict[Any, Any], path: KeyPath) -> dict[Any, Any]:
        out = dict(a)
        for key, value in b.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value, path + (key,))
            else:
                out[key] = value
                replaced.append(path + (key,))
        return out

    data = merge(parent, child, ())
    origins = {
        p: o for p, o in porigins.items() if not any(len(p) > len(r) and p[: len(r)] == r for r in replaced)
    }
    origins.update(corigins)
    return data, origins


# ---------------------------------------------------------------------------------------
# showing locations and values in messages
# ---------------------------------------------------------------------------------------
def where(origin: Origin) -> str:
    """``file:line`` or ``file``."""
    return f"{origin.file}:{origin.line}" if origin.line else origin.file


def show_number(value: Any) -> str:
    """Numbers without a spurious ``.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def show_value(value: Any) -> str:
    """A value as the user would have written it, shortened."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, (int, float)):
        text = show_number(value)
    else:
        try:
            text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
        except yaml.YAMLError:
            text = repr(value)
        if text.endswith("..."):
            text = text[:-3].strip()
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    """``a list`` / ``a single value 'x'`` for top-level type errors."""
    if isinstance(value, list):
        return "a list"
    return f"a single value (a {type(value).__name__}), not a mapping"
