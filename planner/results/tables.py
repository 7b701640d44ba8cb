"""Results layer: turn a solved model into tidy pandas tables and the tokenomics summary.

Everything is read from the solved Pyomo model's variables and its accounting
expressions (``m.cost``), so the tables add up to the objective by construction.
Units in column names: ``_mw``, ``_mwh``, ``_usd``, ``_per_s``, ``_ml`` ...
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.chain import physics
from planner.model.bridge import bridge_capex_musd
from planner.model.capex_adders import CAPEX_ADDER_CATEGORIES, adder_capex_musd
from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate
from planner.model.objective import COST_CATEGORIES
from planner.model.redundancy import backup_capex_musd
from planner.results.capex import capex_by_category
from planner.results.carbon_accounts import carbon_accounts
from planner.results.gas_costs import gas_capex_musd
from planner.results.it_load import it_items_w

SECONDS_PER_YEAR = 8760 * 3600.0
V = pyo.value


def _v(x: Any) -> float:
    """Numeric value of a Pyomo expression or number (0 for None)."""
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def site_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """One row per candidate site: open, cooling, MW, GPUs, tokens/s, cost, carbon, water."""
    rows = []
    for s in inp.sites:
        opened = _v(m.site.open[s]) > 0.5
        cooling = next((c for c in inp.coolings if _v(m.site.y[s, c]) > 0.5), "")
        it_cap = sum(_v(m.site.it_cap[s, c]) for c in inp.coolings)
        it_avg = sum(_v(m.site.it_avg[s, c]) for c in inp.coolings)
        served = _v(m.demand.served_at[s]) * 1e6
        annual = _v(m.cost.site_total[s]) * 1e6
        emissions = (
            _v(m.cost.emissions_operational_site[s])
            + _v(m.cost.emissions_upstream_site[s])
            + _v(m.cost.emissions_embodied_site[s])
        )
        tokens_per_year = served * SECONDS_PER_YEAR
        d = inp.site_data.loc[s]
        rows.append(
            {
                "site_id": s,
                "name": d["name"],
                "lat": d["lat"],
                "lon": d["lon"],
                "open": opened,
                "cooling_id": cooling,
                "pue": inp.pue[s, cooling] if cooling else np.nan,
                "it_mw": it_cap,
                "it_avg_mw": it_avg,
                "facility_peak_mw": _v(m.site.facility_peak[s]),
                "facility_avg_mw": _v(m.site.facility_avg[s]),
                "gpus": sum(_v(m.fleet.n_gpu[s, g]) for g in inp.gpus),
                "tokens_per_s": served,
                "grid_connection_mw": _v(m.energy.grid_cap[s]),
                "water_ml_per_yr": _v(m.policy.water[s]),
                "emissions_t_per_yr": emissions,
                "annualized_cost_usd": annual,
                "cost_usd_per_mtok": annual / (tokens_per_year / 1e6) if served > 0 else np.nan,
                "gco2e_per_mtok": emissions * 1e6 / (tokens_per_year / 1e6) if served > 0 else np.nan,
                "facility_joules_per_token": _v(m.site.facility_avg[s]) * 1e6 / served
                if served > 0
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def fleet_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """One row per (site, GPU, model) allocation, and per installed (site, GPU) with no model.

    ``blocks`` and ``gpus_installed`` belong to the (site, GPU) pair: they are written on its first
    row only (empty on its other model rows), so summing the column counts every GPU once.
    """
    rows = []
    for s in inp.sites:
        for g in inp.gpus:
            n = _v(m.fleet.n_gpu[s, g])
            if n < 0.5:
                continue
            allocated = [
                (mod, _v(m.fleet.alloc[s, g, mod])) for mod in inp.models if (s, g, mod) in m.fleet.SGM
            ]
            base = {
                "site_id": s,
                "gpu_id": g,
                "status": inp.gpu_status.get(g, ""),
                "cooling_id": next((c for c in inp.coolings if _v(m.site.y[s, c]) > 0.5), ""),
                "blocks": _v(m.fleet.blocks[s, g]),
                "gpus_installed": n,
            }
            for mod, a in allocated:
                if a > 1e-6:
                    tps = inp.tps[g, mod] * 1e6
                    rows.append(
                        base
                        | {
                            "model_id": mod,
                            "gpus_allocated_peak": a,
                            "tokens_per_s_per_gpu": tps,
                            "tokens_per_s_capacity": a * tps,
                        }
                    )
            if not any(a > 1e-6 for _, a in allocated):
                rows.append(
                    base
                    | {
                        "model_id": "",
                        "gpus_allocated_peak": 0.0,
                        "tokens_per_s_per_gpu": 0.0,
                        "tokens_per_s_capacity": 0.0,
                    }
                )
    cols = [
        "site_id",
        "gpu_id",
        "status",
        "cooling_id",
        "blocks",
        "gpus_installed",
        "model_id",
        "gpus_allocated_peak",
        "tokens_per_s_per_gpu",
        "tokens_per_s_capacity",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    repeat = frame.duplicated(["site_id", "gpu_id"])
    frame.loc[repeat, ["blocks", "gpus_installed"]] = np.nan
    return frame


def energy_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """One row per (site, technology) with capacity > 0: MW (MWh for battery energy), generation, CF,
    curtailment."""
    e_blk, w = m.energy, inp.slices.weight_h
    rows = []
    for s in inp.sites:
        for e in inp.generators:
            cap = _v(e_blk.cap[s, e])
            if cap < 1e-6:
                continue
            gen = np.array([_v(e_blk.gen[s, e, t]) for t in range(inp.slices.n)])
            avail = np.array([inp.availability[s, e, t] for t in range(inp.slices.n)])
            mods = (
                _v(e_blk.modules[s, e]) if hasattr(e_blk, "modules") and (s, e) in e_blk.modules else np.nan
            )
            energy = float((gen * w).sum())
            rows.append(
                {
                    "site_id": s,
                    "tech_id": e,
                    "kind": inp.tech_kind[e],
                    "capacity_mw": cap,
                    "modules": mods,
                    "energy_mwh": np.nan,
                    "generation_mwh_per_yr": energy,
                    "capacity_factor": energy / (cap * w.sum()),
                    "curtailed_mwh_per_yr": float(((avail * cap - gen) * w).sum())
                    if inp.tech_kind[e] in ("pv", "wind")
                    else 0.0,
                }
            )
        grid = _v(e_blk.grid_cap[s])
        if grid > 1e-6:
            imports = float(sum(_v(e_blk.grid[s, t]) * w[t] for t in range(inp.slices.n)))
            rows.append(
                {
                    "site_id": s,
                    "tech_id": "grid",
                    "kind": "grid",
                    "capacity_mw": grid,
                    "modules": np.nan,
                    "energy_mwh": np.nan,
                    "generation_mwh_per_yr": imports,
                    "capacity_factor": imports / (grid * w.sum()),
                    "curtailed_mwh_per_yr": 0.0,
                }
            )
        if inp.storage and _v(e_blk.st_power[s]) > 1e-6:
            out = float(sum(_v(e_blk.discharge[s, t]) * w[t] for t in range(inp.slices.n)))
            rows.append(
                {
                    "site_id": s,
                    "tech_id": "battery",
                    "kind": "battery",
                    "capacity_mw": _v(e_blk.st_power[s]),
                    "modules": np.nan,
                    "energy_mwh": _v(e_blk.st_energy[s]),
                    "generation_mwh_per_yr": out,
                    "capacity_factor": out / (_v(e_blk.st_power[s]) * w.sum()),
                    "curtailed_mwh_per_yr": 0.0,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "tech_id",
            "kind",
            "capacity_mw",
            "modules",
            "energy_mwh",
            "generation_mwh_per_yr",
            "capacity_factor",
            "curtailed_mwh_per_yr",
        ],
    )


def dispatch_table(m: pyo.ConcreteModel, inp: ModelInputs, open_sites: list[str]) -> pd.DataFrame:
    """Per open site and time slice: facility and IT load and each supply term [MW], battery state of
    charge [MWh] (:func:`slice_soc`)."""
    e_blk, sl = m.energy, inp.slices
    rows = []
    for s in open_sites:
        soc = slice_soc(m, inp, s)
        for t in range(sl.n):
            row = {
                "site_id": s,
                "slice": t,
                "day": int(sl.day[t]),
                "hour": int(sl.hour[t]),
                "weight_h": float(sl.weight_h[t]),
                "facility_mw": _v(m.site.facility[s, t]),
                "it_mw": _v(m.site.it_load[s, t]),
                "grid_mw": _v(e_blk.grid[s, t]),
            }
            for e in inp.generators:
                row[f"{e}_mw"] = _v(e_blk.gen[s, e, t])
            row["charge_mw"] = _v(e_blk.charge[s, t]) if inp.storage else 0.0
            row["discharge_mw"] = _v(e_blk.discharge[s, t]) if inp.storage else 0.0
            row["soc_mwh"] = soc[t] if inp.storage else 0.0
            row["curtailed_mw"] = sum(
                inp.availability[s, e, t] * _v(e_blk.cap[s, e]) - _v(e_blk.gen[s, e, t])
                for e in inp.generators
                if inp.tech_kind[e] in ("pv", "wind")
            )
            rows.append(row)
    return pd.DataFrame(rows)


def flow_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """Tokens/s served from each site to each (region, model) stream, with distance and round trip."""
    rows = []
    for s, r, mod in m.demand.SK:
        f = _v(m.demand.flow[s, r, mod]) * 1e6
        if f > 1e-3:
            d = inp.site_data.loc[s]
            rows.append(
                {
                    "site_id": s,
                    "region_id": r,
                    "model_id": mod,
                    "tokens_per_s": f,
                    "rtt_ms": inp.rtt_ms[s, r],
                    "latency_budget_ms": inp.latency_budget_ms[r, mod],
                    "site_lat": d["lat"],
                    "site_lon": d["lon"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "region_id",
            "model_id",
            "tokens_per_s",
            "rtt_ms",
            "latency_budget_ms",
            "site_lat",
            "site_lon",
        ],
    )


def pipeline_table(
    m: pyo.ConcreteModel, inp: ModelInputs, sites: pd.DataFrame, energy: pd.DataFrame
) -> pd.DataFrame:
    """The physics chain per open site, annual averages: photons/s and CH4 molecules/s in,
    W electric -> W facility -> W IT (itemised by :func:`it_items_w`) -> FLOP/s -> tokens/s out.
    FLOP/s = sum_{g,m} tokens/s served by GPU g for model m x FLOP/token[g,m] (``m.fleet.served``)."""
    rows = []
    hours = inp.slices.weight_h.sum()
    flop_per_token = {(r.gpu_id, r.model_id): r.flop_per_token for r in inp.throughput.itertuples()}
    for row in sites[sites["open"]].itertuples():
        s = row.site_id
        e_site = energy[energy["site_id"] == s]
        pv_w = e_site.loc[e_site["kind"] == "pv", "generation_mwh_per_yr"].sum() / hours * 1e6
        gas = e_site[e_site["kind"] == "gas"]
        ch4 = sum(
            physics.ch4_molecules_per_s(
                r.generation_mwh_per_yr / hours * 1e6, inp.heat_rate_mmbtu_per_mwh[r.tech_id]
            )
            for r in gas.itertuples()
        )
        flops = sum(
            _v(m.fleet.served[s, g, mod]) * 1e6 * flop_per_token[g, mod]
            for g in inp.gpus
            for mod in inp.models
            if (s, g, mod) in m.fleet.SGM
        )
        rows.append(
            {
                "site_id": s,
                "pv_photons_per_s": physics.pv_mean_photon_flux_for_load(
                    pv_w, float(inp.site_data.at[s, "pv_cf"])
                )[1]
                if pv_w > 0
                else 0.0,
                "ch4_molecules_per_s": ch4,
                "electric_w": e_site.loc[e_site["kind"] != "battery", "generation_mwh_per_yr"].sum()
                / hours
                * 1e6,
                "facility_w": row.facility_avg_mw * 1e6,
                "it_w": row.it_avg_mw * 1e6,
                **it_items_w(m, inp, s),
                "flop_per_s": flops,
                "tokens_per_s": row.tokens_per_s,
                "facility_joules_per_token": row.facility_joules_per_token,
            }
        )
    return pd.DataFrame(rows)


def cost_breakdown(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """Annualised cost per site and category [USD/yr], water and carbon price included."""
    rows = []
    for s in inp.sites:
        for k in COST_CATEGORIES:
            rows.append(
                {"site_id": s, "category": k, "annualized_cost_usd": _v(m.cost.site_category[s, k]) * 1e6}
            )
        rows.append(
            {"site_id": s, "category": "water", "annualized_cost_usd": _v(m.cost.water_cost_site[s]) * 1e6}
        )
        rows.append(
            {
                "site_id": s,
                "category": "carbon_price",
                "annualized_cost_usd": _v(m.cost.carbon_cost_site[s]) * 1e6,
            }
        )
    df = pd.DataFrame(rows)
    return df[df["annualized_cost_usd"].abs() > 1e-6].reset_index(drop=True)


def capex_usd(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, float]:
    """Overnight capital cost by the objective's cost group [USD] (``cost_group`` of the line items)."""
    e_blk = m.energy
    it_cap = {s: sum(_v(m.site.it_cap[s, c]) for c in inp.coolings) for s in inp.sites}
    out = {
        "site_development": sum(_v(m.site.open[s]) for s in inp.sites) * inp.site_fixed_capex_musd,
        "gpus": sum(_v(m.fleet.n_gpu[s, g]) * inp.gpu_capex_musd[g] for s in inp.sites for g in inp.gpus),
        "building_electrical_land": sum(it_cap[s] * inp.it_capex_musd_per_mw[s] for s in inp.sites),
        "cooling": sum(
            _v(m.site.it_cap[s, c])
            * inp.cooling_capex_musd_per_mw[c]
            * (inp.capex.index[s] if inp.capex else 1.0)
            for s in inp.sites
            for c in inp.coolings
        ),
        "generation_capacity": sum(
            _v(e_blk.cap[s, e]) * inp.tech_capex_musd_per_mw[e] for s in inp.sites for e in inp.generators
        ),
        "grid_connection": sum(_v(e_blk.grid_cap[s]) for s in inp.sites)
        * inp.tech_capex_musd_per_mw.get("grid", 0.0),
        "battery": sum(
            _v(e_blk.st_power[s]) * inp.tech_capex_musd_per_mw["battery"]
            + _v(e_blk.st_energy[s]) * inp.storage_capex_musd_per_mwh
            for s in inp.sites
        )
        if inp.storage
        else 0.0,
        "backup_power": sum(backup_capex_musd(m, inp, s) for s in inp.sites),
        "bridge_power": sum(bridge_capex_musd(m, inp, s) for s in inp.sites),
        **gas_capex_musd(m, inp),
    }
    adders = [adder_capex_musd(m, inp, s) for s in inp.sites]
    out |= {k: sum(a[k] for a in adders) for k in CAPEX_ADDER_CATEGORIES}
    return {k: v * 1e6 for k, v in out.items()}


