"""Walking the pydantic :class:`~planner.scenario.schema.Scenario` schema by key path.

Used for error hints (the field, its docstring and unit at a path; which model owns a key) and
for dotted override paths (every settable leaf path; following ``prices.gas_price_scale`` or
``demand.served[0].tokens_per_s`` through the schema and the data).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from planner.scenario.schema import Scenario
from planner.scenario.yaml_lines import KeyPath, format_path


def unwrap(tp: Any, *, want_list: bool = False) -> Any:
    """Strip ``Annotated`` and ``| None``; of other unions keep the list member if asked."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            lists = [a for a in members if typing.get_origin(a) is list]
            if len(members) == 1:
                tp = members[0]
                continue
            if want_list and lists:
                tp = lists[0]
                continue
        return tp


def is_model(tp: Any) -> bool:
    """True for pydantic model classes."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def schema_at(path: KeyPath) -> tuple[Any, FieldInfo | None]:
    """The (unwrapped) type found at ``path`` and the last model field passed on the way."""
    tp: Any = Scenario
    field: FieldInfo | None = None
    for part in path:
        tp = unwrap(tp, want_list=True)
        origin = typing.get_origin(tp)
        if is_model(tp):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None, None
            tp = field.annotation
        elif origin is list:
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None, field
    return unwrap(tp, want_list=True), field


def model_at(path: KeyPath) -> type[BaseModel] | None:
    """The model class at ``path``, or None."""
    tp = schema_at(path)[0]
    return tp if is_model(tp) else None


def model_paths(tp: Any = Scenario, prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """Every model class in the schema with its dotted location (``demand.served[]``)."""
    out: list[tuple[str, type[BaseModel]]] = [(prefix, tp)]
    for name, field in tp.model_fields.items():
        inner = unwrap(field.annotation, want_list=True)
        suffix = ""
        if typing.get_origin(inner) is list:
            inner, suffix = unwrap(typing.get_args(inner)[0]), "[]"
        if is_model(inner):
            out += model_paths(inner, f"{prefix}.{name}{suffix}".lstrip("."))
    return out


def field_home(name: str) -> list[str]:
    """Dotted locations of the models that have a field ``name`` (``'solver'``)."""
    return [where for where, model in model_paths() if name in model.model_fields and where]


def leaf_paths() -> list[str]:
    """Every settable dotted path (``prices.gas_price_scale`` ...) for did-you-mean."""
    out = []
    for where, model in model_paths():
        for name in model.model_fields:
            if name != "extends":
                out.append(f"{where}.{name}".lstrip(".").replace("[]", "[0]"))
    return out


def walk_override(parts: list[str | int], data: dict[str, Any]) -> tuple[KeyPath, str | None]:
    """Follow ``parts`` through the schema (and the data, for list indices).

    Returns the key path and None, or a partial path and what is wrong. Under a mapping
    of plain values (``demand.latency_ms``) the rest of the dotted path is one key, so model
    ids with dots (``llama-3.1-8b``) work.
    """
    tp: Any = Scenario
    cur: Any = data
    path: list[Any] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        tp = unwrap(tp, want_list=True)
        origin = typing.get_origin(tp)
        here = format_path(tuple(path)) or "the scenario"
        if is_model(tp):
            names = [n for n in tp.model_fields if n != "extends"]
            if not isinstance(part, str) or part not in names:
                return tuple(path), f"'{part}' is not a key of {here} (keys: {', '.join(sorted(names))})"
            tp = tp.model_fields[part].annotation
        elif origin is list:
            if not isinstance(part, int):
                return tuple(path), f"{here} is a list; index it like {here}[0]"
            if not isinstance(cur, list) or part >= len(cur):
                return tuple(path), f"{here} has no item [{part}]"
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
            inner = unwrap(tp)
            if not (is_model(inner) or typing.get_origin(inner) is dict):
                part = ".".join(str(p) for p in parts[i:])
                i = len(parts) - 1
            part = str(part)
        else:
            return tuple(path), f"{here} is a single value; it has no key '{part}'"
        path.append(part)
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and isinstance(part, int):
            cur = cur[part]
        else:
            cur = None
        i += 1
    return tuple(path), None
