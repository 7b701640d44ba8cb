"""Validation problems of a scenario and how they are reported.

A :class:`Problem` is located by a key path whose origin (file, line) comes from
:mod:`planner.scenario.yaml_lines`; :func:`raise_problems` turns a list of them into one
:class:`~planner.errors.InputError` of lines ``file:line: field.path: what is wrong; what is
allowed``. :func:`schema_problems` translates pydantic's ``ValidationError`` into such problems
in plain words (units, allowed keys, did-you-mean); :func:`bool_problems` catches ``true`` /
``false`` where a number is wanted, which pydantic would silently accept.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple, NoReturn

from pydantic import ValidationError

from planner.errors import InputError
from planner.scenario.fields import field_home, model_at, schema_at
from planner.scenario.yaml_lines import KeyPath, Origin, Origins, format_path, show_number, show_value, where


class Problem(NamedTuple):
    """One validation problem: where to look it up, which field to name, what to say."""

    at: KeyPath
    """Key path whose origin (file, line) locates the problem."""
    field: KeyPath
    """Key path named in the message (empty: the top level)."""
    text: str


def raise_problems(problems: list[Problem], origins: Origins, source: str) -> NoReturn:
    """Format problems (sorted by file and line, duplicates dropped) into one InputError."""
    rows: list[tuple[int, int, str]] = []
    files: list[str] = []
    for prob in problems:
        origin = _origin(origins, prob.at, source)
        if origin.file not in files:
            files.append(origin.file)
        field = format_path(prob.field)
        text = f"{where(origin)}: {field + ': ' if field else ''}{prob.text}"
        rows.append((files.index(origin.file), origin.line or 0, text))
    seen: set[str] = set()
    lines = []
    for _, _, text in sorted(rows, key=lambda r: (r[0], r[1])):
        if text not in seen:
            seen.add(text)
            lines.append(text)
    raise InputError("\n".join(lines))


def _origin(origins: Origins, path: KeyPath, source: str) -> Origin:
    """Origin of the longest prefix of ``path`` that has one (else the file, no line)."""
    for n in range(len(path), 0, -1):
        found = origins.get(path[:n])
        if found is not None:
            return found
    return Origin(source, None)


def schema_problems(exc: ValidationError, data: dict[str, Any]) -> list[Problem]:
    """Translate pydantic errors into problems; union alternatives are joined with 'or'."""
    grouped: dict[KeyPath, list[str]] = {}
    values: dict[KeyPath, Any] = {}
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        path, found = _clean_loc(err["loc"], data, kind)
        if "[key]" in err["loc"] or kind == "invalid_key":
            problems.append(
                Problem(
                    path,
                    path[:-1],
                    (
                        f"key {show_value(path[-1] if path else None)} is not allowed: keys must be text "
                        "(quote it if it looks like a number)"
                    ),
                )
            )
        elif kind == "missing":
            _model, field = schema_at(path)
            about = _first_sentence(field.description) if field is not None else ""
            problems.append(
                Problem(
                    path[:-1],
                    path[:-1],
                    f"required key '{path[-1]}' is missing" + (f" ({about})" if about else ""),
                )
            )
        elif kind == "extra_forbidden":
            problems.append(Problem(path, path[:-1], _unknown_key_text(path)))
        else:
            grouped.setdefault(path, [])
            allowed = _allowed_text(err, path)
            if allowed not in grouped[path]:
                grouped[path].append(allowed)
            values[path] = err.get("input") if found else None
    suggested = {
        (p.field, m.group(1)) for p in problems if (m := re.search(r"did you mean '([^']+)'", p.text))
    }
    problems = [
        p
        for p in problems
        if not (p.text.startswith("required key '") and (p.field, p.text.split("'")[1]) in suggested)
    ]
    for path, allowed in grouped.items():
        parts = [allowed[0]] + [a.removeprefix("must be ") for a in allowed[1:]]
        value = values[path]
        problems.append(Problem(path, path, f"{show_value(value)} is not allowed: {' or '.join(parts)}"))
    return problems


def _clean_loc(loc: tuple[Any, ...], data: Any, kind: str) -> tuple[KeyPath, bool]:
    """Drop pydantic's union tags and ``[key]`` markers by walking ``loc`` through the data."""
    cur = data
    out: list[Any] = []
    found = True
    for i, part in enumerate(loc):
        if part == "[key]":
            continue
        if (isinstance(cur, dict) and part in cur) or (
            isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        ):
            out.append(part)
            cur = cur[part]
        elif kind == "missing" and i == len(loc) - 1:
            out.append(part)
            found = False
    return tuple(out), found


