"""The physics chain of one configuration (GPU x model x cooling x site), stage by stage.

primary energy (sunlight photons or CH4 molecules) -> W at the meter (facility) -> PUE -> W IT
-> FLOP/s -> tokens/s, and per token: J (IT and facility), gCO2e, L of water, the Landauer floor.
Everything is per GPU (all-in node power per GPU), so per-token figures do not depend on fleet size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.catalogs.load import cooling_can_host, cooling_supported
from planner.chain import constants as C
from planner.chain import physics
from planner.chain.it_power import nameplate_items, spare_watts_per_gpu
from planner.chain.tokens.power import busy_share, node_power_w
from planner.chain.tokens.roofline import Target
from planner.chain.tokens.throughput import Throughput, check_id, throughput
from planner.errors import InputError

DEFAULT_CLIMATE = "temperate"
"""Climate class used for PUE/WUE when no site is given."""
DEFAULT_PV_CF = 0.243
"""US utility PV capacity factor (EIA 2023, project reference) when no site is given [-]."""


@dataclass(frozen=True)
class PipelineReport:
    """Result of :func:`pipeline_report`: flat values (``values``) and the stage table (``stages``)."""

    values: dict[str, Any]
    stages: list[tuple[str, float | None, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become None) with the stages under ``stages``."""
        out = {k: _finite(v) for k, v in self.values.items()}
        out["stages"] = [{"stage": s, "value": _finite(v), "unit": u} for s, v, u in self.stages]
        return out

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __repr__(self) -> str:
        """One line: the configuration, tokens/s per GPU and facility J/token (``.to_dict()``: all)."""
        v = self.values
        where = f"site {v.get('site')}" if v.get("site") else f"no site ({v.get('climate')})"
        return (
            f"PipelineReport({v.get('gpu')} x {v.get('model')}, cooling {v.get('cooling')}, {where}: "
            f"{v.get('tokens_per_s_per_gpu', float('nan')):,.0f} tokens/s per GPU ({v.get('source')}), "
            f"{v.get('facility_joules_per_token', float('nan')):.3g} J/token; .to_dict(), .stages)"
        )


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _per_token(x: float, tps: float) -> float:
    return x / tps if tps > 0 else float("nan")


def pipeline_report(
    gpu_id: str,
    model_id: str,
    catalogs: Any,
    *,
    cooling_id: str | None = None,
    site_id: str | None = None,
    estimate_only: bool = False,
    bits_erased_per_flop: float | None = None,
    precision: str | None = None,
    scenario: str | None = None,
    target: Target | None = None,
    spare_share: float = 0.0,
    shape: Any = None,
    topologies: Any = None,
) -> PipelineReport:
    """Walk the chain from primary energy to tokens/s for one GPU of one configuration.

    Parameters
    ----------
    gpu_id, model_id : Catalog ids.
    catalogs : :class:`planner.catalogs.load.Catalogs`.
    cooling_id : Cooling technology; default the first in ``data/cooling.csv`` that can host the
        GPU (liquid where required, rack kW within its limit).
    site_id : Candidate site: its climate (PUE, WUE), grid carbon, mean temperature, PV CF.
        Without a site: climate ``temperate``, US-average grid 367 gCO2/kWh, 300 K, PV CF 0.243.
    estimate_only : Use the roofline estimate even where MLPerf has a measurement.
    bits_erased_per_flop : Landauer assumption [bit/FLOP]; default the facility catalog's.
    precision, scenario, target : Weight precision, MLPerf scenario or latency target (TTFT, TPOT
        [s]); see :func:`planner.chain.tokens.throughput.throughput`.
    spare_share : Spare GPUs installed per serving GPU [-] (scenario ``fleet.spare_share``); they
        draw idle node power and their network ports.
    shape, topologies : Request shape (``isl``, ``osl``, ``prefix_hit``) and topology menu; see
        :func:`planner.chain.tokens.throughput.throughput`.

    Returns
    -------
    :class:`PipelineReport`. Per-token energy uses the IT power per GPU the meter reads at full
    load: the node, s x nameplate ``node_w_per_gpu`` (GPU TDP + host CPUs, memory, NICs, fans) with
    s from MLPerf's measured system power (:mod:`planner.chain.tokens.power`), plus the scale-out
    network ``network_w_per_gpu`` and the spares' idle draw: E_IT = (s P_node + P_net + spare
    (P_idle + P_net)) / tokens/s, E_fac = PUE x E_IT. Nameplate is itemised by
    :mod:`planner.chain.it_power` (GPU, host CPUs + memory, host other, network).
    Nameplate power (``it_nameplate_watts_per_gpu`` = P_node + P_net) still sizes the electrical
    and cooling plant.
    Counterfactual supplies, each labelled: CH4 if all electricity came from a new H-class CCGT
    (6.168 MMBtu/MWh HHV, 890.4 kJ/mol), and sunlight on the PV array that would supply the
    facility power on average (area = P / (CF x eta x 1000 W/m2); photons = P / (eta x PR) x
    4.304e18 /J, PR = 0.80).
    """
    check_id("GPU", gpu_id, list(catalogs.gpus.index))
    check_id("model", model_id, list(catalogs.models.index))
    gpu = catalogs.gpus.loc[gpu_id]
    cooling_id = _host_cooling(catalogs, gpu_id, gpu, cooling_id)
    cond = _conditions(catalogs, cooling_id, site_id, bits_erased_per_flop)
    tp = throughput(
        gpu_id,
        model_id,
        catalogs,
        estimate_only=estimate_only,
        precision=precision,
        scenario=scenario,
        target=target,
        shape=shape,
        topologies=topologies,
    )
    ids = {"gpu": gpu_id, "model": model_id, "cooling": cooling_id, "site": site_id}
    power = _it_power(catalogs, gpu_id, gpu, spare_share)
    metered = power.pop("_metered_watts_per_gpu")
    return _walk(ids | power, tp, metered, cond)


