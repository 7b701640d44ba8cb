"""GPU fleet block: purchasable blocks of GPUs per site, their allocation to served models,
and the IT power they draw.

Equations (s site, g GPU, m served model, k stream of model m)::

    n_gpu[s,g] = block[g] * blocks[s,g]                       blocks integer (8-GPU servers, 72-GPU racks)
    n_gpu[s,g] <= n_max[s,g] * sum_{c compatible with g} y[s,c]    liquid-only GPUs only under liquid cooling,
                                                                   rack kW within the cooling's limit
    (1 + spare) * sum_m alloc[s,g,m] <= n_gpu[s,g]            GPUs allocated at peak, plus spares
    capacity[s,m] = sum_g tps[g,m] * alloc[s,g,m]             tokens/s the allocated GPUs can serve
    capacity[s,m] >= sum_{k of m} shape[k,h] * flow[s,k]      for every hour h:
        tokens/s in the hour (stream shares fixed, each stream following its region's demand
        shape; in annual mode the 24 hours of the diurnal shape)
    it_cap[s]  = sum_c it_cap[s,c] >= sum_g node_W[g] * n_gpu[s,g]           all GPUs at nameplate power
    sum_c idle[s,c] = sum_g idle_W[g] * n_gpu[s,g]
    sum_g served[s,g,m] = sum_{k of m} flow[s,k]              average tokens/s, split by GPU type
    served[s,g,m] <= tps[g,m] * alloc[s,g,m]
    sum_c busy[s,m,c] = sum_g (busy_W[g] - idle_W[g]) / tps[g,m] * served[s,g,m]   busy W from tokens served
    idle[s,c] + sum_m busy[s,m,c] * max_t activity[s,m,t] <= it_cap[s,c]   (only under the chosen cooling)
    IT load in slice t: it_load[s,t] = sum_c (idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t])
        (busy power follows the tokens actually served, so a site serving regions that peak at
        different hours draws the busy energy of all its tokens; activity[s,m,t], mean 1, is the
        demand-weighted shape of the streams of m that s can reach; node_W, busy_W and idle_W include
        the scale-out network W per GPU)

Valid inequalities (LP strength only; see :func:`_add_cooling_covers`), C' a proper subset of the
coolings and G(C') the GPUs only C' can host::

    sum_{c in C'} it_cap[s,c] >= sum_{g in G(C')} node_W[g] n_gpu[s,g]   (and the same for idle W)

Power at load: a GPU serving at load u (the share of its time it is busy, served / (tps alloc))
draws P(u) = idle_W + (busy_W - idle_W) u, busy_W = the node power MLPerf's meter reads at full
load (:mod:`planner.chain.tokens.power`), so energy = busy_W x busy hours + idle_W x idle hours.
Nameplate node_W sizes the IT capacity, hence the electrical plant, cooling, firm capacity and grid tie.
"""

from __future__ import annotations

import math
from itertools import combinations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear
from planner.model.sites import ELASTIC_ROOM
from planner.model.units import GPU, MW, Mtok_s, dimensionless


def _max_blocks(inp: ModelInputs, s: str, g: str, room: float) -> int:
    """Upper bound on GPU blocks at a site: n_max[s,g] = floor(room * campus_MW[s] / (node_MW[g] * block[g]))
    [blocks], i.e. the campus filled with GPU ``g`` alone (``room`` > 1 only in the elastic model)."""
    return math.floor(room * inp.campus_mw[s] / (inp.gpu_node_mw[g] * inp.gpu_block[g]))


def add_fleet(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add the GPU fleet block ``m.fleet`` (needs ``m.site`` and ``m.demand``)."""
    b = pyo.Block()
    m.fleet = b
    _add_fleet_sets(b, inp)
    _add_gpu_blocks(b, m.site, inp, ELASTIC_ROOM if elastic else 1.0)
    _add_serving_capacity(b, m, inp)
    _add_gpu_power(b, m, inp)
    _add_cooling_covers(b, m.site, inp)
    return b


def site_gpu_model(inp: ModelInputs, site_models: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The (site, GPU, model) triples, in site, GPU, model order, whose (site, model) pair is in
    ``site_models`` and whose GPU can serve the model (it has a tokens/s figure)."""
    return [
        (s, g, mod)
        for s in inp.sites
        for g in inp.gpus
        for mod in inp.models
        if (s, mod) in site_models and (g, mod) in inp.tps
    ]


def _add_fleet_sets(b: pyo.Block, inp: ModelInputs) -> None:
    """GPUs ``G``, served models ``M``, the (site, GPU, model) and (site, model) pairs that can
    serve a stream, and the per-GPU parameters: nameplate node, metered busy and idle power
    [MW/GPU], block size [GPU],
    tokens/s [Mtoken/s per GPU] and the fleet's peak-to-average ratio [-]."""
    b.G = pyo.Set(initialize=inp.gpus, ordered=True)
    b.M = pyo.Set(initialize=inp.models, ordered=True)
    served_at = {(s, mod) for s, (_, mod) in inp.flows}
    b.SGM = pyo.Set(dimen=3, ordered=True, initialize=site_gpu_model(inp, served_at))
    b.SM = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=sorted(served_at, key=lambda x: (inp.sites.index(x[0]), inp.models.index(x[1]))),
    )
    b.node_mw = pyo.Param(b.G, initialize=inp.gpu_node_mw, units=MW / GPU)
    b.idle_mw = pyo.Param(b.G, initialize=inp.gpu_idle_mw, units=MW / GPU)
    b.busy_mw = pyo.Param(b.G, initialize=inp.gpu_busy_mw, units=MW / GPU)
    b.block = pyo.Param(b.G, initialize=inp.gpu_block, units=GPU)
    b.tps = pyo.Param(list(inp.tps), initialize=inp.tps, units=Mtok_s / GPU, within=pyo.Any)
    b.peak_to_avg = pyo.Param(initialize=inp.peak_to_average, units=dimensionless)


