"""Per-model and per-region accounts: ``tables/models.csv`` and ``tables/regions.csv``.

Every site's quantities are split between the served models it hosts, then each model's share
between the regions its flows go to; the rows of either table add up to ``summary.json``.

Allocation rule (s site, g GPU type, m served model, r region)::

    gpus[s,g,m]  = n_gpu[s,g] * alloc[s,g,m] / sum_m' alloc[s,g,m']   installed GPUs (spares and block
                   rounding included) by GPUs allocated at peak
    GPU-driven:  the site's GPU cost and GPU embodied carbon, per type, by gpus[s,g,m]
    it_share[s,m] = sum_g node_W[g] gpus[s,g,m] / sum_g node_W[g] n_gpu[s,g]   nameplate IT of m's GPUs
    site costs:  site development, building/electrical/land, cooling, generation, grid tie,
                 battery, backup and bridge power, the other embodied carbon; IT MW and peak
                 facility MW: by it_share[s,m]
    energy[s,m] = sum_t share_t sum_c PUE[s,c,t] (idle[s,c] idle_share[s,m] + busy[s,m,c] activity[s,m,t])
                 [MW average]: the facility power m's tokens draw (busy power of its tokens served,
                 idle power of its GPUs, idle_share by sum_g idle_W[g] gpus[s,g,m]); sum_m = facility_avg[s]
    energy-driven: fuel and variable O&M, grid energy, water, carbon price, operational and
                 upstream emissions: by energy[s,m] / facility_avg[s]
    region r of m at s: by flow[s,r,m] / sum_r' flow[s,r',m]

Fallbacks keep the sums exact: a site x GPU with nothing allocated (GPUs held only for
``policy.site_loss_coverage``) is split like the site's allocated IT, a site with no allocation
like the whole fleet's, and a site x model without flows like the model's flows fleet-wide.
Ratios: $/Mtok = cost / (tokens/s x 8760 x 3600 / 1e6); J/token = facility MW avg x 1e6 / tokens/s;
gCO2e/Mtok = t/yr x 1e6 / Mtok per year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate

SECONDS_PER_YEAR = 8760 * 3600.0
ENERGY_CATEGORIES = ("fuel_and_vom", "grid_energy")
"""Cost categories split by the energy each model's tokens draw (with water and carbon price)."""
GPU_CATEGORIES = ("gpus",)
"""Cost categories split by GPUs allocated; every other category by IT share."""
SUMS = [
    "tokens_per_s",
    "gpus",
    "it_mw",
    "facility_mw",
    "facility_avg_mw",
    "energy_mwh_per_yr",
    "gpu_cost_usd",
    "site_cost_usd",
    "energy_cost_usd",
    "annualized_cost_usd",
    "emissions_t_per_yr",
]
"""Columns that add up over the rows of either table (and the GPU-type columns)."""


def _v(x: object) -> float:
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def _norm(weights: Mapping[str, float], fallback: Mapping[str, float]) -> dict[str, float]:
    """``weights`` scaled to sum 1, or ``fallback`` if they sum to (about) 0."""
    total = sum(weights.values())
    if total <= 1e-12:
        return dict(fallback)
    return {k: v / total for k, v in weights.items()}


class _Plan:
    """The solved values the accounts need, per site, GPU and model."""

    def __init__(self, m: pyo.ConcreteModel, inp: ModelInputs) -> None:
        f = m.fleet
        self.n = {(s, g): _v(f.n_gpu[s, g]) for s in inp.sites for g in inp.gpus}
        self.alloc = {k: _v(f.alloc[k]) for k in f.SGM}
        self.flow = {k: _v(m.demand.flow[k]) * 1e6 for k in m.demand.SK}
        models = inp.models
        it = {s: dict.fromkeys(models, 0.0) for s in inp.sites}
        for (s, g, mod), a in self.alloc.items():
            it[s][mod] += inp.gpu_node_mw[g] * a
        tokens = defaultdict(float)
        for (_, _, mod), x in self.flow.items():
            tokens[mod] += x
        fleet = {mod: sum(it[s][mod] for s in inp.sites) for mod in models}
        self.fleet_weight = _norm(fleet, _norm(tokens, {mod: 1 / len(models) for mod in models}))
        self.site_weight = {s: _norm(it[s], self.fleet_weight) for s in inp.sites}
        self.gpus = {}  # (s, g, m) -> installed GPUs split by allocation
        for s, g in self.n:
            alloc = {mod: self.alloc.get((s, g, mod), 0.0) for mod in models}
            for mod, w in _norm(alloc, self.site_weight[s]).items():
                self.gpus[s, g, mod] = self.n[s, g] * w