def _unknown_key_text(path: KeyPath) -> str:
    """``unknown key 'demnad'; did you mean 'demand'? Allowed keys here: ...``."""
    key = path[-1]
    model = model_at(path[:-1])
    names = sorted(model.model_fields) if model is not None else []
    if path[:-1] and "extends" in names:
        names.remove("extends")
    hint = did_you_mean(str(key), names)
    if not hint:
        homes = [h for h in field_home(str(key)) if h != _generic(path[:-1])]
        if homes:
            hint = f"; '{key}' belongs under '{homes[0]}'"
    return f"unknown key {show_value(key)}{hint}{allowed_sep(hint)}Allowed keys here: {', '.join(names)}"


def _generic(path: KeyPath) -> str:
    """``demand.served[2]`` -> ``demand.served[]`` (a schema location)."""
    return re.sub(r"\[\d+\]", "[]", format_path(path))


_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_FIXED = {
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), "must be a whole number"),
    **dict.fromkeys(("bool_parsing", "bool_type"), "must be true or false"),
    "string_type": "must be text",
    "string_pattern_mismatch": "must use only letters, digits and _ . - (no spaces)",
    "string_too_short": "must not be empty",
    **dict.fromkeys(("list_type", "tuple_type"), "must be a list"),
}
"""What is allowed, for the pydantic error kinds whose wording needs no context."""


def _allowed_text(err: Mapping[str, Any], path: KeyPath) -> str:
    """What pydantic's error says is allowed, in plain words (with the field's unit)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    unit = _unit_of(path)
    value = err.get("input")
    if kind in _BOUNDS and isinstance(value, float) and math.isnan(value):
        return f"must be a number{unit} (NaN compares with nothing)"
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        return f"must be {_BOUNDS[kind]} {show_number(limit)}{unit}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number{unit}"
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == "literal_error":
        return f"must be {ctx.get('expected', '')}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        model = model_at(path)
        keys = f" with keys {', '.join(sorted(model.model_fields))}" if model is not None else ""
        return f"must be a mapping{keys}"
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return str(err["msg"])


def bool_problems(value: Any, path: KeyPath = ()) -> list[Problem]:
    """``true``/``false`` where the schema wants a number (pydantic would read 1.0/0.0)."""
    if isinstance(value, bool):
        if path and schema_at(path)[0] in (int, float):
            return [
                Problem(path, path, f"{show_value(value)} is not allowed: must be a number{_unit_of(path)}")
            ]
        return []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    return [p for key, item in items for p in bool_problems(item, path + (key,))]


def _unit_of(path: KeyPath) -> str:
    """`` [ms]`` from the field docstring's trailing unit bracket (nothing for ``[-]``)."""
    _model, field = schema_at(path)
    text = (field.description or "") if field is not None else ""
    found = re.findall(r"\[([^\[\]`]+)\]", re.sub(r"``.*?``", "", text, flags=re.S))
    return f" [{found[0]}]" if found and found[0] != "-" else ""


def did_you_mean(word: str, choices: list[str]) -> str:
    """``; did you mean 'x'?`` (case-insensitive first, then difflib), or ''."""
    lower = {c.lower(): c for c in choices}
    if word.lower() in lower:
        return f"; did you mean '{lower[word.lower()]}'?"
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f"; did you mean '{lower[match[0]]}'?" if match else ""


def allowed_sep(hint: str) -> str:
    """Separator before 'Allowed ...': after a question no full stop."""
    return " " if hint.endswith("?") else ". "


def _first_sentence(text: str | None) -> str:
    """First sentence of a field description, on one line, without RST backticks."""
    if not text:
        return ""
    flat = " ".join(text.replace("``", "").split())
    return re.split(r"\.\s+(?=[A-Z])", flat)[0].rstrip(".")
