"""Opex rows of the grid tariff as billed (:mod:`planner.model.tariff`): capacity and transmission
charges on the coincident-peak import, demand and standby charges on the tie."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate

TARIFF_OPEX_CATEGORIES = ("capacity_charge", "demand_charge", "transmission_charge")
"""Opex categories of the tariff (after ``energy``)."""


def _v(x: Any) -> float:
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def peak_import_mw(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """The import the capacity and transmission charges fall on [MW]: the coincident-peak slice's
    import (representative days), the tie (annual mode)."""
    tf = inp.tariff
    if tf is None:
        return 0.0
    if inp.slices.hourly:
        return _v(m.energy.grid[s, tf.peak_slice[s]])
    return _v(m.energy.grid_cap[s])


def tariff_opex_args(m: pyo.ConcreteModel, inp: ModelInputs, s: str, year: int) -> list[tuple[Any, ...]]:
    """Arguments of ``_opex_row`` (:mod:`planner.results.capex`) for site ``s``'s tariff charges:
    (site, category, cost type, cost group, item id, item, quantity, unit, USD/yr, unit-cost unit,
    source, dollar year); empty under ``prices.grid_tariff: retail_average``."""
    tf = inp.tariff
    if tf is None or not hasattr(m, "tariff"):
        return []
    source = "data/tariffs.csv " + str(inp.site_data.at[s, "grid_region"]) + " / " + s
    peak = peak_import_mw(m, inp, s)
    tie = _v(m.energy.grid_cap[s])
    rule = "coincident-peak import" if inp.slices.hourly else "grid tie (annual mode)"
    return [
        (s, "capacity_charge", "variable", "capacity_charge", "capacity", f"capacity charge on the {rule}",
         peak, "MW", _v(m.tariff.capacity[s]) * 1e6, "USD/MW-yr", source, year),
        (s, "transmission_charge", "variable", "transmission_charge", "transmission",
         f"transmission charge on the {rule}", peak, "MW", _v(m.tariff.transmission[s]) * 1e6, "USD/MW-yr",
         source, year),
        (s, "demand_charge", "variable", "demand_charge", "demand",
         "demand charge on the billing demand + standby on the rest of the tie", tie, "MW",
         _v(m.tariff.demand[s]) * 1e6, "USD/MW-yr", source, year),
    ]  # fmt: skip