def _share(inp: ModelInputs, plan: _Plan, s: str, per_gpu: Mapping[str, float]) -> dict[str, float]:
    """Share of site ``s`` of a quantity proportional to sum_g per_gpu[g] gpus[s,g,m]."""
    weights = {mod: sum(per_gpu[g] * plan.gpus[s, g, mod] for g in inp.gpus) for mod in inp.models}
    return _norm(weights, plan.site_weight[s])


def _energy(
    m: pyo.ConcreteModel, inp: ModelInputs, s: str, idle_share: Mapping[str, float]
) -> dict[str, float]:
    """Facility power each model draws at site ``s`` on average [MW] (module docstring)."""
    w = np.asarray(inp.slices.weight_h, dtype=float)
    share_t = w / w.sum()
    n = inp.slices.n
    out = dict.fromkeys(inp.models, 0.0)
    for c in inp.coolings:
        pue = np.array([inp.pue_t[s, c, t] for t in range(n)])
        idle = _v(m.fleet.idle_power[s, c]) * float(share_t @ pue)
        for mod in inp.models:
            out[mod] += idle * idle_share[mod]
            if (s, mod) in m.fleet.SM:
                act = np.array([inp.activity_shape[s, mod, t] for t in range(n)])
                out[mod] += _v(m.fleet.busy_power[s, mod, c]) * float(share_t @ (pue * act))
    return out


