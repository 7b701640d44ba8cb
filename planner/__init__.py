"""AI factory siting planner: photons and molecules -> watts -> FLOP/s -> tokens/s.

Python API (mirrors the CLI)::

    import planner
    result = planner.solve("scenarios/us_inference_2027.yaml")
    result.summary["cost_usd_per_mtok"]; result.tables["sites"]

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from planner.api import curve as curve
    from planner.api import solve as solve
    from planner.studies.evaluate import evaluate as evaluate
    from planner.studies.pareto import pareto as pareto
    from planner.studies.regret import regret as regret
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
