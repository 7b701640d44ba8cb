"""PV profiles with pvlib: solar position, clear sky, clouds, single-axis tracking, temperature.

The chain (:func:`pv_from_weather`), for a plant of 1 W AC with a DC/AC ratio ``ILR``:

1. solar position at mid-hour (``pvlib.solarposition.get_solarposition``);
2. single-axis tracker, N-S axis, +-60 deg, backtracking at ground coverage ratio 0.35
   (``pvlib.tracking.singleaxis``), both in :func:`solar_position`;
3. plane-of-array irradiance ``G_poa`` [W/m^2] by the Hay-Davies transposition with ground
   albedo 0.2 (``pvlib.irradiance.get_total_irradiance``);
4. cell temperature by the Faiman model, wind 2 m/s (``pvlib.temperature.faiman``) and DC
   output per W DC ``G_poa/1000 (1 + gamma (T_cell - 25))``, gamma = -0.35 %/K
   (``pvlib.pvsystem.pvwatts_dc``);
5. AC per W AC: ``pvlib.inverter.pvwatts(ILR (1 - L) p_dc, pdc0 = 1/0.96)``, i.e. system
   losses ``L`` = 14 % (PVWatts default), inverter efficiency curve, clipping at 1.

Synthetic weather (:func:`synthetic_irradiance`, :func:`calibrated_pv`) feeds this chain with
clear-sky irradiance (Ineichen with the Linke-turbidity climatology) times a stochastic
clear-sky index, split into beam and diffuse by the Erbs model, and calibrated to the site's
catalog capacity factor.
Photons: ``N = G_poa A n_gamma`` with ``A`` the module area of the DC array
(:func:`pv_photons_per_s`, via :mod:`planner.chain.physics`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pvlib
from scipy.special import ndtr
from scipy.stats import beta

from planner.chain import physics
from planner.errors import InputError

ILR = 1.3
"""DC/AC (inverter loading) ratio of the reference plant [-] (utility single-axis, NREL ATB ~1.3)."""
LOSSES = 0.14
"""System losses before the inverter (soiling, wiring, mismatch, availability) [-], PVWatts default."""
GAMMA_PDC = -0.0035
"""Temperature coefficient of DC power [1/K] (mono c-Si)."""
WIND_SPEED = 2.0
"""Wind speed assumed for the cell-temperature model [m/s]."""


def solar_position(times: pd.DatetimeIndex, lat: float, lon: float, altitude_m: float = 0.0) -> pd.DataFrame:
    """Sun and tracker geometry at the middle of each hour.

    Columns: ``apparent_zenith``, ``zenith``, ``azimuth`` [deg] (``pvlib.solarposition``,
    ``ephemeris`` method: within ~0.01 deg of NREL SPA above the horizon, 7x faster);
    ``surface_tilt``, ``surface_azimuth`` [deg] of a N-S single-axis tracker, +-60 deg,
    backtracking at ground coverage ratio 0.35 (``pvlib.tracking.singleaxis``; flat at night);
    ``dni_extra`` [W/m^2] extraterrestrial normal irradiance.
    """
    mid = times + pd.Timedelta(minutes=30)
    sp = pvlib.solarposition.get_solarposition(mid, lat, lon, altitude=altitude_m, method="ephemeris")
    sp.index = times
    trk = pvlib.tracking.singleaxis(
        sp["apparent_zenith"],
        sp["azimuth"],
        axis_tilt=0,
        axis_azimuth=180,
        max_angle=60,
        backtrack=True,
        gcr=0.35,
    )
    sp["surface_tilt"] = trk["surface_tilt"].fillna(0.0)
    sp["surface_azimuth"] = trk["surface_azimuth"].fillna(180.0)
    sp["dni_extra"] = pvlib.irradiance.get_extra_radiation(mid).to_numpy()
    return sp


def poa_single_axis(sp: pd.DataFrame, ghi: np.ndarray, dni: np.ndarray, dhi: np.ndarray) -> np.ndarray:
    """Plane-of-array global irradiance [W/m^2] on the tracker of ``sp`` (:func:`solar_position`).

    Hay-Davies transposition (``pvlib.irradiance.get_total_irradiance``), ground albedo 0.2;
    zero whenever the sun is below the horizon (apparent zenith >= 90 deg).
    """
    zen = sp["apparent_zenith"].to_numpy()
    irr = pvlib.irradiance.get_total_irradiance(
        sp["surface_tilt"].to_numpy(),
        sp["surface_azimuth"].to_numpy(),
        zen,
        sp["azimuth"].to_numpy(),
        dni,
        ghi,
        dhi,
        dni_extra=sp["dni_extra"].to_numpy(),
        albedo=0.2,
        model="haydavies",
    )
    poa = np.nan_to_num(np.asarray(irr["poa_global"], dtype=float))
    return np.where(zen < 90.0, np.clip(poa, 0.0, None), 0.0)


def pv_ac_cf(poa: np.ndarray, temp_air_c: np.ndarray, ilr: float = ILR, losses: float = LOSSES) -> np.ndarray:
    """AC capacity factor [-] (output per W AC) from POA irradiance [W/m^2] and air temperature [degC].

    .. math:: CF = \\min(1, \\eta_{inv}(z)\\, ILR (1-L) \\tfrac{G}{1000}(1 + \\gamma (T_c - 25)))

    with Faiman cell temperature ``T_c = T_a + G / (25 + 6.84 v)`` and the PVWatts inverter.
    """
    t_cell = pvlib.temperature.faiman(poa, temp_air_c, WIND_SPEED)
    p_dc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, pdc0=1.0, gamma_pdc=GAMMA_PDC)
    pdc = np.clip(ilr * (1.0 - losses) * np.asarray(p_dc, dtype=float), 0.0, None)
    return np.asarray(pvlib.inverter.pvwatts(pdc, 1.0 / 0.96), dtype=float)


def pv_from_weather(
    times: pd.DatetimeIndex,
    lat: float,
    lon: float,
    ghi: np.ndarray,
    dni: np.ndarray,
    dhi: np.ndarray,
    temp_air_c: np.ndarray,
    altitude_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the reference chain on measured/typical weather: returns ``(cf [-], poa [W/m^2])``.

    Parameters
    ----------
    times : UTC hour starts (hour-beginning labels).
    lat, lon : site latitude and longitude [deg].
    ghi, dni, dhi : global horizontal, direct normal, diffuse horizontal irradiance [W/m^2].
    temp_air_c : ambient dry bulb [degC].
    """
    sp = solar_position(times, lat, lon, altitude_m)
    poa = poa_single_axis(sp, np.asarray(ghi, float), np.asarray(dni, float), np.asarray(dhi, float))
    return pv_ac_cf(poa, np.asarray(temp_air_c, float)), poa


