"""Checks of the Python API's arguments: types from the signature, nesting depth and cycles.

:func:`validated` wraps a public function (``planner.solve``, ``planner.sweep``, ...) so that a
bad argument raises :class:`planner.errors.InputError` naming the function and the argument,
before anything is loaded or solved::

    planner.sweep: argument 'workers' must be int or None, got str 'two'
    planner.solve: argument 'scenario': a.a.a...: nested more than 50 levels deep
    planner.solve: argument 'overrides': x: the value contains itself (a cycle); give plain data

Types are read from the function's annotations (unions, ``None``, classes, ``Literal``, and the
elements of lists and mappings one level down); an annotation that cannot be resolved is not
checked. Booleans are not accepted as numbers; a ``str`` where a ``Path`` (not a ``str``) is
expected is turned into that Path. Containers (dicts, lists, tuples, sets) are
walked to :data:`MAX_DEPTH` levels and must not contain themselves.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from planner.errors import InputError
from planner.inputs import check_plain_data

MAX_DEPTH = 50
"""Deepest nesting of dicts and lists accepted in an argument (a scenario is about 5 deep)."""
MAX_VALUES = 10_000_000
"""Most values walked in one argument (a guard against a runaway structure, far above any scenario)."""
F = TypeVar("F", bound=Callable[..., Any])


def check_data(where: str, value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a container nested deeper than ``max_depth`` or containing itself
    (:func:`planner.inputs.check_plain_data` on the structure only: any object is a leaf).

    ``where`` starts the message (e.g. ``planner.solve: argument 'scenario'``), then the path to the
    offending element (``demand.served[0]``). Shared references that are not cycles (the same list
    in two places) are accepted.
    """
    check_plain_data(value, where, max_depth=max_depth, max_nodes=MAX_VALUES, any_leaf=True)


def _matches(value: Any, hint: Any) -> bool:
    """True if ``value`` fits the annotation ``hint`` (unknown constructs: True)."""
    if hint is Any or hint is object or isinstance(hint, TypeVar):
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is typing.Annotated:
        return _matches(value, typing.get_args(hint)[0])
    base = origin or hint
    if not isinstance(base, type):
        return True
    if not _instance(value, base):
        return False
    return _elements_match(value, base, typing.get_args(hint))


def _instance(value: Any, base: type) -> bool:
    """isinstance with the API's number rules: bool is not a number; ints are floats."""
    if base is bool:
        return isinstance(value, (bool,)) or type(value).__name__ == "bool_"
    if base in (int, float):
        kind = numbers.Integral if base is int else numbers.Real
        return isinstance(value, kind) and not isinstance(value, bool) and type(value).__name__ != "bool_"
    if base is os.PathLike:
        return isinstance(value, os.PathLike)
    try:
        return isinstance(value, base)
    except TypeError:  # a generic alias isinstance cannot check
        return True


def _elements_match(value: Any, base: type, args: tuple[Any, ...]) -> bool:
    """The elements of a list/sequence (or keys and values of a mapping) fit ``args``."""
    if not args or isinstance(value, (str, bytes)):
        return True
    if issubclass(base, Mapping) and len(args) == 2:
        return all(_matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
    if issubclass(base, (list, set, frozenset)) or (base.__name__ == "Sequence" and len(args) == 1):
        return all(_matches(v, args[0]) for v in value)
    return True


def describe(hint: Any) -> str:
    """An annotation as short text: ``str | Path | Scenario | Mapping[str, Any] | None``."""
    if hint is None or hint is type(None):
        return "None"
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        return hint.__name__
    text = str(hint).replace("NoneType", "None")
    text = re.sub(r"typing\.Optional\[(.*)\]$", r"\1 | None", text)
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def _show(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _hints(fn: Callable[..., Any], sig: inspect.Signature) -> dict[str, Any]:
    """The resolved annotations of ``fn`` (each one that cannot be resolved is left out)."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - a TYPE_CHECKING-only name: resolve the others one by one
        out: dict[str, Any] = {}
        for name, param in sig.parameters.items():
            ann = param.annotation
            if isinstance(ann, str):
                try:
                    ann = eval(ann, fn.__globals__)  # our own functions' annotation text
                except Exception:  # noqa: BLE001
                    continue
            if ann is not inspect.Parameter.empty:
                out[name] = ann
        return out


def check_arguments(
    fn: Callable[..., Any], label: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Check a call of ``fn`` (shown as ``label``) against its signature; raise InputError.

    Returns the arguments to call with: a ``str`` given where the annotation takes a ``Path`` but
    not a ``str`` (``out: Path | None``) becomes that Path."""
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise InputError(f"{label}: {exc}") from None
    hints = _hints(fn, sig)
    for name, value in bound.arguments.items():
        where = f"{label}: argument '{name}'"
        if sig.parameters[name].kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        check_data(where, value)
        hint = hints.get(name)
        if hint is None or _matches(value, hint):
            continue
        if isinstance(value, str) and value and _matches(Path(value), hint):
            bound.arguments[name] = Path(value)
            continue
        raise InputError(f"{where} must be {describe(hint)}, got {_show(value)}")
    return bound.args, bound.kwargs


def validated(fn: F, label: str | None = None) -> F:
    """``fn`` with its arguments checked by :func:`check_arguments` at every call."""
    shown = label or f"planner.{fn.__name__}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = check_arguments(fn, shown, args, kwargs)
        return fn(*args, **kwargs)

    return typing.cast(F, wrapper)