def _it_power(catalogs: Any, gpu_id: str, gpu: Any, spare_share: float) -> dict[str, float]:
    """IT power per serving GPU [W]: nameplate (node + network, itemised by
    :func:`planner.chain.it_power.nameplate_items`), the busy share s of the node MLPerf's meter
    reads, the spare GPUs' idle draw, and the IT power energy per token uses (key
    ``_metered_watts_per_gpu``): P = s P_node + P_net + spare (P_idle + P_net)."""
    share = busy_share(catalogs, gpu_id)
    items = nameplate_items(gpu, getattr(catalogs, "facility", {}) or {})
    spare = spare_watts_per_gpu(gpu, spare_share)
    network = items["network_watts_per_gpu"]
    return {
        "it_nameplate_watts_per_gpu": float(gpu["node_w_per_gpu"]) + network,
        "busy_power_share": share,
        **items,
        "host_watts_per_gpu": items["host_cpu_memory_watts_per_gpu"] + items["host_other_watts_per_gpu"],
        "spare_share": spare_share,
        "spare_watts_per_gpu": spare,
        "_metered_watts_per_gpu": node_power_w(gpu, 1.0, share) + network + spare,
    }


def _walk(ids: dict[str, Any], tp: Throughput, it_w: float, cond: _Conditions) -> PipelineReport:
    """The report of one GPU drawing ``it_w`` [W] all-in under ``cond``: facility power
    P_fac = PUE x P_IT [W], the primary supply behind it, and the per-token figures."""
    fac_w = physics.facility_power_w(it_w, cond.pue)
    ch4_per_s = physics.ch4_molecules_per_s(fac_w, C.CCGT_HEAT_RATE_MMBTU_PER_MWH)
    pv_area, photons_per_s = physics.pv_mean_photon_flux_for_load(fac_w, cond.pv_cf, cond.pv_eff)
    tps = tp.tokens_per_s_per_gpu
    v: dict[str, Any] = {
        **ids,
        "climate": cond.climate,
        **_throughput_values(tp),
        **_energy_values(tps, it_w, fac_w, cond),
        **_landauer_values(tp, fac_w, cond),
        **_supply_values(tps, ch4_per_s, pv_area, photons_per_s, cond),
    }
    return PipelineReport(v, _stages(v, photons_per_s, ch4_per_s))


@dataclass(frozen=True)
class _Conditions:
    """Where the GPU runs: climate class, PUE [-], WUE [L/kWh], grid carbon [gCO2/kWh],
    temperature [K], PV capacity factor [-] and module efficiency [-], Landauer bits [bit/FLOP]."""

    site_given: bool
    climate: str
    pue: float
    wue: float
    g_per_kwh: float
    temp_k: float
    pv_cf: float
    bits: float
    pv_eff: float


