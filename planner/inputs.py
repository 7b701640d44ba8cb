"""Guards for every byte the planner reads: bounded files, bounded JSON and YAML, plain data.

Every reader of a file the user (or an attacker) can change goes through these helpers, so
the same rules hold everywhere:

* :func:`read_input_bytes` - only a regular file of at most ``max_bytes`` is opened (a FIFO,
  ``/dev/zero`` or a directory is refused before reading), and at most ``max_bytes + 1`` bytes
  are read even if the file grows meanwhile;
* :func:`load_json_file` - the nesting depth is measured on the text *before* parsing (so a
  ``[[[[...]]]]`` bomb never reaches the recursive parser), ``NaN``/``Infinity`` are refused;
* :func:`load_plain_yaml` - safe loading (no object tags), no self-referring aliases, bounded
  depth and node count;
* :func:`check_plain_data` - a Python value (the Python API's scenario dict, ``--set``
  values) is plain data: dict/list/str/number/bool/None only, no cycles, bounded depth and
  size. Walked with an explicit stack, so a 10,000-deep dict never hits the recursion limit.

Every failure is an :class:`~planner.errors.InputError` (exit code 2) naming the file and the
field or line and what is allowed; the file's content is never quoted (a secret must not leak
into a terminal or a log).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from planner.errors import InputError
from planner.paths import input_file_problem

MAX_DEPTH = 32
"""Deepest nesting of mappings/lists accepted in any input document or value [levels]. The
deepest shipped document (a resolved scenario) nests 5 levels."""
MAX_NODES = 200_000
"""Most values (mappings, lists and scalars, aliases expanded) in one document or value."""
PLAIN_SCALARS = (str, int, float, bool, type(None))


def _where(file: str, path: list[Any], limit: int = 80) -> str:
    """``file: a.b[2]`` (the field path without any value, cut to ``limit`` characters)."""
    out = ""
    for part in path:
        out += (
            f"[{part}]"
            if isinstance(part, int) and not isinstance(part, bool)
            else ("." if out else "") + str(part)
        )
    out = out if len(out) <= limit else out[: limit - 3] + "..."
    return f"{file}: {out}" if out else file


def _container(value: Any) -> bool:
    """A mapping, list, tuple or set (what :func:`check_plain_data` walks)."""
    return isinstance(value, (Mapping, list, tuple, set, frozenset))


# ---------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------
def read_input_bytes(path: Path | str, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputError (naming ``path``) otherwise.

    ``what`` says what the file is (``"model card"``) in the message; nothing of the content is shown.
    """
    path = Path(path)
    problem = input_file_problem(path, max_bytes)
    if problem is not None:
        raise InputError(f"{path}: {what} {problem}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > max_bytes:
        raise InputError(f"{path}: {what} is larger than the {max_bytes:,} bytes allowed")
    return raw


def decode_utf8(raw: bytes, file: str, what: str = "file") -> str:
    """UTF-8 text (a BOM is dropped); a bad byte is reported by its line and column (and its hex
    code, one byte: never the text around it)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise InputError(
            f"{file}:{line}: not UTF-8 text: byte 0x{bad} at line {line}, column {column}; "
            f"save the {what} as UTF-8"
        ) from None


def read_input_text(path: Path | str, max_bytes: int, what: str = "file") -> str:
    """:func:`read_input_bytes` decoded as UTF-8."""
    return decode_utf8(read_input_bytes(path, max_bytes, what), str(path))


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------
_OPEN = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in JSON ``text``, brackets inside strings ignored [levels].

    Computed without parsing: strings are blanked (a ``"`` preceded by an odd run of
    backslashes is escaped), then the running sum of +1 per opener and -1 per closer is
    maximised with numpy, so a 10 MB file takes milliseconds and no recursion.
    """
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if raw.size == 0:
        return 0
    quote = raw == ord('"')
    if quote.any():
        back = raw == ord("\\")
        # length of the run of backslashes ending just before each byte
        idx = np.arange(raw.size)
        last_non = np.maximum.accumulate(np.where(~back, idx, -1))
        run_before = np.empty(raw.size, dtype=np.int64)
        run_before[0] = 0
        run_before[1:] = idx[:-1] - last_non[:-1]
        real = quote & (run_before % 2 == 0)
        inside = (np.cumsum(real) - real) % 2 == 1  # after an odd number of real quotes
        raw = np.where(inside | real, 0, raw)
    step = np.zeros(raw.size, dtype=np.int64)
    for char, delta in _OPEN.items():
        step[raw == char] = delta
    return int(np.cumsum(step).max(initial=0))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} (only finite numbers are allowed)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for a float (only finite numbers are allowed)")
    return value


