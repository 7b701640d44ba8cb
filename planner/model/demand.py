"""Demand block: tokens/s flows from sites to demand streams (region x served model), only
between pairs within the stream's latency budget.

Equations (s site, k = (region r, model m) stream)::

    flow[s,k] defined only if RTT(s, r) <= budget[k]        RTT = 2 d route_factor / v_fibre
    sum_s flow[s,k] = demand[k]                              [Mtoken/s average]
    flow[s,k] <= demand[k] * open[s]                         only an open site serves
    sum_k flow[s,k] <= max_share * sum_k demand[k] * open[s] resilience policy (max_share_basis: tokens;
                                                             gpus / it_mw: planner/model/site_loss.py)

Evaluate mode only (:func:`add_unserved`, ``planner evaluate``: a plan's investments fixed, its
operation re-solved in another future): the demand row gains a priced slack::

    sum_s flow[s,k] + unserved[k] = demand[k]                [Mtoken/s average]
    penalty = sum_k unserved_price[k] * unserved[k]          [MUSD/yr], added to the objective
    unserved_price[k] = price[model of k] [USD/Mtok] * 8760 * 3600 / 1e6   [MUSD/yr per Mtoken/s]

``flow <= demand * open`` holds in every integer plan (a closed site has no GPUs, and no flow
exceeds its stream's demand); it is the strong facility-location form (x_ij <= d_j y_i) that
makes the LP relaxation pay a site's fixed costs in proportion to the share of a stream it
serves, not to the share of its campus it fills.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from planner.errors import InfeasibleError
from planner.model.inputs import ModelInputs
from planner.model.units import MUSD, Mtok_s, dimensionless, yr

SECONDS_PER_YEAR = 8760 * 3600.0


def add_demand(
    m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False, unserved: bool = False
) -> pyo.Block:
    """Add the demand block ``m.demand``; with ``elastic`` unmet demand is a priced slack (the
    explanation model); with ``unserved`` the evaluate-mode slack ``unserved[k]`` (priced by
    :func:`add_unserved`)."""
    b = pyo.Block()
    m.demand = b
    b.K = pyo.Set(dimen=2, initialize=inp.streams, ordered=True)
    b.SK = pyo.Set(dimen=3, initialize=[(s, r, mod) for s, (r, mod) in inp.flows], ordered=True)
    b.demand = pyo.Param(b.K, initialize=inp.demand, units=Mtok_s)
    b.flow = pyo.Var(b.SK, domain=pyo.NonNegativeReals, units=Mtok_s)
    if elastic:
        b.unmet = pyo.Var(b.K, domain=pyo.NonNegativeReals, units=Mtok_s)
    if unserved:
        b.unserved = pyo.Var(b.K, domain=pyo.NonNegativeReals, units=Mtok_s)
    by_stream: dict[tuple[str, str], list[tuple[str, str, str]]] = {k: [] for k in inp.streams}
    by_site: dict[str, list[tuple[str, str, str]]] = {s: [] for s in inp.sites}
    for s, r, mod in b.SK:
        by_stream[r, mod].append((s, r, mod))
        by_site[s].append((s, r, mod))

    def meet(b, r, mod):
        served = sum(b.flow[i] for i in by_stream[r, mod])
        if elastic:
            served = served + b.unmet[r, mod]
        if unserved:
            served = served + b.unserved[r, mod]
        if isinstance(served, int):  # no site in reach: explained before the model is built
            raise InfeasibleError(
                f"no candidate site is within {inp.latency_budget_ms[r, mod]:g} ms of region {r} for {mod}"
            )
        return served == b.demand[r, mod]

    b.meet = pyo.Constraint(b.K, rule=meet)
    site_open = m.site.open
    b.flow_needs_site = pyo.Constraint(
        b.SK, rule=lambda b, s, r, mod: b.flow[s, r, mod] <= b.demand[r, mod] * site_open[s]
    )
    share = inp.scenario.policy.max_share_per_site
    if share < 1.0 and inp.scenario.policy.max_share_basis == "tokens":
        b.max_share = pyo.Param(initialize=share, units=dimensionless)
        b.share_limit = pyo.Constraint(
            inp.sites,
            rule=lambda b, s: (
                (
                    sum(b.flow[i] for i in by_site[s])
                    <= b.max_share * sum(b.demand[k] for k in b.K) * site_open[s]
                )
                if by_site[s]
                else pyo.Constraint.Skip
            ),
        )
    b.served_at = pyo.Expression(inp.sites, rule=lambda b, s: sum(b.flow[i] for i in by_site[s]))
    return b


def add_unserved(m: pyo.ConcreteModel, price_usd_per_mtok: float | Mapping[str, float]) -> None:
    """Price the evaluate-mode slack ``m.demand.unserved`` (built by ``add_demand(..., unserved=True)``)
    and add it to the objective (call after the objective is built; cost objective only).

    ``price_usd_per_mtok``: one price [USD/Mtok] for every model, or one per served model id::

        unserved_price[k] = price[model of k] * 8760 * 3600 [s/yr] / 1e6 [USD/MUSD]   [MUSD/yr per Mtoken/s]
        unserved_cost     = sum_k unserved_price[k] * unserved[k]                     [MUSD/yr]
    """
    b = m.demand

    def price(mod: str) -> float:
        usd = price_usd_per_mtok if isinstance(price_usd_per_mtok, (int, float)) else price_usd_per_mtok[mod]
        return float(usd) * SECONDS_PER_YEAR / 1e6

    b.unserved_price = pyo.Param(
        b.K, initialize={k: price(k[1]) for k in b.K}, units=MUSD / yr / Mtok_s, mutable=True
    )
    b.unserved_cost = pyo.Expression(expr=sum(b.unserved_price[k] * b.unserved[k] for k in b.K))
    m.objective.expr = m.objective.expr + b.unserved_cost