def _add_gpu_blocks(b: pyo.Block, site: pyo.Block, inp: ModelInputs, room: float) -> None:
    """Purchasable GPU blocks, the cooling that can host them, and their allocation to models.

    Equations::

        n_gpu[s,g] = block[g] * blocks[s,g]                             [GPU], blocks integer
        blocks[s,g] <= n_max[s,g] * sum_{c compatible with g} y[s,c]    [blocks]
        (1 + spare) * sum_m alloc[s,g,m] <= n_gpu[s,g]                   [GPU]
    """
    b.blocks = pyo.Var(
        site.S, b.G, domain=pyo.NonNegativeIntegers, bounds=lambda _, s, g: (0, _max_blocks(inp, s, g, room))
    )
    b.alloc = pyo.Var(b.SGM, domain=pyo.NonNegativeReals, units=GPU)
    b.n_gpu = pyo.Expression(site.S, b.G, rule=lambda b, s, g: b.block[g] * b.blocks[s, g])

    def compatible_cooling(b: pyo.Block, s: str, g: str) -> object:
        ok = [c for c in site.C if inp.compatible[g, c]]
        n_max = _max_blocks(inp, s, g, room)
        if len(ok) == len(site.C):
            return pyo.Constraint.Skip  # every cooling option can host g
        return b.blocks[s, g] <= n_max * sum(site.y[s, c] for c in ok)

    b.cooling_hosts_gpu = pyo.Constraint(site.S, b.G, rule=compatible_cooling)
    b.allocation = pyo.Constraint(
        site.S,
        b.G,
        rule=lambda b, s, g: (
            (1 + inp.spare_share) * sum(b.alloc[s, g, mod] for mod in b.M if (s, g, mod) in b.SGM)
            <= b.n_gpu[s, g]
        ),
    )


def _add_serving_capacity(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """Tokens/s the allocated GPUs serve, enough in every hour, and IT capacity for all GPUs.

    Equations::

        capacity[s,m] = sum_g tps[g,m] * alloc[s,g,m]                       [Mtoken/s]
        capacity[s,m] >= sum_{k of m} shape[k,h] * flow[s,k]   for every hour h   [Mtoken/s]
        sum_c it_cap[s,c] >= sum_g node_MW[g] * n_gpu[s,g]                  [MW]
    """
    site = m.site
    hours = sorted({h for (_, h) in inp.capacity_shape})
    b.shape = pyo.Param(
        list(inp.capacity_shape), initialize=inp.capacity_shape, units=dimensionless, within=pyo.Any
    )
    flows_at = {
        (s, mod): [(s2, r, mod2) for (s2, r, mod2) in m.demand.SK if s2 == s and mod2 == mod]
        for s, mod in b.SM
    }

    b.capacity = pyo.Var(b.SM, domain=pyo.NonNegativeReals, units=Mtok_s)
    b.capacity_def = pyo.Constraint(
        b.SM,
        rule=lambda b, s, mod: (
            b.capacity[s, mod] == sum(b.tps[g, mod] * b.alloc[s, g, mod] for g in b.G if (s, g, mod) in b.SGM)
        ),
    )

    shape, flow = inp.capacity_shape, m.demand.flow

    def peak_capacity(b: pyo.Block, s: str, mod: str, h: int) -> object:
        return b.capacity[s, mod] >= linear(
            (shape[(r, mod), h], flow[s, r, mod]) for (_, r, _) in flows_at[s, mod]
        )

    b.peak_capacity = pyo.Constraint(b.SM, hours, rule=peak_capacity)
    b.it_cap_covers_gpus = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            sum(site.it_cap[s, c] for c in site.C) >= sum(b.node_mw[g] * b.n_gpu[s, g] for g in b.G)
        ),
    )


