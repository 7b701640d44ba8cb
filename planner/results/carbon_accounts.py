"""Location- and market-based carbon of a solved plan (issue 23 item 5; ``summary.json``).

location-based [tCO2e/yr] = operational + upstream + embodied (grid imports at the grid's rate);
market-based = location-based - the contracts' claimable credit (imports matched by a contract's
carbon attribute, hourly or annual, at the contract technology's upstream rate instead,
:func:`planner.model.contracts.claimable_credit_t`). gCO2e/Mtok = t/yr x 1e6 / Mtok per year.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.contracts import claimable_credit_t
from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate


def _v(x: Any) -> float:
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def contract_credit_t(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, float]:
    """Claimable market-based credit per site [tCO2e/yr] of the solved dispatch."""
    ci = inp.contracts
    if ci is None or not hasattr(m.contracts, "take"):
        return dict.fromkeys(inp.sites, 0.0)
    take = {k: _v(m.contracts.take[ci.site[k], k]) for k in ci.ids}
    grid = {(s, t): _v(m.energy.grid[s, t]) for s in inp.sites for t in range(inp.slices.n)}
    return claimable_credit_t(inp, take, grid)


def carbon_accounts(
    m: pyo.ConcreteModel, inp: ModelInputs, location_t: float, mtok_per_year: float
) -> dict[str, Any]:
    """The ``summary.json`` keys of both carbon accounts and which one the objective and caps use."""
    market_t = location_t - sum(contract_credit_t(m, inp).values())
    per = 1e6 / mtok_per_year if mtok_per_year > 0 else None
    return {
        "emissions_market_based_t_per_yr": market_t,
        "gco2e_per_mtok_location_based": location_t * per if per else None,
        "gco2e_per_mtok_market_based": market_t * per if per else None,
        "carbon_accounting": inp.scenario.policy.carbon_accounting,
        "methane_gwp": inp.scenario.policy.methane_gwp,
        "contracts_taken_mw": {
            k: _v(m.contracts.take[inp.contracts.site[k], k])
            for k in (inp.contracts.ids if inp.contracts is not None else [])
        },
    }
