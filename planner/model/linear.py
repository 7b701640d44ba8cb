"""Fast construction of the model's hourly rows: flat linear expressions with float coefficients.

Pyomo builds ``sum(param[t] * var[t] for t in T)`` by operator overloading, one node per
product and per partial sum, and every unit-carrying ``Param`` stays in the expression as an
object that the standard-form compiler (and ``pyo.value`` when results are read) must walk.
For the hourly blocks (sites x slices x technologies) that was most of the build and hand-off
time. Here the coefficients are computed as floats first (numpy or plain dicts) and each row
is one ``LinearExpression`` of ``MonomialTermExpression`` terms, which the compiler reads on its
fast path. Units stay checkable: a weighted sum whose coefficients carry a unit (w_t [h/yr] x
price [MUSD/MWh]) is multiplied by a scalar ``Param`` of value 1 in that unit
(:func:`unit_factor`), so ``assert_units_consistent`` still sees MUSD/yr.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    ProductExpression,
    SumExpression,
)


def linear(terms: Iterable[tuple[float, object]], constant: float = 0.0) -> LinearExpression:
    """sum_i coef_i * var_i (+ constant) as one flat ``LinearExpression`` (zero coefficients dropped)."""
    args: list[object] = [MonomialTermExpression((float(c), v)) for c, v in terms if c != 0.0]
    if constant:
        args.insert(0, float(constant))
    return LinearExpression(args)


def unit_factor(block: pyo.Block, name: str, units: object) -> pyo.Param:
    """A scalar Param of value 1 carrying ``units``: the unit of the float coefficients of the
    expressions it multiplies (added to ``block`` as ``name`` once, then reused)."""
    existing = block.component(name)
    if existing is not None:
        return existing
    param = pyo.Param(initialize=1.0, units=units)
    block.add_component(name, param)
    return param


def evaluate(expr: object) -> float | None:
    """The value of a model expression at the variables' current values, None if a variable has
    no value. The flat linear expressions of this module (and sums and products of them with
    named expressions and parameters) are evaluated directly, term by term, several times
    faster than Pyomo's generic expression walker; anything else goes to ``pyo.value``."""
    if isinstance(expr, int | float):
        return float(expr)
    kind = type(expr)
    if kind is LinearExpression:
        total = 0.0
        for arg in expr.args:
            if type(arg) is MonomialTermExpression:
                coef, var = arg.args
                if var.value is None:
                    return None
                total += (coef if type(coef) is float else pyo.value(coef)) * var.value
            else:
                value = evaluate(arg)
                if value is None:
                    return None
                total += value
        return total
    if getattr(expr, "is_named_expression_type", lambda: False)():
        return evaluate(expr.expr)  # type: ignore[attr-defined]
    if kind is SumExpression:
        parts = [evaluate(arg) for arg in expr.args]  # type: ignore[attr-defined]
        return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
    if kind is ProductExpression:
        a, b = (evaluate(arg) for arg in expr.args)  # type: ignore[attr-defined]
        return None if a is None or b is None else a * b
    return pyo.value(expr, exception=False)