def _add_gpu_power(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """Idle and busy GPU power split by cooling (only the chosen cooling's share can be non-zero).

    Equations::

        sum_c idle[s,c] = sum_g idle_MW[g] * n_gpu[s,g]                                   [MW]
        sum_g served[s,g,m] = sum_{k of m} flow[s,k];  served[s,g,m] <= tps[g,m] alloc[s,g,m]  [Mtoken/s]
        sum_c busy[s,m,c] = sum_g (busy_MW[g] - idle_MW[g]) / tps[g,m] * served[s,g,m]     [MW]
        idle[s,c] + sum_m busy[s,m,c] * max_t activity[s,m,t] <= it_cap[s,c]               [MW]
    """
    site = m.site
    _add_served_tokens(b, m)
    T = list(range(inp.slices.n))
    b.idle_power = pyo.Var(site.S, site.C, domain=pyo.NonNegativeReals, units=MW)
    b.busy_power = pyo.Var(b.SM, site.C, domain=pyo.NonNegativeReals, units=MW)
    b.idle_def = pyo.Constraint(
        site.S,
        rule=lambda b, s: (
            sum(b.idle_power[s, c] for c in site.C) == sum(b.idle_mw[g] * b.n_gpu[s, g] for g in b.G)
        ),
    )
    b.busy_def = pyo.Constraint(
        b.SM,
        rule=lambda b, s, mod: (
            sum(b.busy_power[s, mod, c] for c in site.C)
            == sum(
                (b.busy_mw[g] - b.idle_mw[g]) / b.tps[g, mod] * b.served[s, g, mod]
                for g in b.G
                if (s, g, mod) in b.SGM
            )
        ),
    )
    models_at = {s: [mod for (s2, mod) in b.SM if s2 == s] for s in inp.sites}
    peak_activity = {(s, mod): max(inp.activity_shape[s, mod, t] for t in T) for s, mod in b.SM}
    b.peak_activity = pyo.Param(b.SM, initialize=peak_activity, units=dimensionless)
    b.load_under_cooling = pyo.Constraint(
        site.S,
        site.C,
        rule=lambda b, s, c: (
            b.idle_power[s, c]
            + sum(b.busy_power[s, mod, c] * b.peak_activity[s, mod] for mod in models_at[s])
            <= site.it_cap[s, c]
        ),
    )


def _add_served_tokens(b: pyo.Block, m: pyo.ConcreteModel) -> None:
    """Average tokens/s each GPU type serves per site and model, within what it can serve.

    Equations::

        sum_g served[s,g,m] = sum_{k of m} flow[s,k]        [Mtoken/s], flows are annual averages
        served[s,g,m] <= tps[g,m] * alloc[s,g,m]            [Mtoken/s]
    """
    flows_at: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for s, r, mod in m.demand.SK:
        flows_at.setdefault((s, mod), []).append((s, r, mod))
    gpus_at: dict[tuple[str, str], list[str]] = {}
    for s, g, mod in b.SGM:
        gpus_at.setdefault((s, mod), []).append(g)
    b.served = pyo.Var(b.SGM, domain=pyo.NonNegativeReals, units=Mtok_s)
    b.served_total = pyo.Constraint(
        b.SM,
        rule=lambda b, s, mod: (
            sum(b.served[s, g, mod] for g in gpus_at.get((s, mod), []))
            == sum(m.demand.flow[k] for k in flows_at.get((s, mod), []))
        ),
    )
    b.served_within_allocation = pyo.Constraint(
        b.SGM, rule=lambda b, s, g, mod: b.served[s, g, mod] <= b.tps[g, mod] * b.alloc[s, g, mod]
    )


def cooling_subsets(inp: ModelInputs) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Proper subsets C' of the coolings with the GPUs that only they can host:
    ``(C', G(C'))``, G(C') = {g : every cooling compatible with g is in C'} non-empty."""
    out = []
    for k in range(1, len(inp.coolings)):
        for sub in combinations(inp.coolings, k):
            only = tuple(g for g in inp.gpus if all(c in sub for c in inp.coolings if inp.compatible[g, c]))
            if only:
                out.append((sub, only))
    return out


def _add_cooling_covers(b: pyo.Block, site: pyo.Block, inp: ModelInputs) -> None:
    """Valid inequalities that tie GPUs to the coolings able to host them (they tighten the LP
    relaxation, in which y[s,c] may be fractional and IT capacity split across coolings).

    For every proper subset C' of the coolings and the GPUs G(C') only C' can host::

        sum_{c in C'} it_cap[s,c]     >= sum_{g in G(C')} node_MW[g] n_gpu[s,g]              [MW]
        sum_{c in C'} idle_power[s,c] >= sum_{g in G(C')} idle_MW[g] n_gpu[s,g]              [MW]

    Valid: in an integer plan one cooling c* holds all IT and power; if any g in G(C') is
    installed then c* is in C' and each left side is the site's whole capacity or idle power.
    """
    subsets = cooling_subsets(inp)
    idx = [(s, j) for s in inp.sites for j in range(len(subsets))]
    b.cover_it = pyo.Constraint(
        idx,
        rule=lambda b, s, j: (
            sum(site.it_cap[s, c] for c in subsets[j][0])
            >= sum(b.node_mw[g] * b.n_gpu[s, g] for g in subsets[j][1])
        ),
    )
    b.cover_idle = pyo.Constraint(
        idx,
        rule=lambda b, s, j: (
            sum(b.idle_power[s, c] for c in subsets[j][0])
            >= sum(b.idle_mw[g] * b.n_gpu[s, g] for g in subsets[j][1])
        ),
    )
