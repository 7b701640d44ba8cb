"""Contracts block: supply contracts (PPAs) open to the plan, their cost and their carbon attribute
(coefficients in :mod:`planner.model.contract_inputs`).

Settlement: each contract is a share of one plant's output, taken whole (unit-contingent, take
all of the share) and delivered front-of-meter: the plant sells into the grid, the campus draws
from the grid, and the contract settles the difference. The plan chooses the share it takes,
``take[s,k]`` in [0, MW] (a developer may contract less than the whole: the 2024 Talen-AWS deal had
a one-time option to cap at half); every MWh of that share is paid at the contract price and
what the campus does not draw in an hour is sold at that hour's energy price. So, per contract
k at site s (a its technology's availability, w_t the slice weight [h/yr]; the model indexes
``take``, ``matched`` by site first, so site decompositions see them as the site's)::

    take[k] <= MW[k] open[s]                                                   [MW]
    cost[s] = sum_k take[k] a_k sum_t w_t (price[k] - energy_price[s,t])      [MUSD/yr]

Why this and not as-available purchase: the public terms of such deals (Talen-AWS 2025: a fixed
1,920 MW share of Susquehanna through 2042) are volumes of a plant's output, not of the buyer's
load; a nuclear PPA is paid on the plant's output. Imports and every tariff charge stay as they
are (the campus still draws from the grid through its tie).

Carbon: the location-based account is unchanged (imports at the grid's rate). The market-based
account counts the imports matched by a contract's carbon attribute at the contracted
technology's upstream rate up_k instead of the grid's rate (direct + upstream)::

    hourly:  matched[k,t] <= a_k take[k],  sum_{k hourly} matched[k,t] <= grid[s,t]        [MW]
    annual:  matched[k]   <= a_k take[k] sum_t w_t                                          [MWh/yr]
             sum_{k annual} matched[k] + sum_t w_t sum_{k hourly} matched[k,t] <= sum_t w_t grid[s,t]
    credit[s] = sum_{k hourly,t} w_t (co2[s,t] + up_grid[s] - up_k) matched[k,t]
              + sum_{k annual} (co2_mean[s] + up_grid[s] - up_k) matched[k]                 [tCO2e/yr]

with co2_mean[s] the weight-averaged grid rate. The matching variables exist only under
``policy.carbon_accounting: market_based`` (the objective and caps then use
emissions_total - credit); results report both accounts either way, the market-based one with the
largest credit the dispatch allows (:func:`claimable_credit_t`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.contract_inputs import ContractInputs
from planner.model.inputs import ModelInputs
from planner.model.linear import linear, unit_factor
from planner.model.units import MUSD, MW, MWh, hr, tCO2, yr


def add_contracts(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.contracts`` (needs ``m.site`` and ``m.energy``) with ``cost`` [MUSD/yr] and ``credit``
    [tCO2e/yr] per site (zero expressions when no contract is open)."""
    b = pyo.Block()
    m.contracts = b
    S, ci = m.site.S, inp.contracts
    if ci is None:
        b.cost = pyo.Expression(S, rule=lambda b, s: 0.0 * MUSD / yr)
        b.credit = pyo.Expression(S, rule=lambda b, s: 0.0 * tCO2 / yr)
        return b
    b.K = pyo.Set(initialize=[(ci.site[k], k) for k in ci.ids], dimen=2, ordered=True)  # (site, contract)
    b.take = pyo.Var(b.K, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s, k: (0, ci.mw[k]))
    b.with_site = pyo.Constraint(b.K, rule=lambda b, s, k: b.take[s, k] <= ci.mw[k] * m.site.open[s])
    coef = settlement_musd_per_mw_yr(inp, ci)
    per = unit_factor(b, "cost_unit", MUSD / yr / MW)
    b.cost = pyo.Expression(
        S, rule=lambda b, s: per * linear((coef[k], b.take[s, k]) for k in ci.ids if ci.site[k] == s)
    )
    if inp.scenario.policy.carbon_accounting == "market_based":
        _add_matching(b, m, inp, ci)
    else:
        b.credit = pyo.Expression(S, rule=lambda b, s: 0.0 * tCO2 / yr)
    return b


def settlement_musd_per_mw_yr(inp: ModelInputs, ci: ContractInputs) -> dict[str, float]:
    """Cost of each contract per MW taken [MUSD/yr per MW]: a_k sum_t w_t (price_k - energy_price[s,t])."""
    w, n = inp.slices.weight_h, inp.slices.n
    return {
        k: ci.availability[k]
        * sum(
            float(w[t]) * (ci.price_musd_per_mwh[k] - inp.grid_price_musd_per_mwh[ci.site[k], t])
            for t in range(n)
        )
        for k in ci.ids
    }