def site_model_accounts(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """One row per (site, model): the site's quantities split by the allocation rule."""
    plan, cost = _Plan(m, inp), m.cost
    hours = float(np.sum(inp.slices.weight_h))
    gpu_annual = {g: inp.gpu_annual_musd[g] for g in inp.gpus}
    rows = []
    for s in inp.sites:
        it_share = _share(inp, plan, s, inp.gpu_node_mw)
        gpu_share = _share(inp, plan, s, gpu_annual)
        emb_share = _share(inp, plan, s, inp.gpu_embodied_t_per_yr)
        power = _energy(m, inp, s, _share(inp, plan, s, inp.gpu_idle_mw))
        e_share = _norm(power, it_share)
        cats = {k: _v(cost.site_category[s, k]) * 1e6 for k in cost.K}
        energy_cost = sum(cats[k] for k in ENERGY_CATEGORIES)
        energy_cost += (_v(cost.water_cost_site[s]) + _v(cost.carbon_cost_site[s])) * 1e6
        gpu_cost = sum(cats[k] for k in GPU_CATEGORIES)
        site_cost = sum(v for k, v in cats.items() if k not in ENERGY_CATEGORIES + GPU_CATEGORIES)
        gpu_emb = sum(inp.gpu_embodied_t_per_yr[g] * plan.n[s, g] for g in inp.gpus)
        emb_rest = _v(cost.emissions_embodied_site[s]) - gpu_emb
        oper = _v(cost.emissions_operational_site[s]) + _v(cost.emissions_upstream_site[s])
        it_cap = sum(_v(m.site.it_cap[s, c]) for c in inp.coolings)
        fac_peak, fac_avg = _v(m.site.facility_peak[s]), _v(m.site.facility_avg[s])
        for mod in inp.models:
            tokens = sum(x for (s2, _, m2), x in plan.flow.items() if s2 == s and m2 == mod)
            row = {"site_id": s, "model_id": mod, "tokens_per_s": tokens}
            row |= {f"gpus_{g}": plan.gpus[s, g, mod] for g in inp.gpus}
            row |= {
                "it_mw": it_cap * it_share[mod],
                "facility_mw": fac_peak * it_share[mod],
                "facility_avg_mw": fac_avg * e_share[mod],
                "energy_mwh_per_yr": fac_avg * e_share[mod] * hours,
                "gpu_cost_usd": gpu_cost * gpu_share[mod],
                "site_cost_usd": site_cost * it_share[mod],
                "energy_cost_usd": energy_cost * e_share[mod],
                "emissions_t_per_yr": oper * e_share[mod]
                + gpu_emb * emb_share[mod]
                + emb_rest * it_share[mod],
            }
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame["annualized_cost_usd"] = frame[["gpu_cost_usd", "site_cost_usd", "energy_cost_usd"]].sum(axis=1)
    return frame


def _region_split(frame: pd.DataFrame, m: pyo.ConcreteModel) -> pd.DataFrame:
    """(site, model) rows split into (site, region, model) rows by flow share (fallback: the
    model's flows fleet-wide)."""
    flows = pd.DataFrame(
        [(s, r, mod, _v(m.demand.flow[s, r, mod]) * 1e6) for s, r, mod in m.demand.SK],
        columns=["site_id", "region_id", "model_id", "flow"],
    )
    by_model = flows.groupby(["model_id", "region_id"])["flow"].sum()
    out = []
    values = [c for c in frame.columns if c not in ("site_id", "model_id")]
    for row in frame.itertuples(index=False):
        mine = flows[(flows["site_id"] == row.site_id) & (flows["model_id"] == row.model_id)]
        weights = dict(zip(mine["region_id"], mine["flow"]))
        fallback = by_model.get(row.model_id, pd.Series(dtype=float))
        share = _norm(weights, _norm(fallback.to_dict(), {}))
        for region, w in share.items():
            part = {c: getattr(row, c) * w for c in values}
            out.append({"region_id": region, "model_id": row.model_id} | part)
    return pd.DataFrame(out)


def _finish(frame: pd.DataFrame, key: str, gpus: list[str]) -> pd.DataFrame:
    """Sum by ``key``, add total GPUs and the ratios ($/Mtok, J/token, gCO2e/Mtok)."""
    cols = [c for c in SUMS if c != "gpus"] + [f"gpus_{g}" for g in gpus]
    out = frame.groupby(key, sort=False)[cols].sum().reset_index()
    out["gpus"] = out[[f"gpus_{g}" for g in gpus]].sum(axis=1)
    mtok = out["tokens_per_s"] * SECONDS_PER_YEAR / 1e6
    served = out["tokens_per_s"] > 0
    out["token_share"] = out["tokens_per_s"] / out["tokens_per_s"].sum()
    out["cost_usd_per_mtok"] = np.where(served, out["annualized_cost_usd"] / mtok.where(served, 1), np.nan)
    out["facility_joules_per_token"] = np.where(
        served, out["facility_avg_mw"] * 1e6 / out["tokens_per_s"].where(served, 1), np.nan
    )
    out["gco2e_per_mtok"] = np.where(served, out["emissions_t_per_yr"] * 1e6 / mtok.where(served, 1), np.nan)
    order = [key, "tokens_per_s", "token_share", "gpus", *[f"gpus_{g}" for g in gpus]]
    order += [c for c in SUMS if c not in ("tokens_per_s", "gpus")]
    order += ["cost_usd_per_mtok", "facility_joules_per_token", "gco2e_per_mtok"]
    return out[order]


def account_tables(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, pd.DataFrame]:
    """``models`` (one row per served model) and ``regions`` (one row per demand region)."""
    frame = site_model_accounts(m, inp)
    used = [g for g in inp.gpus if frame[f"gpus_{g}"].sum() > 0.5]
    frame = frame.drop(columns=[f"gpus_{g}" for g in inp.gpus if g not in used])
    return {
        "models": _finish(frame, "model_id", used),
        "regions": _finish(_region_split(frame, m), "region_id", used),
    }
