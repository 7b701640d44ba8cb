"""Hostile ``--set`` values: YAML that refers to itself, object tags, deep nesting and alias bombs
are refused with exit 2 and one line, as in scenario files (every command parses ``--set`` with
:func:`planner.scenario.load.parse_overrides`); text that is not YAML stays text."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.scenario.load import parse_overrides
from tests.helpers import SMALL_SCENARIO
from tests.hostile.read_helpers import SECRET, assert_refused

BOMB = (
    "["
    + ", ".join(
        [f"&a0 [{', '.join(['x'] * 9)}]"] + [f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)]
    )
    + "]"
)
"""Billion laughs: 9^8 = 43 million strings from a 300-byte value."""

REFUSED = {
    "self-list": ("&a [*a]", "refers to itself"),
    "self-map": ("&a {x: *a}", "refers to itself"),
    "self-nested": ("[1, &a [2, [*a]]]", "refers to itself"),
    "python-apply": (f"!!python/object/apply:os.system ['echo {SECRET}']", "tag"),
    "python-name": ("!!python/name:os.system", "tag"),
    "python-object": (f"!!python/object:planner.errors.InputError {{x: {SECRET}}}", "tag"),
    "deep-flow": ("[" * 5_000 + "]" * 5_000, "nested"),
    "deep-33": ("[" * 33 + "]" * 33, "nested"),
    "alias-bomb": (BOMB, "values"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_set_value_refused(case: str) -> None:
    value, fragment = REFUSED[case]
    with pytest.raises(InputError) as err:
        parse_overrides([f"demand.scale={value}"])
    message = str(err.value)
    assert message.startswith("--set demand.scale") and fragment in message, message
    assert SECRET not in message and "\n" not in message


@pytest.mark.parametrize("command", ["validate", "solve", "sweep", "pareto"])
@pytest.mark.parametrize("case", ["self-list", "python-apply", "deep-flow"])
def test_set_value_refused_by_commands(tmp_path, command: str, case: str) -> None:
    """Every command that takes --set refuses before loading or solving anything (exit 2, one line)."""
    args = [command, str(SMALL_SCENARIO), "--set", f"demand.scale={REFUSED[case][0]}"]
    if command in ("sweep", "pareto", "solve"):
        args += ["--out", str(tmp_path / "out")]
    assert_refused(tuple(args), "--set demand.scale", REFUSED[case][1])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("[a", "[a"),  # not YAML: kept as text, the schema then says what is allowed
        ("2", 2),
        ("yes", True),
        ("null", None),
        ("&a [1, *a]", "refused"),
        ("&a 1", 1),  # an anchor without a self-reference is plain data
        ("[&a 1, *a]", [1, 1]),
        ("[" * 32 + "]" * 32, "ok"),
    ],
)
def test_set_neighbours(value: str, parsed: object) -> None:
    if parsed == "refused":
        with pytest.raises(InputError, match="refers to itself"):
            parse_overrides([f"k={value}"])
        return
    got = parse_overrides([f"k={value}"])["k"]
    assert parsed == "ok" or got == parsed