def credit_rates(inp: ModelInputs, ci: ContractInputs) -> dict[tuple[str, int], float]:
    """Market-based credit per MWh matched [tCO2e/MWh]: (k, t) for hourly contracts, (k, -1) for
    annual ones (the weight-averaged grid rate); grid direct + upstream less the contract's upstream."""
    w, n = inp.slices.weight_h, inp.slices.n
    out: dict[tuple[str, int], float] = {}
    for k in ci.ids:
        s = ci.site[k]
        base = inp.grid_upstream_t_per_mwh[s] - ci.upstream_t_per_mwh[k]
        if ci.attribute[k] == "hourly":
            out.update({(k, t): inp.grid_co2_t_per_mwh[s, t] + base for t in range(n)})
        else:
            mean = sum(float(w[t]) * inp.grid_co2_t_per_mwh[s, t] for t in range(n)) / float(sum(w))
            out[k, -1] = mean + base
    return out


def _add_matching(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, ci: ContractInputs) -> None:
    """Matching variables and the credit of the market-based account (module docstring)."""
    energy, w, T = m.energy, inp.slices.weight_h, range(inp.slices.n)
    hourly = [k for k in ci.ids if ci.attribute[k] == "hourly"]
    annual = [k for k in ci.ids if ci.attribute[k] == "annual"]
    hours = float(sum(w))
    site_h = [(ci.site[k], k, t) for k in hourly for t in T]  # indices lead with the site
    site_a = [(ci.site[k], k) for k in annual]
    b.matched_h = pyo.Var(site_h, domain=pyo.NonNegativeReals, units=MW)
    b.matched_a = pyo.Var(site_a, domain=pyo.NonNegativeReals, units=MWh / yr)
    b.within_output_h = pyo.Constraint(
        site_h, rule=lambda b, s, k, t: b.matched_h[s, k, t] <= ci.availability[k] * b.take[s, k]
    )
    b.year_unit = unit_factor(b, "year_unit", hr / yr)
    b.within_output_a = pyo.Constraint(
        site_a,
        rule=lambda b, s, k: b.matched_a[s, k] <= ci.availability[k] * hours * b.year_unit * b.take[s, k],
    )
    hourly_sites = sorted({ci.site[k] for k in hourly})
    b.within_imports_h = pyo.Constraint(
        hourly_sites,
        list(T),
        rule=lambda b, s, t: (
            sum(b.matched_h[s, k, t] for k in hourly if ci.site[k] == s) <= energy.grid[s, t]
        ),
    )

    def within_year(b: pyo.Block, s: str) -> object:
        mine_a = [k for k in annual if ci.site[k] == s]
        if not mine_a:
            return pyo.Constraint.Skip
        mine_h = [(float(w[t]), b.matched_h[s, k, t]) for k in hourly if ci.site[k] == s for t in T]
        imports = linear((float(w[t]), energy.grid[s, t]) for t in T)
        return sum(b.matched_a[s, k] for k in mine_a) + b.year_unit * linear(mine_h) <= b.year_unit * imports

    b.within_imports_a = pyo.Constraint(m.site.S, rule=within_year)
    rate = credit_rates(inp, ci)
    carbon_h = unit_factor(b, "carbon_h_unit", hr / yr * tCO2 / MWh)
    carbon_a = unit_factor(b, "carbon_a_unit", tCO2 / MWh)
    b.credit = pyo.Expression(
        m.site.S,
        rule=lambda b, s: (
            carbon_h
            * linear(
                (float(w[t]) * rate[k, t], b.matched_h[s, k, t]) for k in hourly if ci.site[k] == s for t in T
            )
            + carbon_a * linear((rate[k, -1], b.matched_a[s, k]) for k in annual if ci.site[k] == s)
        ),
    )


def claimable_credit_t(
    inp: ModelInputs, take: dict[str, float], grid: dict[tuple[str, int], float]
) -> dict[str, float]:
    """Largest market-based credit per site [tCO2e/yr] of a dispatch (``take`` [MW] per contract,
    ``grid`` [MW] per site and slice): hourly contracts match imports hour by hour, then annual ones
    the rest of the year's imports, each in the order of ``contracts.csv`` (the LP's optimum with
    one contract per site)."""
    ci = inp.contracts
    out = dict.fromkeys(inp.sites, 0.0)
    if ci is None:
        return out
    w, n = inp.slices.weight_h, inp.slices.n
    left = dict(grid)
    rate = credit_rates(inp, ci)
    for k in (k for k in ci.ids if ci.attribute[k] == "hourly"):
        s = ci.site[k]
        for t in range(n):
            matched = max(0.0, min(ci.availability[k] * take[k], left[s, t]))
            left[s, t] -= matched
            out[s] += float(w[t]) * max(rate[k, t], 0.0) * matched
    for k in (k for k in ci.ids if ci.attribute[k] == "annual"):
        s = ci.site[k]
        year_left = sum(float(w[t]) * left[s, t] for t in range(n))
        matched = max(0.0, min(ci.availability[k] * take[k] * float(sum(w)), year_left))
        out[s] += max(rate[k, -1], 0.0) * matched
        for t in range(n):  # spread the match over the year's imports
            left[s, t] *= 1.0 - matched / year_left if year_left > 0 else 0.0
    return out