def parse_json(text: str, file: str, max_depth: int = MAX_DEPTH, finite: bool = True) -> Any:
    """JSON ``text`` parsed after a depth check; NaN/Infinity refused (unless not ``finite``: the
    planner's own cache entries store NaN for "no value"). Errors name line and column."""
    depth = json_depth(text)
    if depth > max_depth:
        raise InputError(f"{file}: JSON nested {depth} levels deep; at most {max_depth} are allowed")
    try:
        if not finite:
            return json.loads(text)
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}:{exc.lineno}: not valid JSON (column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # the refused constants (and int strings over Python's digit limit)
        raise InputError(f"{file}: not valid JSON data: {str(exc).split(':')[0]}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise InputError(f"{file}: JSON nested too deeply") from None


def load_json_file(
    path: Path | str, max_bytes: int, what: str = "JSON file", max_depth: int = MAX_DEPTH, finite: bool = True
) -> Any:
    """A bounded, depth-checked (finite unless told) JSON document read from a regular file."""
    return parse_json(read_input_text(path, max_bytes, what), str(path), max_depth, finite)


# ---------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------
class YamlSyntaxError(InputError):
    """Text that is not YAML at all (a ``--set`` value may then be taken as plain text)."""


def _check_nodes(root: Node, file: str, max_depth: int, max_nodes: int) -> None:
    """Refuse aliases that contain themselves, too deep or too many nodes (explicit stack)."""
    stack: list[tuple[Node, int, frozenset[int]]] = [(root, 1, frozenset())]
    seen = 0
    while stack:
        node, depth, above = stack.pop()
        seen += 1
        line = node.start_mark.line + 1
        if seen > max_nodes:
            raise InputError(
                f"{file}:{line}: the document expands to more than {max_nodes:,} values (aliases "
                "referring to aliases?); only small plain data is read"
            )
        if id(node) in above:
            raise InputError(f"{file}:{line}: a YAML alias refers to itself (recursive data); not allowed")
        if depth > max_depth:
            raise InputError(f"{file}:{line}: nested more than {max_depth} levels deep; not allowed")
        if isinstance(node, SequenceNode):
            inner = above | {id(node)}
            stack.extend((item, depth + 1, inner) for item in node.value)
        elif isinstance(node, MappingNode):
            inner = above | {id(node)}
            for key, value in node.value:
                stack.extend(((key, depth + 1, inner), (value, depth + 1, inner)))


def load_plain_yaml(
    text: str,
    file: str,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    loader: Callable[[str], yaml.SafeLoader] = yaml.SafeLoader,
) -> Any:
    """Safe-load one YAML document after checking its node tree (recursion, depth, size): the one
    YAML loader of the planner (scenario files, resolved scenarios, catalogs, model cards, ``--set``).

    ``loader``: makes the ``yaml.SafeLoader`` (subclass) of ``text`` (default: a plain one); its
    ``walk_tree(node)``, if it has one, runs after the bounds check and before the data is
    built (the scenario's :class:`~planner.scenario.yaml_lines.LineLoader` records the line of
    every key and refuses duplicate keys there). Object tags (``!!python/object``...) are refused
    by safe loading; messages give the line and never the document's text.
    """
    made: yaml.SafeLoader | None = None
    try:
        made = loader(text)  # the reader checks the characters here
        node = made.get_single_node()
        if node is None:
            return None
        _check_nodes(node, file, max_depth, max_nodes)
        walk = getattr(made, "walk_tree", None)
        if walk is not None:
            walk(node)
        return made.construct_document(node)
    except InputError:
        raise
    except yaml.reader.ReaderError as exc:
        line = text[: max(exc.position, 0)].count("\n") + 1
        raise YamlSyntaxError(
            f"{file}:{line}: character #x{exc.character:04x} is not allowed in YAML "
            "(control characters); remove it"
        ) from None
    except yaml.constructor.ConstructorError as exc:
        raise InputError(_constructor_message(exc, file)) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError(_marked_message(exc, file)) from None
    except yaml.YAMLError:
        raise YamlSyntaxError(f"{file}: not valid YAML (control characters or a broken stream)") from None
    except RecursionError:
        raise InputError(f"{file}: YAML nested too deeply; at most {max_depth} levels are allowed") from None
    except (ValueError, TypeError, OverflowError):  # e.g. a timestamp 2027-13-45 PyYAML cannot build
        raise InputError(f"{file}: a value could not be read as YAML data") from None
    finally:
        if made is not None:
            made.dispose()


def _mark_text(mark: yaml.Mark | None, file: str) -> str:
    """``file:line`` from a YAML mark (``file`` alone without one)."""
    return f"{file}:{mark.line + 1}" if mark is not None else file


def _marked_message(exc: yaml.MarkedYAMLError, file: str) -> str:
    """A syntax error as ``file:line: YAML syntax error (line L, column C): problem`` (PyYAML's
    description of what it expected, with a hint for tabs and extra documents)."""
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
    pos = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    hint = ""
    if exc.problem and ("'\\t'" in exc.problem or "\t" in exc.problem):
        hint = "; indent with spaces, not tabs"
    elif exc.problem and "expected a single document" in (exc.context or ""):
        hint = "; a file holds one document (remove the extra '---')"
    return f"{_mark_text(mark, file)}: YAML syntax error{pos}: {what}{hint}"


def _constructor_message(exc: yaml.constructor.ConstructorError, file: str) -> str:
    """Refused tags (``!!python/object/apply`` ...) named by their kind (the object name after
    ``:`` comes from the file and is not shown)."""
    where = _mark_text(exc.problem_mark or exc.context_mark, file)
    problem = exc.problem or ""
    if "could not determine a constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip().strip("'\"").replace("tag:yaml.org,2002:", "!!")
        kind = tag.split(":", 1)[0] if tag.startswith("!!") else "!" + tag.lstrip("!").split(":", 1)[0][:40]
        return (
            f"{where}: the YAML tag '{kind}' is not allowed: plain data only (mappings, lists, "
            "strings, numbers, true/false, null); tags that build objects are refused by safe loading"
        )
    if "unhashable" in problem:
        return f"{where}: a mapping key must be a plain word or number, not a list or mapping"
    return f"{where}: not valid YAML data"


# ---------------------------------------------------------------------------------------
# Python values (the API, --set)
# ---------------------------------------------------------------------------------------
def check_plain_data(
    value: Any,
    source: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    finite: bool = False,
    any_leaf: bool = False,
) -> None:
    """Refuse anything that is not plain data, before it is copied, pickled or validated.

    Plain data: mappings with str/int keys, lists/tuples, str, int, float, bool, None and
    ``os.PathLike`` (file paths). Refused with an InputError naming ``source`` and the field
    path (never the value): a container that contains itself (a cycle), nesting deeper than
    ``max_depth``, more than ``max_nodes`` values, any other type (objects, functions, sets:
    what cannot be written to YAML or sent to a worker process), and with ``finite`` a NaN or
    infinite float. Iterative: a 10,000-deep value costs 10,000 steps and no recursion.

    With ``any_leaf`` (the Python API's arguments, :mod:`planner.arguments`) only the structure is
    checked: sets are walked as containers too, and any other value or key is accepted as a leaf.
    """
    stack: list[tuple[Any, list[Any], frozenset[int]]] = [(value, [], frozenset())]
    seen = 0
    while stack:
        item, path, above = stack.pop()
        seen += 1
        if seen > max_nodes:
            raise InputError(f"{source}: more than {max_nodes:,} values; a scenario is small plain data")
        if len(path) > max_depth:
            raise InputError(f"{_where(source, path[:max_depth])}: nested more than {max_depth} levels deep")
        if isinstance(item, (*PLAIN_SCALARS, os.PathLike)) or (any_leaf and not _container(item)):
            if finite and isinstance(item, float) and not math.isfinite(item):
                raise InputError(
                    f"{_where(source, path)}: must be a finite number (NaN and infinity are not allowed)"
                )
            continue
        if id(item) in above:
            raise InputError(f"{_where(source, path)}: the value contains itself (a cycle); give plain data")
        inner = above | {id(item)}
        if isinstance(item, Mapping):
            for key in list(item.keys()):
                if not any_leaf and (not isinstance(key, (str, int)) or isinstance(key, bool)):
                    raise InputError(
                        f"{_where(source, path)}: a {type(key).__name__} key is not allowed (text keys only)"
                    )
                stack.append((item[key], [*path, key], inner))
        elif isinstance(item, (list, tuple)) or (any_leaf and isinstance(item, (set, frozenset))):
            stack.extend((sub, [*path, i], inner) for i, sub in enumerate(item))
        elif not any_leaf:
            raise InputError(
                f"{_where(source, path)}: a {type(item).__name__} is not allowed; give plain data "
                "(mappings, lists, text, numbers, true/false, null)"
            )