def summary_numbers(
    m: pyo.ConcreteModel,
    inp: ModelInputs,
    sites: pd.DataFrame,
    fleet: pd.DataFrame,
    energy: pd.DataFrame,
    capex_items: pd.DataFrame,
) -> dict[str, Any]:
    """Tokenomics of the plan (keys of ``summary.json`` apart from status and timings).

    ``capex_by_category_usd`` sums the line items (``capex_items``) by their ``category``, the one
    category system of the line items, the summary and ``capex.xlsx``
    (:data:`planner.results.capex.CATEGORIES`); ``capex_usd`` is the model's own total, which the
    line items add up to."""
    served = float(sites["tokens_per_s"].sum())
    mtok_per_year = served * SECONDS_PER_YEAR / 1e6
    annual = _v(m.cost.total) * 1e6
    op, up, emb = (
        _v(m.cost.emissions_operational),
        _v(m.cost.emissions_upstream),
        _v(m.cost.emissions_embodied),
    )
    water = float(sites["water_ml_per_yr"].sum())
    facility_avg = float(sites["facility_avg_mw"].sum())
    capex = capex_usd(m, inp)
    gpus = (
        fleet.drop_duplicates(["site_id", "gpu_id"])
        .groupby("gpu_id")["gpus_installed"]
        .sum()
        .round()
        .astype(int)
        .to_dict()
        if len(fleet)
        else {}
    )
    mix = energy.groupby("tech_id")["generation_mwh_per_yr"].sum()
    mix = mix.drop(labels=["battery"], errors="ignore")
    share = (mix / mix.sum()).round(4).to_dict() if mix.sum() > 0 else {}
    return {
        "demand_tokens_per_s": inp.total_demand * 1e6,
        "served_tokens_per_s": served,
        "annualized_cost_usd": annual,
        "cost_usd_per_mtok": annual / mtok_per_year if served else None,
        "capex_usd": float(sum(capex.values())),
        "capex_by_category_usd": capex_by_category(capex_items),
        "facility_joules_per_token": facility_avg * 1e6 / served if served else None,
        "it_joules_per_token": float(sites["it_avg_mw"].sum()) * 1e6 / served if served else None,
        "emissions_t_per_yr": op + up + emb,
        "emissions_operational_t_per_yr": op,
        "emissions_upstream_t_per_yr": up,
        "emissions_embodied_t_per_yr": emb,
        "gco2e_per_mtok": (op + up + emb) * 1e6 / mtok_per_year if served else None,
        "water_ml_per_yr": water,
        "water_l_per_mtok": water * 1e6 / mtok_per_year if served else None,
        "it_mw": float(sites["it_mw"].sum()),
        "it_avg_mw": float(sites["it_avg_mw"].sum()),
        "facility_mw": float(sites["facility_peak_mw"].sum()),
        "facility_avg_mw": facility_avg,
        "gpus": gpus,
        "gpu_status": {g: inp.gpu_status.get(g, "") for g in gpus},
        "gpus_off_sale": dict(inp.gpus_off_sale),
        "sites": sites.loc[sites["open"], "site_id"].tolist(),
        "energy_mix_share": share,
        "energy_mix_basis": mix_basis(inp),
        **carbon_accounts(m, inp, op + up + emb, mtok_per_year if served else 0.0),
    }