def clear_sky(sp: pd.DataFrame, lat: float, lon: float, altitude_m: float = 0.0) -> pd.DataFrame:
    """Ineichen-Perez clear-sky ``ghi``, ``dni``, ``dhi`` [W/m^2] with monthly Linke turbidity."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = pvlib.clearsky.lookup_linke_turbidity(sp.index, lat, lon)
        am = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
        am_abs = pvlib.atmosphere.get_absolute_airmass(am, pvlib.atmosphere.alt2pres(altitude_m))
        cs = pvlib.clearsky.ineichen(sp["apparent_zenith"], am_abs, tl, altitude=altitude_m)
    return cs.fillna(0.0)


def clear_sky_index(mean: float, z_daily: np.ndarray, y_hourly: np.ndarray) -> np.ndarray:
    """Stochastic clear-sky index ``k = GHI / GHI_clear`` [-] with mean ``mean``.

    Daily index ``k_d = B^{-1}(Phi(z_d); m kappa, (1 - m) kappa)``: a Beta marginal of mean
    ``m`` and concentration ``kappa = 5`` through a Gaussian copula of ``z_daily``, a unit
    AR(1) per day (``phi = 0.5``: cloudy spells last a few days). Hourly:
    ``k = clip(k_d + 0.3 sqrt(k_d (1 - k_d)) y_h, 0, 1)`` with ``y_hourly`` a unit AR(1)
    (``phi = 0.7``): partly cloudy days vary most within the day.
    """
    m = float(np.clip(mean, 0.05, 0.97))
    kd = np.repeat(beta.ppf(ndtr(z_daily), m * 5.0, (1 - m) * 5.0), 24)[: len(y_hourly)]
    return np.clip(kd + 0.3 * np.sqrt(kd * (1 - kd)) * y_hourly, 0.0, 1.0)


def synthetic_irradiance(
    times: pd.DatetimeIndex,
    lat: float,
    lon: float,
    target_cf: float,
    temp_air_c: np.ndarray,
    z_daily: np.ndarray,
    y_hourly: np.ndarray,
    altitude_m: float = 0.0,
    sp: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cloudy-sky ``ghi``, ``dni``, ``dhi`` [W/m^2] whose chain CF is close to ``target_cf``.

    1. clear-sky CF ``CF_cs`` from the chain on Ineichen irradiance;
    2. clear-sky index of mean ``m = CF_target / CF_cs`` (:func:`clear_sky_index` of the
       anomalies ``z_daily`` (365,), ``y_hourly`` (8760,)), then one
       secant correction of ``m`` for the diffuse share the Erbs split adds (same cloud draw);
       ``GHI = k GHI_cs`` split into DNI and DHI by ``pvlib.irradiance.erbs``.

    Raises InputError if ``target_cf`` is outside [0, 0.6).
    """
    if not 0.0 <= target_cf < 0.6:
        raise InputError(f"PV capacity factor {target_cf}: allowed 0 <= pv_cf < 0.6")
    sp = solar_position(times, lat, lon, altitude_m) if sp is None else sp
    cs = clear_sky(sp, lat, lon, altitude_m)
    ghi_cs = cs["ghi"].to_numpy()
    cf_cs = pv_ac_cf(
        poa_single_axis(sp, ghi_cs, cs["dni"].to_numpy(), cs["dhi"].to_numpy()), temp_air_c
    ).mean()

    def cloudy(mean_k: float) -> pd.DataFrame:
        ghi = clear_sky_index(mean_k, z_daily, y_hourly) * ghi_cs
        sep = pvlib.irradiance.erbs(ghi, sp["zenith"].to_numpy(), times.dayofyear.to_numpy())
        return pd.DataFrame(
            {
                "ghi": ghi,
                "dni": np.nan_to_num(np.asarray(sep["dni"], float)),
                "dhi": np.nan_to_num(np.asarray(sep["dhi"], float)),
            },
            index=times,
        )

    m0 = min(target_cf / cf_cs, 1.0) if cf_cs > 0 else 1.0
    irr = cloudy(m0)
    cf0 = pv_ac_cf(
        poa_single_axis(sp, irr["ghi"].to_numpy(), irr["dni"].to_numpy(), irr["dhi"].to_numpy()), temp_air_c
    ).mean()
    if cf0 > 0 and m0 < 1.0:
        irr = cloudy(min(m0 * target_cf / cf0, 1.0))
    return irr


