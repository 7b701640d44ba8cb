"""Losing a campus (``policy.site_loss_coverage``) and the share limit on GPUs or IT MW
(``policy.max_share_basis``).

Site loss. Every site s holds one degraded-mode allocation: its installed GPUs re-allocated
between served models (``hold``) and the backup tokens/s they would serve to each stream in
reach (``backup``). Losing any open site l, the backups of the other sites must cover the
coverage share X of every stream's peak; the binary ``open[l]`` on the right-hand side keeps the
rows linear (a closed l leaves them slack). Equations (k = (region r, model m) a stream)::

    (1 + spare) * sum_m hold[s,g,m] <= n_gpu[s,g]                          [GPU]
    sum_{k of m} backup[s,k] <= sum_g tps[g,m] * hold[s,g,m]               [Mtoken/s]
    sum_{s != l} backup[s,k] (+ shortfall[l,k]) >= X * peak[k] * open[l]   [Mtoken/s], every l, k

    backup[s,k] defined only if RTT(s, r) <= factor * budget[k]           factor = site_loss_latency_factor
    peak[k] = demand[k] * max_h shape[k,h]                                 each stream at its own peak hour

One allocation per site for the loss of any other site is a sufficient condition (one per lost
site is exact but takes N times the columns: 55,274 instead of 7,214 for the default scenario in
annual mode, whose LP relaxation then ran for minutes): the shares the plan really keeps,
re-allocated per loss, are in ``tables/site_loss.csv``
(:mod:`planner.results.site_loss`) and are at least X. Each stream at its own peak is the
coincident (conservative) reading of "every model's peak". Every column is indexed by its site
first, so the first two rows belong to the site's block and only the coverage rows couple sites:
the Lagrangian bound by site (:mod:`planner.model.lagrangian`) prices them like demand rows, and
rounding GPU blocks up (:mod:`planner.model.warmstart`) never violates them.

Share basis (``max_share_per_site`` = a, the tokens basis is in :mod:`planner.model.demand`)::

    gpus:  sum_g n_gpu[s,g]  <= a * sum_{s',g} n_gpu[s',g]            [GPU]
    it_mw: sum_c it_cap[s,c] <= a * sum_{s',c} it_cap[s',c]           [MW]
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.fleet import site_gpu_model
from planner.model.inputs import ModelInputs
from planner.model.units import GPU, Mtok_s, dimensionless


def stream_peaks(inp: ModelInputs) -> dict[tuple[str, str], float]:
    """Peak tokens/s of each stream [Mtoken/s]: demand x its highest hourly shape."""
    peak = dict.fromkeys(inp.streams, 0.0)
    for (k, _), f in inp.capacity_shape.items():
        peak[k] = max(peak[k], f)
    return {k: inp.demand[k] * peak[k] for k in inp.streams}


def loss_reach(inp: ModelInputs, factor: float) -> list[tuple[str, str, str]]:
    """(site, region, model) pairs within ``factor`` x the stream's latency budget."""
    return [
        (s, r, mod)
        for (r, mod) in inp.streams
        for s in inp.sites
        if inp.rtt_ms[s, r] <= factor * inp.latency_budget_ms[r, mod]
    ]


def add_site_loss(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block | None:
    """Add ``m.site_loss`` (needs ``m.site`` and ``m.fleet``) when ``policy.site_loss_coverage``
    is set and positive, and the share rows of a ``gpus``/``it_mw`` basis; None when neither."""
    pol = inp.scenario.policy
    coverage = pol.site_loss_coverage or 0.0
    basis = pol.max_share_basis if pol.max_share_per_site < 1.0 else "tokens"
    if coverage <= 0 and basis == "tokens":
        return None
    b = pyo.Block()
    m.site_loss = b
    if coverage > 0:
        _add_coverage(b, m, inp, coverage, elastic)
    if basis != "tokens":
        _add_share_basis(b, m, inp, basis, pol.max_share_per_site)
    return b


def _add_coverage(
    b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, coverage: float, elastic: bool
) -> None:
    """The three site-loss rows of the module docstring."""
    fleet, site = m.fleet, m.site
    reach = loss_reach(inp, inp.scenario.policy.site_loss_latency_factor)
    b.SK = pyo.Set(dimen=3, ordered=True, initialize=reach)
    models_at = {(s, mod) for s, _, mod in reach}
    b.SGM = pyo.Set(dimen=3, ordered=True, initialize=site_gpu_model(inp, models_at))
    b.coverage = pyo.Param(initialize=coverage, units=dimensionless, mutable=True)
    b.peak = pyo.Param(list(inp.streams), initialize=stream_peaks(inp), units=Mtok_s, within=pyo.Any)
    b.hold = pyo.Var(b.SGM, domain=pyo.NonNegativeReals, units=GPU)
    b.backup = pyo.Var(b.SK, domain=pyo.NonNegativeReals, units=Mtok_s)
    held: dict[tuple[str, str], list] = {}
    carried: dict[tuple[str, str], list] = {}
    for s, g, mod in b.SGM:
        held.setdefault((s, g), []).append(b.hold[s, g, mod])
        carried.setdefault((s, mod), []).append((g, b.hold[s, g, mod]))
    flows: dict[tuple[str, str], list] = {}
    reaching: dict[tuple[str, str], list[str]] = {k: [] for k in inp.streams}
    for s, r, mod in b.SK:
        flows.setdefault((s, mod), []).append(b.backup[s, r, mod])
        reaching[r, mod].append(s)
    b.gpus_held = pyo.Constraint(
        list(held), rule=lambda b, s, g: (1 + inp.spare_share) * sum(held[s, g]) <= fleet.n_gpu[s, g]
    )
    b.carry = pyo.Constraint(
        list(flows),
        rule=lambda b, s, mod: (
            sum(flows[s, mod]) <= sum(fleet.tps[g, mod] * v for g, v in carried.get((s, mod), []))
        ),
    )
    idx = [(lost, r, mod) for lost in inp.sites for r, mod in inp.streams]
    if elastic:
        b.shortfall = pyo.Var(idx, domain=pyo.NonNegativeReals, units=Mtok_s)

    def covered(b: pyo.Block, lost: str, r: str, mod: str) -> object:
        others = [b.backup[s, r, mod] for s in reaching[r, mod] if s != lost]
        lhs = sum(others) + (b.shortfall[lost, r, mod] if elastic else 0)
        if isinstance(lhs, (int, float)):  # nothing else can carry it: only a closed l is allowed
            return site.open[lost] * b.coverage * b.peak[r, mod] <= 0 * Mtok_s
        return lhs >= b.coverage * b.peak[r, mod] * site.open[lost]

    b.cover = pyo.Constraint(idx, rule=covered)


def _add_share_basis(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, basis: str, share: float) -> None:
    """``max_share_per_site`` on GPUs or IT MW (module docstring)."""
    site, fleet = m.site, m.fleet
    b.max_share = pyo.Param(initialize=share, units=dimensionless)
    if basis == "gpus":
        held = {s: sum(fleet.n_gpu[s, g] for g in inp.gpus) for s in inp.sites}  # [GPU]
    else:
        held = {s: sum(site.it_cap[s, c] for c in inp.coolings) for s in inp.sites}  # [MW]
    total = sum(held.values())
    b.share_limit = pyo.Constraint(inp.sites, rule=lambda b, s: held[s] <= b.max_share * total)
