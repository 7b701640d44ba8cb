"""The physics chain as pure functions: photons/CH4 -> W electric -> W facility -> W IT -> FLOP/s
-> tokens/s, and the per-token energy, carbon, water and Landauer figures.

SI units inside (W, J, s, m, K, mol); units that are not SI are named in the argument
(``heat_rate_mmbtu_per_mwh``, ``wue_l_per_kwh``, ``g_co2_per_kwh``). Scalars or numpy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from planner.chain import constants as C
from planner.errors import InputError

Num = TypeVar("Num", float, np.ndarray)

PRECISIONS: tuple[str, ...] = ("fp4", "fp8", "bf16")


# --- Sun ----------------------------------------------------------------------------------------
def pv_photon_flux(irradiance_w_m2: Num, area_m2: Num, photons_per_j: float = C.AM15G_PHOTONS_PER_J) -> Num:
    """Photons of sunlight falling on a PV array per second.

    .. math:: \\dot N_\\gamma = G \\cdot A \\cdot n_\\gamma

    Parameters
    ----------
    irradiance_w_m2 : Plane-of-array irradiance G [W/m^2].
    area_m2 : Module (aperture) area A [m^2].
    photons_per_j : Photons per joule of the spectrum n_gamma [1/J]; AM1.5G (ASTM G173) 4.304e18.

    Returns
    -------
    Photon flux [photons/s].

    Examples
    --------
    >>> f"{pv_photon_flux(1000.4, 1.0):.4g}"
    '4.306e+21'
    """
    return irradiance_w_m2 * area_m2 * photons_per_j


def pv_module_area(
    p_dc_w: Num,
    efficiency: float = C.PV_MODULE_EFFICIENCY_TYPICAL,
    irradiance_w_m2: float = C.STC_IRRADIANCE_W_PER_M2,
) -> Num:
    """Module area that delivers a DC rating at standard test conditions.

    .. math:: A = P_{dc} / (\\eta \\cdot G_{STC})

    Parameters
    ----------
    p_dc_w : DC nameplate power P_dc [W].
    efficiency : Module efficiency at STC eta [-].
    irradiance_w_m2 : Rating irradiance G_STC [W/m^2], 1000.

    Returns
    -------
    Area [m^2].
    """
    if not 0 < efficiency <= 1:
        raise InputError(f"PV efficiency {efficiency}: allowed 0 < efficiency <= 1")
    return p_dc_w / (efficiency * irradiance_w_m2)


def pv_mean_photon_flux_for_load(
    p_avg_w: Num,
    capacity_factor: float,
    efficiency: float = C.PV_MODULE_EFFICIENCY_TYPICAL,
    performance_ratio: float = C.PV_PERFORMANCE_RATIO_TYPICAL,
) -> tuple[Num, Num]:
    """Array area and year-averaged photon flux on it for a PV plant that supplies an average load.

    The plant is sized on energy: DC nameplate P_dc = P_avg / CF, area A = P_dc / (eta G_STC).
    The plane-of-array sunlight it must receive follows from the performance ratio PR
    (AC energy out / (eta x sunlight in)): mean irradiance G = CF G_STC / PR, so

    .. math:: \\dot N_\\gamma = A \\cdot G \\cdot n_\\gamma = P_{avg} n_\\gamma / (\\eta \\, PR)

    Parameters
    ----------
    p_avg_w : Average electric load to supply P_avg [W].
    capacity_factor : PV capacity factor on the DC-nameplate basis CF [-].
    efficiency : Module efficiency at STC eta [-].
    performance_ratio : System performance ratio PR [-] (0.75-0.85).

    Returns
    -------
    (area [m^2], photon flux [photons/s]); photons counted with the AM1.5G photons per joule.
    """
    if not 0 < capacity_factor <= 1:
        raise InputError(f"PV capacity factor {capacity_factor}: allowed 0 < CF <= 1")
    area = pv_module_area(p_avg_w / capacity_factor, efficiency)
    g_mean = capacity_factor * C.STC_IRRADIANCE_W_PER_M2 / performance_ratio
    return area, pv_photon_flux(g_mean, area)


# --- Gas ------------------------------------------------------------------------------------------
def fuel_power_w(p_elec_w: Num, heat_rate_mmbtu_per_mwh: float) -> Num:
    """Fuel chemical power (HHV) burned to generate an electric power.

    .. math:: P_{fuel} = P_{el} \\cdot HR \\cdot 1.055056\\times10^9 / 3.6\\times10^9

    Parameters
    ----------
    p_elec_w : Electric output P_el [W].
    heat_rate_mmbtu_per_mwh : Heat rate HR [MMBtu/MWh, HHV]; 6.168 for a new H-class CCGT.

    Returns
    -------
    Fuel power [W, HHV].
    """
    return p_elec_w * heat_rate_mmbtu_per_mwh * C.J_PER_MMBTU / C.J_PER_MWH


def ch4_mol_per_s(
    p_elec_w: Num, heat_rate_mmbtu_per_mwh: float, heating_value_j_per_mol: float = C.CH4_HHV_J_PER_MOL
) -> Num:
    """Methane burned per second, treating pipeline gas as pure CH4.

    .. math:: \\dot n = P_{fuel} / \\Delta H_c  \\quad (\\Delta H_c = 890.4 kJ/mol, HHV)

    Parameters
    ----------
    p_elec_w : Electric output [W].
    heat_rate_mmbtu_per_mwh : Heat rate [MMBtu/MWh] on the same (HHV) basis as the heating value.
    heating_value_j_per_mol : Heat of combustion [J/mol].

    Returns
    -------
    Methane flow [mol/s].
    """
    return fuel_power_w(p_elec_w, heat_rate_mmbtu_per_mwh) / heating_value_j_per_mol


def ch4_molecules_per_s(
    p_elec_w: Num, heat_rate_mmbtu_per_mwh: float, heating_value_j_per_mol: float = C.CH4_HHV_J_PER_MOL
) -> Num:
    """Methane molecules burned per second: :func:`ch4_mol_per_s` x N_A [molecules/s]."""
    return ch4_mol_per_s(p_elec_w, heat_rate_mmbtu_per_mwh, heating_value_j_per_mol) * C.AVOGADRO_PER_MOL


def gas_co2_g_per_kwh(
    heat_rate_mmbtu_per_mwh: float, kg_co2_per_mmbtu: float = C.NG_KG_CO2_PER_MMBTU_HHV
) -> float:
    """Combustion CO2 intensity of gas generation [g/kWh] = HR [MMBtu/MWh] x EF [kg/MMBtu]."""
    return heat_rate_mmbtu_per_mwh * kg_co2_per_mmbtu


# --- Wind -------------------------------------------------------------------------------------------
def wind_power_w(
    swept_area_m2: Num,
    wind_speed_m_s: Num,
    power_coefficient: float,
    air_density_kg_m3: float = C.AIR_DENSITY_KG_PER_M3,
) -> Num:
    """Power a rotor extracts from the wind.

    .. math:: P = \\tfrac12 \\rho A v^3 C_p, \\qquad C_p \\le 16/27 \\;(Betz)

    Parameters
    ----------
    swept_area_m2 : Rotor swept area A [m^2].
    wind_speed_m_s : Hub-height wind speed v [m/s].
    power_coefficient : C_p [-]; above the Betz limit 0.593 is rejected.
    air_density_kg_m3 : rho [kg/m^3], 1.225 at sea level.

    Returns
    -------
    Power [W].
    """
    if not 0 <= power_coefficient <= C.BETZ_LIMIT:
        raise InputError(
            f"power coefficient {power_coefficient}: allowed 0 <= C_p <= "
            f"{C.BETZ_LIMIT:.4f} (Betz limit 16/27)"
        )
    return 0.5 * air_density_kg_m3 * swept_area_m2 * wind_speed_m_s**3 * power_coefficient


# --- Facility ---------------------------------------------------------------------------------------
def facility_power_w(it_w: Num, pue: float) -> Num:
    """Facility power from IT power: P_fac = PUE x P_IT [W] (PUE >= 1, The Green Grid 2007)."""
    if pue < 1:
        raise InputError(f"PUE {pue}: allowed PUE >= 1")
    return it_w * pue


def it_power_w(facility_w: Num, pue: float) -> Num:
    """IT power a facility power supports: P_IT = P_fac / PUE [W]."""
    if pue < 1:
        raise InputError(f"PUE {pue}: allowed PUE >= 1")
    return facility_w / pue


# --- Compute ----------------------------------------------------------------------------------------
def effective_precision(gpu: Mapping[str, float], precision: str) -> str:
    """The precision a GPU actually computes a model in: fp4 without fp4 units runs at fp8.

    Parameters
    ----------
    gpu : A GPU catalog row with ``dense_fp4_tflops`` and ``dense_fp8_tflops`` (0/NaN = none).
    precision : Requested precision, ``fp4``, ``fp8`` or ``bf16`` (``fp16`` is read as bf16).
    """
    p = "bf16" if precision == "fp16" else precision
    if p not in PRECISIONS:
        raise InputError(f"precision '{precision}': allowed {', '.join(PRECISIONS)}")
    supported = [q for q in PRECISIONS if float(np.nan_to_num(gpu[f"dense_{q}_tflops"])) > 0]
    order = list(PRECISIONS)
    while p not in supported and order.index(p) < len(order) - 1:
        p = order[order.index(p) + 1]
    return p


def gpu_flop_per_s(gpu: Mapping[str, float], precision: str) -> float:
    """Dense peak FLOP/s of one GPU at a precision (after :func:`effective_precision`).

    .. math:: F = \\mathrm{dense\\_tflops}_{p} \\times 10^{12}

    Returns
    -------
    FLOP/s [FLOP/s] (dense, no sparsity).
    """
    p = effective_precision(gpu, precision)
    return float(gpu[f"dense_{p}_tflops"]) * 1e12


# --- Landauer -----------------------------------------------------------------------------------------
def landauer_j_per_bit(temperature_k: Num = C.ROOM_TEMPERATURE_K) -> Num:
    """Landauer's minimum energy to erase one bit: E = k_B T ln 2 [J]; 2.871e-21 J at 300 K.

    Examples
    --------
    >>> f"{landauer_j_per_bit(300.0):.4g}"
    '2.871e-21'
    """
    if np.any(np.asarray(temperature_k) <= 0):
        raise InputError(f"temperature {temperature_k} K: allowed T > 0 K")
    return C.BOLTZMANN_J_PER_K * temperature_k * C.LN2


def landauer_j_per_token(
    flop_per_token: Num, bits_erased_per_flop: float, temperature_k: float = C.ROOM_TEMPERATURE_K
) -> Num:
    """Landauer floor per token: E = k_B T ln2 x bits/FLOP x FLOP/token [J/token]."""
    return landauer_j_per_bit(temperature_k) * bits_erased_per_flop * flop_per_token


def landauer_ratio(
    j_per_token: Num,
    flop_per_token: Num,
    bits_erased_per_flop: float,
    temperature_k: float = C.ROOM_TEMPERATURE_K,
) -> Num:
    """How many times the Landauer floor a token costs.

    .. math:: r = E_{token} / (k_B T \\ln 2 \\cdot b \\cdot F_{token})

    Parameters
    ----------
    j_per_token : Energy spent per token [J/token] (facility, at the meter, by convention).
    flop_per_token : Floating-point operations per token [FLOP/token].
    bits_erased_per_flop : Bits irreversibly erased per FLOP b [bit/FLOP] (an assumption).
    temperature_k : Temperature of the heat sink T [K].

    Returns
    -------
    Ratio [-].
    """
    return j_per_token / landauer_j_per_token(flop_per_token, bits_erased_per_flop, temperature_k)


# --- Per token -------------------------------------------------------------------------------------------
def joules_per_token(watts: Num, tokens_per_s: Num) -> Num:
    """Energy per token: E = P / throughput [J/token]; inf where the throughput is 0."""
    tps = np.asarray(tokens_per_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(tps > 0, np.asarray(watts, dtype=float) / np.where(tps > 0, tps, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


def gco2e_per_token(j_per_token: Num, g_co2_per_kwh: float) -> Num:
    """Operational carbon per token: E [J] / 3.6e6 [J/kWh] x intensity [g/kWh] -> [gCO2e/token]."""
    return j_per_token / C.J_PER_KWH * g_co2_per_kwh


def water_l_per_token(
    it_j_per_token: Num, wue_l_per_kwh: float, facility_j_per_token: Num = 0.0, plant_l_per_kwh: float = 0.0
) -> Num:
    """Water consumed per token: on-site cooling plus, optionally, the power plant's.

    .. math:: W = WUE \\cdot E_{IT} / 3.6\\times10^6 + w_{plant} \\cdot E_{fac} / 3.6\\times10^6

    Parameters
    ----------
    it_j_per_token : IT energy per token E_IT [J] (WUE is defined on IT energy, The Green Grid).
    wue_l_per_kwh : Site water usage effectiveness [L/kWh_IT].
    facility_j_per_token : Facility energy per token E_fac [J] (what the plant must generate).
    plant_l_per_kwh : Generation water consumption [L/kWh] (NGCC tower 0.75, PV ~0.004, wind 0).

    Returns
    -------
    Water [L/token].
    """
    return (wue_l_per_kwh * it_j_per_token + plant_l_per_kwh * facility_j_per_token) / C.J_PER_KWH


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine great-circle distance [km] on a sphere of the IUGG mean Earth radius 6371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def fibre_round_trip_ms(
    distance_km: Num, route_factor: float = C.FIBRE_ROUTE_FACTOR, km_per_ms: float = C.FIBRE_KM_PER_MS
) -> Num:
    """Round-trip propagation delay over fibre: 2 x d x route factor / (c / n_g) [ms]."""
    return 2.0 * distance_km * route_factor / km_per_ms
