"""Hostile Python API arguments: a scenario or overrides dict that contains itself, is 10,000 levels
deep, holds objects that cannot be pickled or written to YAML, or keys that are not text, raise
:class:`planner.errors.InputError` naming the argument and the field path (never the value), from
:func:`planner.inputs.check_plain_data` (shared by the scenario loader and the API)."""

from __future__ import annotations

import copy
import math
import threading
from pathlib import Path
from typing import Any

import pytest

from planner.errors import InputError
from planner.inputs import MAX_DEPTH, check_plain_data
from tests.helpers import TINY
from tests.hostile.read_helpers import SECRET


def _deep(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    cur = root
    for _ in range(levels):
        cur["k"] = {}
        cur = cur["k"]
    return root


def _cyclic_dict() -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    data["demand"]["self"] = data
    return data


def _cyclic_list() -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    loop: list[Any] = [SECRET]
    loop.append(loop)
    data["demand"]["served"] = loop
    return data


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    cur = data
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return data


CASES: dict[str, tuple[Any, str]] = {
    "cycle-dict": (_cyclic_dict(), "demand.self: the value contains itself"),
    "cycle-list": (_cyclic_list(), "demand.served[1]: the value contains itself"),
    "deep-10000": (_with(("demand", "x"), _deep(10_000)), "nested more than"),
    "deep-33": (_with(("demand", "x"), _deep(MAX_DEPTH)), "nested more than"),
    "lock": (_with(("name",), threading.Lock()), "name: a lock is not allowed"),
    "lambda": (_with(("demand", "scale"), lambda: SECRET), "demand.scale: a function is not allowed"),
    "set": (_with(("technologies",), {SECRET}), "technologies: a set is not allowed"),
    "bytes": (_with(("name",), SECRET.encode()), "name: a bytes is not allowed"),
    "tuple-key": (_with(("sites",), {(1, 2): SECRET}), "a tuple key is not allowed"),
    "object": (_with(("prices",), object()), "prices: a object is not allowed"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_plain_data_refused(case: str) -> None:
    value, fragment = CASES[case]
    with pytest.raises(InputError) as err:
        check_plain_data(value, "planner.solve(scenario=...)")
    message = str(err.value)
    assert message.startswith("planner.solve(scenario=...)") and fragment in message, message
    assert SECRET not in message and "\n" not in message


@pytest.mark.parametrize("case", ["cycle-dict", "cycle-list", "deep-10000", "lock", "lambda"])
def test_solve_raises_input_error(case: str) -> None:
    """``planner.solve`` refuses before validating, copying or pickling (no RecursionError/TypeError)."""
    import planner

    with pytest.raises(InputError) as err:
        planner.solve(CASES[case][0])
    # the API's argument check (planner.arguments, through check_plain_data) answers first for
    # cycles and depth, naming the argument; the scenario check for the objects inside
    assert CASES[case][1] in str(err.value)
    if case in ("cycle-dict", "cycle-list", "deep-10000"):
        assert str(err.value).startswith("planner.solve: argument 'scenario': demand.")
    assert SECRET not in str(err.value)


@pytest.mark.parametrize(
    "overrides",
    [{"demand.scale": _cyclic_list()}, {"demand.scale": _deep(10_000)}, {"demand.scale": threading.Lock()}],
    ids=["cycle", "deep", "lock"],
)
def test_solve_overrides_refused(overrides: dict[str, Any]) -> None:
    import planner

    with pytest.raises(InputError, match=r"\(override\): demand\.scale|argument 'overrides': demand\.scale"):
        planner.solve(copy.deepcopy(TINY), overrides=overrides)


def test_finite_option_and_neighbours() -> None:
    """Plain data passes (paths, tuples, shared but acyclic values); NaN is refused only when asked."""
    shared = [1, 2]
    check_plain_data({"a": shared, "b": shared, "p": Path("x.yaml"), "t": (1, "x"), 3: None}, "api")
    check_plain_data(_deep(MAX_DEPTH - 1), "api")
    check_plain_data({"x": math.nan}, "api")
    with pytest.raises(InputError, match=r"api: x: must be a finite number"):
        check_plain_data({"x": math.inf}, "api", finite=True)


def test_node_cap() -> None:
    with pytest.raises(InputError, match="more than 1,000 values"):
        check_plain_data(list(range(2_000)), "api", max_nodes=1_000)
