"""AI factory siting planner: photons and molecules -> watts -> FLOP/s -> tokens/s.

Python API: one function per CLI command, with the same names and the same checks::

    import planner
    result = planner.solve("small_5_sites", overrides={"time.mode": "annual"})
    result                      # SolveResult(small_5_sites: optimal, 1.234 $/Mtok, 2 sites ...)
    result.summary["cost_usd_per_mtok"]; result.tables["sites"]
    result.save("runs/mine")    # the run directory `planner solve` writes

Functions (imported on first use, so ``import planner`` stays fast; ``dir(planner)`` lists them):
``solve``, ``validate``, ``pipeline``, ``curve``, ``map``, ``export``, ``pareto``, ``sweep``,
``alternatives``, ``sensitivity``, ``evaluate``, ``regret``, ``data_list``, ``data_init``.
Bad arguments raise :class:`InputError` naming the argument; an infeasible scenario raises
:class:`InfeasibleError`, no plan within the time limit :class:`NoSolutionError`. Functions
with ``workers`` start their dask worker processes so that a plain script without
``if __name__ == "__main__":`` is safe (see :func:`planner.model.cluster.main_not_reimported`).
"""

from __future__ import annotations

import _signal  # the C module: importing `signal` (enum, functools) takes a while itself
import os as _os  # already loaded by the interpreter's startup, like sys
import sys as _sys


def _stop_while_importing(signum: int, frame: object) -> None:
    """A stop signal while the ``planner`` command is still importing (about a second: typer, pandas,
    Pyomo): nothing is written yet, so one line and exit 128 + N. :func:`planner.cli.app.main`
    replaces this handler with the one that cleans up."""
    name = {2: "Ctrl-C (SIGINT)", 15: "SIGTERM", 1: "SIGHUP"}.get(signum, str(signum))
    try:
        _os.write(2, f"interrupted: stopped by {name}; no partial output was left\n".encode())
    finally:
        _os._exit(128 + int(signum))


def _launched_as_cli() -> bool:
    """True in the ``planner`` console script or ``python -m planner``, not in a test or a program
    that imports the planner (whose own signal handling is left alone)."""
    argv = getattr(_sys, "orig_argv", [])
    if "-m" in argv[:-1] and argv[argv.index("-m") + 1] == "planner":
        return True
    main_file = getattr(_sys.modules.get("__main__"), "__file__", None) or ""
    return _os.path.basename(main_file) == "planner"


if _launched_as_cli():  # first, before any heavy import (the handlers are replaced in main())
    for _sig in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(_sig, _stop_while_importing)

import importlib  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from planner.errors import InfeasibleError, InputError, NoSolutionError, PlannerError  # noqa: E402

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from planner.api import SolveResult as SolveResult
    from planner.api import curve as curve
    from planner.api import report as report
    from planner.api import show as show
    from planner.api import solve as solve
    from planner.commands import data_init as data_init
    from planner.commands import data_list as data_list
    from planner.commands import export as export
    from planner.commands import map as map
    from planner.commands import pipeline as pipeline
    from planner.commands import validate as validate
    from planner.studies.alternatives import alternatives as alternatives
    from planner.studies.evaluate import evaluate as evaluate
    from planner.studies.pareto import pareto as pareto
    from planner.studies.regret import regret as regret
    from planner.studies.sensitivity import sensitivity as sensitivity
    from planner.studies.sweep import sweep as sweep

API: dict[str, str] = {
    "solve": "planner.api",
    "curve": "planner.api",
    "SolveResult": "planner.api",
    "validate": "planner.commands",
    "pipeline": "planner.commands",
    "map": "planner.commands",
    "export": "planner.commands",
    "data_list": "planner.commands",
    "data_init": "planner.commands",
    "pareto": "planner.studies.pareto",
    "sweep": "planner.studies.sweep",
    "alternatives": "planner.studies.alternatives",
    "sensitivity": "planner.studies.sensitivity",
    "evaluate": "planner.studies.evaluate",
    "regret": "planner.studies.regret",
    "report": "planner.api",
    "show": "planner.api",
}
"""Public name -> the module defining it (imported on first use: Pyomo and HiGHS are heavy)."""

__all__ = [
    *API,
    "InfeasibleError",
    "InputError",
    "NoSolutionError",
    "PlannerError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import the API function ``name`` from its module on first use (then cached here), wrapped by
    :func:`planner.arguments.validated`: a bad argument raises InputError naming it."""
    module = API.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if not isinstance(value, type):  # a function: its arguments are checked at each call
        from planner.arguments import validated

        value = validated(value, f"planner.{name}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public API (also before first use: so ``dir(planner)`` and tab completion list it), the
    subpackages already imported and the module's dunder names."""
    names = globals()
    loaded = [n for n, v in names.items() if isinstance(v, ModuleType) and v.__name__.startswith("planner.")]
    return sorted({*__all__, *loaded, *(n for n in globals() if n.startswith("__"))})