def _host_cooling(catalogs: Any, gpu_id: str, gpu: Any, cooling_id: str | None) -> str:
    """``cooling_id`` (default: the first cooling that can host the GPU), checked to host it."""
    hosts = [c for c in catalogs.cooling.index if cooling_can_host(catalogs, gpu_id, c)]
    cooling_id = cooling_id or hosts[0]
    check_id("cooling", cooling_id, list(catalogs.cooling.index))
    if cooling_id not in hosts:
        supported = cooling_supported(catalogs, gpu_id)
        why = (
            f"is supported by its vendors only under {', '.join(supported)}"
            if cooling_id not in supported
            else "requires liquid cooling"
            if gpu["liquid_required"] and not catalogs.cooling.at[cooling_id, "liquid"]
            else f"racks draw {gpu['rack_kw']:g} kW, above the "
            f"{catalogs.cooling.at[cooling_id, 'max_rack_kw']:g} kW limit of '{cooling_id}'"
        )
        raise InputError(f"GPU '{gpu_id}' {why}; coolings that can host it: {', '.join(hosts)}")
    return cooling_id


def _conditions(
    catalogs: Any, cooling_id: str, site_id: str | None, bits_erased_per_flop: float | None
) -> _Conditions:
    """The site's conditions (checked id), or the defaults without a site (module constants)."""
    site = None
    if site_id is not None:
        check_id("site", site_id, list(catalogs.sites.index))
        site = catalogs.sites.loc[site_id]
    climate = str(site["climate_class"]) if site is not None else DEFAULT_CLIMATE
    cc = catalogs.cooling_climate.loc[(cooling_id, climate)]
    facility = getattr(catalogs, "facility", {}) or {}
    bits = float(
        bits_erased_per_flop
        if bits_erased_per_flop is not None
        else facility.get("bits_erased_per_flop", C.DEFAULT_BITS_ERASED_PER_FLOP)
    )
    return _Conditions(
        site_given=site is not None,
        climate=climate,
        pue=float(cc["pue"]),
        wue=float(cc["wue_l_per_kwh"]),
        g_per_kwh=float(site["grid_co2_g_per_kwh"]) if site is not None else C.US_GRID_G_CO2_PER_KWH,
        temp_k=(
            float(site["annual_mean_temp_c"]) + C.ZERO_CELSIUS_K if site is not None else C.ROOM_TEMPERATURE_K
        ),
        pv_cf=float(site["pv_cf"]) if site is not None else DEFAULT_PV_CF,
        bits=bits,
        pv_eff=float(facility.get("pv_module_efficiency", C.PV_MODULE_EFFICIENCY_TYPICAL)),
    )


def _throughput_values(tp: Throughput) -> dict[str, Any]:
    """Tokens/s and compute per GPU: achieved FLOP/s = tokens/s x FLOP/token, MFU = achieved / peak."""
    achieved = tp.tokens_per_s_per_gpu * tp.flop_per_token
    return {
        "source": tp.source,
        "precision": tp.precision,
        "note": tp.note,
        "tokens_per_s_per_gpu": tp.tokens_per_s_per_gpu,
        "flop_per_s_per_gpu": tp.flop_per_s_per_gpu,
        "flop_per_token": tp.flop_per_token,
        "achieved_flop_per_s_per_gpu": achieved,
        "mfu": achieved / tp.flop_per_s_per_gpu if tp.flop_per_s_per_gpu > 0 else float("nan"),
        "replica_gpus": tp.replica_gpus,
        "batch": tp.batch,
        "scenario": tp.scenario,
        "latency_target": tp.latency_target,
        "ttft_ms": tp.ttft_ms,
        "tpot_ms": tp.tpot_ms,
        "tokens_per_s_per_user": tp.tokens_per_s_per_user,
        "expected_error": tp.expected_error,
        "isl": tp.isl,
        "osl": tp.osl,
        "prefix_hit": tp.prefix_hit,
        "topology": tp.topology,
        "prefill_topology": tp.prefill_topology,
        "prefill_replica_gpus": tp.prefill_replica_gpus,
        "prefill_gpu_share": tp.prefill_gpu_share,
        "prefill_ms": tp.prefill_ms,
    }


def _energy_values(tps: float, it_w: float, fac_w: float, cond: _Conditions) -> dict[str, Any]:
    """Power per GPU [W], energy per token [J] (IT = P_node / tokens/s, facility = PUE x IT),
    carbon [gCO2e/token] and water [L/token] on site and at a CCGT."""
    it_j, fac_j = _per_token(it_w, tps), _per_token(fac_w, tps)
    return {
        "it_watts_per_gpu": it_w,
        "pue": cond.pue,
        "facility_watts_per_gpu": fac_w,
        "it_joules_per_token": it_j,
        "facility_joules_per_token": fac_j,
        "grid_g_co2_per_kwh": cond.g_per_kwh,
        "grid_carbon_basis": "site grid" if cond.site_given else "US average 2023 (EIA)",
        "gco2e_per_token": physics.gco2e_per_token(fac_j, cond.g_per_kwh),
        "wue_l_per_kwh": cond.wue,
        "water_l_per_token": physics.water_l_per_token(it_j, cond.wue),
        "ccgt_plant_water_l_per_token": physics.water_l_per_token(
            0.0, 0.0, fac_j, C.NGCC_WATER_L_PER_MWH / 1e3
        ),
    }


