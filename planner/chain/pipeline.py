"""The physics chain of one configuration (GPU x model x cooling x site), stage by stage.

primary energy (sunlight photons or CH4 molecules) -> W at the meter (facility) -> PUE -> W IT
-> FLOP/s -> tokens/s, and per token: J (IT and facility), gCO2e, L of water, the Landauer floor.
Everything is per GPU (all-in node power per GPU), so per-token figures do not depend on fleet size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.catalogs.load import cooling_can_host
from planner.chain import constants as C
from planner.chain import physics
from planner.chain.tokens.throughput import check_id, throughput
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

    Returns
    -------
    :class:`PipelineReport`. Per-token energy uses the all-in node power per GPU
    (``node_w_per_gpu``) at full load: E_IT = P_node / tokens/s, E_fac = PUE x E_IT.
    Counterfactual supplies, each labelled: CH4 if all electricity came from a new H-class CCGT
    (6.168 MMBtu/MWh HHV, 890.4 kJ/mol), and sunlight on the PV array that would supply the
    facility power on average (area = P / (CF x eta x 1000 W/m2); photons = P / (eta x PR) x
    4.304e18 /J, PR = 0.80).
    """
    check_id("GPU", gpu_id, list(catalogs.gpus.index))
    check_id("model", model_id, list(catalogs.models.index))
    gpu = catalogs.gpus.loc[gpu_id]
    hosts = [c for c in catalogs.cooling.index if cooling_can_host(catalogs, gpu_id, c)]
    cooling_id = cooling_id or hosts[0]
    check_id("cooling", cooling_id, list(catalogs.cooling.index))
    if cooling_id not in hosts:
        why = (
            "requires liquid cooling"
            if gpu["liquid_required"] and not catalogs.cooling.at[cooling_id, "liquid"]
            else f"racks draw {gpu['rack_kw']:g} kW, above the {catalogs.cooling.at[cooling_id, 'max_rack_kw']:g} kW limit of '{cooling_id}'"
        )
        raise InputError(f"GPU '{gpu_id}' {why}; coolings that can host it: {', '.join(hosts)}")
    site = None
    if site_id is not None:
        check_id("site", site_id, list(catalogs.sites.index))
        site = catalogs.sites.loc[site_id]
    climate = str(site["climate_class"]) if site is not None else DEFAULT_CLIMATE
    cc = catalogs.cooling_climate.loc[(cooling_id, climate)]
    pue, wue = float(cc["pue"]), float(cc["wue_l_per_kwh"])
    g_per_kwh = float(site["grid_co2_g_per_kwh"]) if site is not None else C.US_GRID_G_CO2_PER_KWH
    temp_k = (
        float(site["annual_mean_temp_c"]) + C.ZERO_CELSIUS_K if site is not None else C.ROOM_TEMPERATURE_K
    )
    pv_cf = float(site["pv_cf"]) if site is not None else DEFAULT_PV_CF
    facility = getattr(catalogs, "facility", {}) or {}
    bits = float(
        bits_erased_per_flop
        if bits_erased_per_flop is not None
        else facility.get("bits_erased_per_flop", C.DEFAULT_BITS_ERASED_PER_FLOP)
    )
    pv_eff = float(facility.get("pv_module_efficiency", C.PV_MODULE_EFFICIENCY_TYPICAL))

    tp = throughput(gpu_id, model_id, catalogs, estimate_only=estimate_only)
    tps = tp.tokens_per_s_per_gpu
    it_w = float(gpu["node_w_per_gpu"])
    fac_w = physics.facility_power_w(it_w, pue)
    it_j, fac_j = _per_token(it_w, tps), _per_token(fac_w, tps)
    achieved = tps * tp.flop_per_token
    ch4_per_s = physics.ch4_molecules_per_s(fac_w, C.CCGT_HEAT_RATE_MMBTU_PER_MWH)
    pv_area, photons_per_s = physics.pv_mean_photon_flux_for_load(fac_w, pv_cf, pv_eff)
    landauer_j = physics.landauer_j_per_token(tp.flop_per_token, bits, temp_k)
    v: dict[str, Any] = {
        "gpu": gpu_id,
        "model": model_id,
        "cooling": cooling_id,
        "site": site_id,
        "climate": climate,
        "source": tp.source,
        "precision": tp.precision,
        "note": tp.note,
        "tokens_per_s_per_gpu": tps,
        "flop_per_s_per_gpu": tp.flop_per_s_per_gpu,
        "flop_per_token": tp.flop_per_token,
        "achieved_flop_per_s_per_gpu": achieved,
        "mfu": achieved / tp.flop_per_s_per_gpu if tp.flop_per_s_per_gpu > 0 else float("nan"),
        "replica_gpus": tp.replica_gpus,
        "it_watts_per_gpu": it_w,
        "pue": pue,
        "facility_watts_per_gpu": fac_w,
        "it_joules_per_token": it_j,
        "facility_joules_per_token": fac_j,
        "grid_g_co2_per_kwh": g_per_kwh,
        "grid_carbon_basis": "site grid" if site is not None else "US average 2023 (EIA)",
        "gco2e_per_token": physics.gco2e_per_token(fac_j, g_per_kwh),
        "wue_l_per_kwh": wue,
        "water_l_per_token": physics.water_l_per_token(it_j, wue),
        "ccgt_plant_water_l_per_token": physics.water_l_per_token(
            0.0, 0.0, fac_j, C.NGCC_WATER_L_PER_MWH / 1e3
        ),
        "temperature_k": temp_k,
        "bits_erased_per_flop": bits,
        "landauer_joules_per_token": landauer_j,
        "landauer_ratio": fac_j / landauer_j if tps > 0 else float("nan"),
        "ch4_basis": f"new H-class CCGT, {C.CCGT_HEAT_RATE_MMBTU_PER_MWH} MMBtu/MWh HHV",
        "ch4_molecules_per_token": _per_token(ch4_per_s, tps),
        "ch4_mol_per_token": _per_token(ch4_per_s / C.AVOGADRO_PER_MOL, tps),
        "pv_basis": f"PV CF {pv_cf:.3f}, module efficiency {pv_eff:.3f}, PR "
        f"{C.PV_PERFORMANCE_RATIO_TYPICAL}, AM1.5G photons",
        "pv_area_m2_per_gpu": pv_area,
        "pv_photons_per_token": _per_token(photons_per_s, tps),
    }
    stages: list[tuple[str, float | None, str]] = [
        ("Sunlight on a PV array supplying it (if PV)", photons_per_s, "photons/s per GPU"),
        ("Methane burned in a CCGT supplying it (if gas)", ch4_per_s, "molecules/s per GPU"),
        ("Electricity at the meter (facility)", fac_w, "W per GPU"),
        (f"PUE ({cooling_id}, {climate})", pue, "-"),
        ("IT power (all-in node)", it_w, "W per GPU"),
        (f"Peak dense compute ({tp.precision})", tp.flop_per_s_per_gpu, "FLOP/s per GPU"),
        ("Achieved compute (tokens/s x FLOP/token)", achieved, "FLOP/s per GPU"),
        ("FLOP per generated token", tp.flop_per_token, "FLOP/token"),
        (f"Generated tokens ({tp.source})", tps, "tokens/s per GPU"),
        ("Facility energy per token", fac_j, "J/token"),
        ("IT energy per token", it_j, "J/token"),
        ("Operational carbon per token", v["gco2e_per_token"], "gCO2e/token"),
        ("On-site water per token", v["water_l_per_token"], "L/token"),
        (f"Landauer floor at {temp_k:.0f} K", landauer_j, "J/token"),
        ("Facility energy / Landauer floor", v["landauer_ratio"], "-"),
    ]
    return PipelineReport(v, stages)