def calibrated_pv(
    sp: pd.DataFrame, irr: pd.DataFrame, temp_air_c: np.ndarray, target_cf: float
) -> tuple[np.ndarray, np.ndarray]:
    """PV capacity factor [-] and POA irradiance [W/m^2] whose annual mean CF equals ``target_cf``.

    ``irr`` (``ghi``, ``dni``, ``dhi`` [W/m^2], e.g. from :func:`synthetic_irradiance`) goes
    through the chain on the geometry ``sp`` (:func:`solar_position`); the residual gap to the
    target is removed by scaling the POA irradiance by ``s`` (bisection to 1e-9; ``s`` is
    0.84-1.07 for the catalog sites, above 1 where the catalog CF exceeds this clear-sky
    chain), so the photon count and the capacity factor stay consistent. Raises InputError if
    even ``s = 3`` falls short.
    """
    if target_cf == 0.0:
        return np.zeros(len(sp)), np.zeros(len(sp))
    poa = poa_single_axis(sp, irr["ghi"].to_numpy(), irr["dni"].to_numpy(), irr["dhi"].to_numpy())
    lo, hi = 0.0, 3.0
    if pv_ac_cf(hi * poa, temp_air_c).mean() < target_cf:
        raise InputError(f"PV capacity factor {target_cf} is above what this site's sunlight can give")
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if pv_ac_cf(mid * poa, temp_air_c).mean() < target_cf else (lo, mid)
    poa = 0.5 * (lo + hi) * poa
    return pv_ac_cf(poa, temp_air_c), poa


def pv_photons_per_s(poa_w_m2: np.ndarray | float, p_ac_w: float, ilr: float = ILR) -> np.ndarray | float:
    """Photon flux on a PV plant's modules [photons/s].

    .. math:: \\dot N = G_{poa}\\, A\\, n_\\gamma,\\quad A = ILR\\,P_{ac} / (\\eta\\, G_{STC})

    Parameters
    ----------
    poa_w_m2 : plane-of-array irradiance G_poa [W/m^2] (e.g. the ``pv_poa_w_m2`` profile).
    p_ac_w : AC rating of the plant [W]; its DC array is ``ilr`` times larger.
    ilr : DC/AC ratio [-].
    """
    return physics.pv_photon_flux(np.asarray(poa_w_m2, dtype=float), physics.pv_module_area(ilr * p_ac_w))