def _landauer_values(tp: Throughput, fac_w: float, cond: _Conditions) -> dict[str, Any]:
    """The Landauer floor [J/token] at the site temperature, and facility energy per token over it [-]."""
    tps = tp.tokens_per_s_per_gpu
    landauer_j = physics.landauer_j_per_token(tp.flop_per_token, cond.bits, cond.temp_k)
    return {
        "temperature_k": cond.temp_k,
        "bits_erased_per_flop": cond.bits,
        "landauer_joules_per_token": landauer_j,
        "landauer_ratio": _per_token(fac_w, tps) / landauer_j if tps > 0 else float("nan"),
    }


def _supply_values(
    tps: float, ch4_per_s: float, pv_area: float, photons_per_s: float, cond: _Conditions
) -> dict[str, Any]:
    """Counterfactual primary supply per token: CH4 molecules and mol burned in a CCGT, and
    AM1.5G photons on the PV array [m2 per GPU] that would supply the facility power."""
    return {
        "ch4_basis": f"new H-class CCGT, {C.CCGT_HEAT_RATE_MMBTU_PER_MWH} MMBtu/MWh HHV",
        "ch4_molecules_per_token": _per_token(ch4_per_s, tps),
        "ch4_mol_per_token": _per_token(ch4_per_s / C.AVOGADRO_PER_MOL, tps),
        "pv_basis": f"PV CF {cond.pv_cf:.3f}, module efficiency {cond.pv_eff:.3f}, PR "
        f"{C.PV_PERFORMANCE_RATIO_TYPICAL}, AM1.5G photons",
        "pv_area_m2_per_gpu": pv_area,
        "pv_photons_per_token": _per_token(photons_per_s, tps),
    }


def _stages(v: dict[str, Any], photons_per_s: float, ch4_per_s: float) -> list[tuple[str, float | None, str]]:
    """The stage table, from primary energy to tokens and per-token figures (values of ``v``)."""
    return [
        ("Sunlight on a PV array supplying it (if PV)", photons_per_s, "photons/s per GPU"),
        ("Methane burned in a CCGT supplying it (if gas)", ch4_per_s, "molecules/s per GPU"),
        ("Electricity at the meter (facility)", v["facility_watts_per_gpu"], "W per GPU"),
        (f"PUE ({v['cooling']}, {v['climate']})", v["pue"], "-"),
        ("IT power (busy node as metered + network + spares)", v["it_watts_per_gpu"], "W per GPU"),
        ("  nameplate: GPU (TDP)", v["gpu_watts_per_gpu"], "W per GPU"),
        ("  nameplate: host CPUs and memory", v["host_cpu_memory_watts_per_gpu"], "W per GPU"),
        ("  nameplate: host NICs, NVLink switches, fans, PSUs", v["host_other_watts_per_gpu"], "W per GPU"),
        ("  nameplate: scale-out network (switches, optics)", v["network_watts_per_gpu"], "W per GPU"),
        (f"  spare GPUs idle ({v['spare_share']:.0%} of serving)", v["spare_watts_per_gpu"], "W per GPU"),
        (f"Peak dense compute ({v['precision']})", v["flop_per_s_per_gpu"], "FLOP/s per GPU"),
        ("Achieved compute (tokens/s x FLOP/token)", v["achieved_flop_per_s_per_gpu"], "FLOP/s per GPU"),
        ("FLOP per generated token", v["flop_per_token"], "FLOP/token"),
        (f"Generated tokens ({v['source']})", v["tokens_per_s_per_gpu"], "tokens/s per GPU"),
        ("Facility energy per token", v["facility_joules_per_token"], "J/token"),
        ("IT energy per token", v["it_joules_per_token"], "J/token"),
        ("Operational carbon per token", v["gco2e_per_token"], "gCO2e/token"),
        ("On-site water per token", v["water_l_per_token"], "L/token"),
        (f"Landauer floor at {v['temperature_k']:.0f} K", v["landauer_joules_per_token"], "J/token"),
        ("Facility energy / Landauer floor", v["landauer_ratio"], "-"),
    ]
