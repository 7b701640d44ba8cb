"""Opex rows of supply contracts (:mod:`planner.model.contracts`): each contract's share of the
plant's output paid at the contract price and settled against the hourly energy price."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.contracts import settlement_musd_per_mw_yr
from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate

CONTRACT_OPEX_CATEGORIES = ("contract_energy",)
"""Opex categories of supply contracts."""


def contract_opex_args(m: pyo.ConcreteModel, inp: ModelInputs, s: str, year: int) -> list[tuple[Any, ...]]:
    """Arguments of ``_opex_row`` (:mod:`planner.results.capex`) for the contracts taken at site
    ``s``: quantity = MWh/yr of the plant's output taken (MW x availability x 8,760 h), cost =
    take x settlement (price - energy price, hour-weighted)."""
    ci = inp.contracts
    if ci is None or not hasattr(m.contracts, "take"):
        return []
    coef = settlement_musd_per_mw_yr(inp, ci)
    hours = float(sum(inp.slices.weight_h))
    rows = []
    for k in ci.ids:
        take = float(evaluate(m.contracts.take[s, k]) or 0.0) if ci.site[k] == s else 0.0
        if ci.site[k] != s or take <= 0:
            continue
        mwh = take * ci.availability[k] * hours
        rows.append(
            (s, "contract_energy", "variable", "contract_energy", k,
             f"contract {k}: {take:,.0f} MW of the plant's output at {ci.price_musd_per_mwh[k] * 1e6:,.1f} "
             "USD/MWh, settled against the hourly energy price", mwh, "MWh", coef[k] * take * 1e6,
             "USD/MWh", "data/contracts.csv " + k, year)
        )  # fmt: skip
    return rows
