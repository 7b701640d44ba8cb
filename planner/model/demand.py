"""Demand block: tokens/s flows from sites to demand streams (region x served model), only
between pairs within the stream's latency budget.

Equations (s site, k = (region r, model m) stream)::

    flow[s,k] defined only if RTT(s, r) <= budget[k]        RTT = 2 d route_factor / v_fibre
    sum_s flow[s,k] = demand[k]                              [Mtoken/s average]
    flow[s,k] <= demand[k] * open[s]                         only an open site serves
    sum_k flow[s,k] <= max_share * sum_k demand[k] * open[s] resilience policy (max_share_basis: tokens;
                                                             gpus / it_mw: planner/model/site_loss.py)

``flow <= demand * open`` holds in every integer plan (a closed site has no GPUs, and no flow
exceeds its stream's demand); it is the strong facility-location form (x_ij <= d_j y_i) that
makes the LP relaxation pay a site's fixed costs in proportion to the share of a stream it
serves, not to the share of its campus it fills.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.errors import InfeasibleError
from planner.model.inputs import ModelInputs
from planner.model.units import Mtok_s, dimensionless


def add_demand(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add the demand block ``m.demand``; with ``elastic`` unmet demand is a priced slack."""
    b = pyo.Block()
    m.demand = b
    b.K = pyo.Set(dimen=2, initialize=inp.streams, ordered=True)
    b.SK = pyo.Set(dimen=3, initialize=[(s, r, mod) for s, (r, mod) in inp.flows], ordered=True)
    b.demand = pyo.Param(b.K, initialize=inp.demand, units=Mtok_s)
    b.flow = pyo.Var(b.SK, domain=pyo.NonNegativeReals, units=Mtok_s)
    if elastic:
        b.unmet = pyo.Var(b.K, domain=pyo.NonNegativeReals, units=Mtok_s)
    by_stream: dict[tuple[str, str], list[tuple[str, str, str]]] = {k: [] for k in inp.streams}
    by_site: dict[str, list[tuple[str, str, str]]] = {s: [] for s in inp.sites}
    for s, r, mod in b.SK:
        by_stream[r, mod].append((s, r, mod))
        by_site[s].append((s, r, mod))

    def meet(b, r, mod):
        served = sum(b.flow[i] for i in by_stream[r, mod])
        if elastic:
            served = served + b.unmet[r, mod]
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
