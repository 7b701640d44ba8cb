"""Losing a campus (``policy.site_loss_coverage``) and the share limit on GPUs or IT MW
(``policy.max_share_basis``).

Site loss. For every candidate site l (the one lost) and every other site s, the GPUs installed
at s are re-allocated between served models (``hold``) and carry backup flows to the streams
within reach; the rows for l bind only when l is open (binary ``open[l]`` on the right-hand
side keeps them linear). Equations (k = (region r, model m) a stream, X = coverage)::

    (1 + spare) * sum_m hold[s,l,g,m] <= n_gpu[s,g]                    [GPU]      s != l
    sum_{k of m} backup[s,l,k] <= sum_g tps[g,m] * hold[s,l,g,m]       [Mtoken/s] s != l
    sum_{s != l} backup[s,l,k] (+ shortfall[l,k]) >= X * peak[k] * open[l]   [Mtoken/s]

    backup[s,l,k] defined only if RTT(s, r) <= factor * budget[k]     factor = site_loss_latency_factor
    peak[k] = demand[k] * max_h shape[k,h]                             each stream at its own peak hour

A closed l leaves its rows slack (right-hand side 0); a closed s has no GPUs, so it carries
nothing. Each stream at its own peak is the coincident (conservative) reading of "every
model's peak". Every column is indexed by the serving site s first, so the first two rows
belong to s's block and only the coverage row couples sites: the Lagrangian bound by site
(:mod:`planner.model.lagrangian`) prices it like a demand row, and rounding GPU blocks up
(:mod:`planner.model.warmstart`) never violates it.

Share basis (``max_share_per_site`` = a, the tokens basis is in :mod:`planner.model.demand`)::

    gpus:  sum_g n_gpu[s,g]  <= a * sum_{s',g} n_gpu[s',g]            [GPU]
    it_mw: sum_c it_cap[s,c] <= a * sum_{s',c} it_cap[s',c]           [MW]
"""

from __future__ import annotations

import pyomo.environ as pyo

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
    b.SLK = pyo.Set(
        dimen=4,
        ordered=True,
        initialize=[(s, lost, r, mod) for s, r, mod in reach for lost in inp.sites if lost != s],
    )
    models_at = {(s, mod) for s, _, mod in reach}
    b.SLGM = pyo.Set(
        dimen=4,
        ordered=True,
        initialize=[
            (s, lost, g, mod)
            for s in inp.sites
            for lost in inp.sites
            if lost != s
            for g in inp.gpus
            for mod in inp.models
            if (s, mod) in models_at and (g, mod) in inp.tps
        ],
    )
    b.coverage = pyo.Param(initialize=coverage, units=dimensionless, mutable=True)
    b.peak = pyo.Param(list(inp.streams), initialize=stream_peaks(inp), units=Mtok_s, within=pyo.Any)
    b.hold = pyo.Var(b.SLGM, domain=pyo.NonNegativeReals, units=GPU)
    b.backup = pyo.Var(b.SLK, domain=pyo.NonNegativeReals, units=Mtok_s)
    held: dict[tuple[str, str, str], list] = {}
    carried: dict[tuple[str, str, str], list] = {}
    for s, lost, g, mod in b.SLGM:
        held.setdefault((s, lost, g), []).append(b.hold[s, lost, g, mod])
        carried.setdefault((s, lost, mod), []).append((g, b.hold[s, lost, g, mod]))
    flows: dict[tuple[str, str, str], list] = {}
    cover: dict[tuple[str, str, str], list] = {}
    for s, lost, r, mod in b.SLK:
        flows.setdefault((s, lost, mod), []).append(b.backup[s, lost, r, mod])
        cover.setdefault((lost, r, mod), []).append(b.backup[s, lost, r, mod])
    b.gpus_held = pyo.Constraint(
        list(held),
        rule=lambda b, s, lost, g: (1 + inp.spare_share) * sum(held[s, lost, g]) <= fleet.n_gpu[s, g],
    )
    b.carry = pyo.Constraint(
        list(flows),
        rule=lambda b, s, lost, mod: (
            sum(flows[s, lost, mod]) <= sum(fleet.tps[g, mod] * v for g, v in carried.get((s, lost, mod), []))
        ),
    )
    idx = [(lost, r, mod) for lost in inp.sites for r, mod in inp.streams]
    if elastic:
        b.shortfall = pyo.Var(idx, domain=pyo.NonNegativeReals, units=Mtok_s)

    def covered(b: pyo.Block, lost: str, r: str, mod: str) -> object:
        lhs = sum(cover.get((lost, r, mod), [])) + (b.shortfall[lost, r, mod] if elastic else 0)
        if isinstance(lhs, (int, float)):  # nothing can carry it: only a closed lost is allowed
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
