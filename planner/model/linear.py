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
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression


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
