"""AI factory siting planner: photons and molecules -> watts -> FLOP/s -> tokens/s.

Python API (mirrors the CLI)::

    import planner
    result = planner.solve("scenarios/us_inference_2027.yaml")
    result.summary["cost_usd_per_mtok"]; result.tables["sites"]

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

from typing import TYPE_CHECKING, Any  # noqa: E402

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from planner.api import curve as curve
    from planner.api import solve as solve
    from planner.studies.alternatives import alternatives as alternatives
    from planner.studies.evaluate import evaluate as evaluate
    from planner.studies.pareto import pareto as pareto
    from planner.studies.regret import regret as regret
    from planner.studies.sensitivity import sensitivity as sensitivity
    from planner.studies.sweep import sweep as sweep


def __getattr__(name: str) -> Any:
    """Import the heavy API (Pyomo, HiGHS) only when it is first used."""
    if name == "solve":
        from planner.api import solve

        return solve
    if name == "curve":
        from planner.api import curve

        return curve
    if name == "pareto":
        from planner.studies.pareto import pareto

        return pareto
    if name == "sensitivity":
        from planner.studies.sensitivity import sensitivity

        return sensitivity
    if name == "alternatives":
        from planner.studies.alternatives import alternatives

        return alternatives
    if name == "evaluate":
        from planner.studies.evaluate import evaluate

        return evaluate
    if name == "regret":
        from planner.studies.regret import regret

        return regret
    if name == "sweep":
        from planner.studies.sweep import sweep

        return sweep
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