def mix_basis(inp: ModelInputs) -> str:
    """What the energy mix stands for: an hourly dispatch, or (annual mode) a screening figure."""
    if inp.slices.hourly:
        return f"hourly dispatch on {inp.slices.n_days} representative days"
    share = inp.scenario.time.annual_variable_share_max
    return (
        "annual-average screening figure: one annual slice at mean capacity factors, PV + wind capped "
        f"at {share:.0%} of each site's energy; solve with time.mode representative_days for hourly dispatch"
    )


def slice_soc(m: pyo.ConcreteModel, inp: ModelInputs, site: str) -> np.ndarray:
    """Battery state of charge per time slice [MWh], within 0..energy capacity.

    Per-day cyclic storage: the model's ``soc[s, t]``. Linked storage (``time.link_storage``), where
    ``soc[s, t]`` is only the signed offset within the representative day: the chronological state
    of charge (:func:`chronological_soc`) averaged over the calendar days that day stands for, at
    each hour. Zeros without storage.
    """
    sl = inp.slices
    if not inp.storage:
        return np.zeros(sl.n)
    if not hasattr(m.energy, "soc_inter"):
        return np.array([_v(m.energy.soc[site, t]) for t in range(sl.n)])
    chrono = chronological_soc(m, inp, site).reshape(-1, 24)
    days = np.asarray(sl.assignments, dtype=int)
    out = np.zeros((sl.n_days, 24))
    for d in range(sl.n_days):
        if (days == d).any():
            out[d] = chrono[days == d].mean(axis=0)
    return out.reshape(-1)


def chronological_soc(m: pyo.ConcreteModel, inp: ModelInputs, site: str) -> np.ndarray:
    """State of charge of a site's battery through the 365 x 24 calendar hours [MWh].

    Linked storage: ``inter[i] + soc[a(i), h]``; per-day cyclic storage: ``soc[a(i), h]``.
    """
    sl, e_blk = inp.slices, m.energy
    if not inp.storage:
        return np.zeros(0)
    soc = np.array([_v(e_blk.soc[site, t]) for t in range(sl.n)]).reshape(sl.n_days, 24)
    linked = hasattr(e_blk, "soc_inter")
    out = []
    for i, d in enumerate(sl.assignments):
        base = _v(e_blk.soc_inter[site, i]) if linked else 0.0
        out.append(base + soc[int(d)])
    return np.concatenate(out)
