"""Options the study commands share (``pareto``, ``sweep``, ``sensitivity``, ``alternatives``,
``evaluate``; ``solve`` and ``validate`` take the scenario argument too): one declaration each, so
the flags read the same everywhere, and the solver overrides they make.

Used as parameter annotations: ``workers: Workers = None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from planner.paths import DEFAULT_SCENARIO

DEFAULT_SCENARIO_NAME = DEFAULT_SCENARIO.stem
"""The shipped scenario a command solves when none is given, by name (never a path: help text
shows it, and the path would be a site-packages folder in an installed wheel)."""

ScenarioArg = Annotated[
    Optional[Path],
    typer.Argument(
        help=f"Scenario YAML file, or a shipped scenario's name (default: {DEFAULT_SCENARIO_NAME})",
        show_default=False,
    ),
]
Sets = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="Override a scenario field: path.to.field=value (repeatable)"),
]
Scheduler = Annotated[
    Optional[str],
    typer.Option(help="Run the solves on this Dask scheduler, e.g. tcp://127.0.0.1:8786"),
]
Workers = Annotated[
    Optional[int],
    typer.Option(help="Run the solves on this many local Dask worker processes (ignored with --scheduler)"),
]
Threads = Annotated[
    Optional[int],
    typer.Option("--threads", help="HiGHS threads per solve (default: the scenario's; 1 on Dask)"),
]
TimeLimit = Annotated[
    Optional[float],
    typer.Option("--time-limit", help="Solver time limit per solve [s] (default: the scenario's)"),
]
MipGap = Annotated[
    Optional[float],
    typer.Option("--mip-gap", help="Relative MIP gap per solve, e.g. 0.01 (default: the scenario's)"),
]
Yes = Annotated[bool, typer.Option("--yes", help="Allow a study of more than 50 points")]


def out_option(study: str, base: str = "<scenario>", exists: str = "must not exist") -> Any:
    """The ``--out`` option of a study writing ``runs/<base>-<study>-<timestamp>`` by default."""
    return Annotated[
        Optional[Path],
        typer.Option(help=f"Output directory ({exists}; default runs/{base}-{study}-<timestamp>)"),
    ]


def solver_overrides(
    sets: list[str],
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    on_dask: bool = False,
) -> dict[str, Any]:
    """The ``--set`` overrides plus ``solver.time_limit_s``, ``solver.mip_gap`` and ``solver.threads``
    from the flags given (a flag wins over ``--set``); on Dask one HiGHS thread per worker process
    unless ``--threads`` or ``--set solver.threads`` says otherwise."""
    from planner.scenario.load import parse_overrides

    overrides = parse_overrides(sets)
    for key, value in (
        ("solver.time_limit_s", time_limit),
        ("solver.mip_gap", mip_gap),
        ("solver.threads", threads),
    ):
        if value is not None:
            overrides[key] = value
    if on_dask:
        overrides.setdefault("solver.threads", 1)
    return overrides
