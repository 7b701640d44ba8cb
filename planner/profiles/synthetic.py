"""Synthetic, documented hourly models: time axis, temperatures, wind, grid and demand shapes.

The models are pure functions of their inputs; their random weather anomalies come from
:func:`weather_noise`: unit-variance AR(1) series seeded by ``zlib.crc32`` of the site id,
the year and the model name, so profiles reproduce exactly from run to run. A share of each
anomaly is common to a 4 x 4 deg weather cell, so nearby sites see the same weather
(correlation ~0.7) instead of independent draws.

Time convention: hour ``t`` stands for ``[t, t + 1 h)`` in UTC; weather shapes use local
*solar* time ``h_sol = (utc hour + 0.5 + lon / 15) mod 24`` [h]; load-driven shapes
(demand, price) use local *clock* time from the IANA time zone (daylight saving included).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from planner.errors import InputError

HOURS = 8760

#: Dry-bulb shape per climate class: seasonal amplitude a_s, diurnal amplitude a_d and
#: synoptic (weather) standard deviation sigma [degC] before the design-tail scaling.
CLIMATE_SHAPES: dict[str, tuple[float, float, float]] = {
    "hot_dry": (10.0, 8.0, 3.0),
    "hot_humid": (8.0, 5.0, 2.5),
    "temperate_humid": (12.0, 5.0, 4.0),
    "temperate": (11.0, 5.0, 4.0),
    "cold_dry": (12.0, 8.0, 4.0),
    "cold": (9.0, 4.0, 4.0),
}
#: Generic wind-plant power curve: cut-in, rated and cut-out speeds [m/s].
CUT_IN, RATED, CUT_OUT = 3.0, 11.5, 25.0


def hourly_index(year: int) -> pd.DatetimeIndex:
    """The 8760 UTC hour starts of ``year`` (Feb 29 dropped in leap years)."""
    idx = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", tz="UTC", inclusive="left")
    return idx[~((idx.month == 2) & (idx.day == 29))]


def rng_for(site_id: str, year: int, stream: str) -> np.random.Generator:
    """Deterministic generator seeded by ``(crc32(site_id), year, crc32(stream))``."""
    return np.random.default_rng([zlib.crc32(site_id.encode()), year, zlib.crc32(stream.encode())])


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary unit-variance AR(1) series ``x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t``."""
    from scipy.signal import lfilter

    e = rng.standard_normal(n)
    x0 = rng.standard_normal()
    return lfilter([np.sqrt(1 - phi**2)], [1.0, -phi], e, zi=[phi * x0])[0]


def weather_noise(
    site_id: str, lat: float, lon: float, year: int, stream: str, n: int, phi: float, shared: float = 0.7
) -> np.ndarray:
    """Unit-variance AR(1) anomaly ``z = sqrt(rho) z_cell + sqrt(1 - rho) z_site`` [-].

    ``z_cell`` is seeded by the weather cell ``(floor(lat/4), floor(lon/4))``, ``z_site`` by
    the site id (both with the year and ``stream``); both are AR(1) with the same ``phi``, so
    ``z`` is too. ``rho = shared`` is the correlation between two sites of one cell.
    """
    cell = f"cell:{int(np.floor(lat / 4))}:{int(np.floor(lon / 4))}"
    return np.sqrt(shared) * ar1(rng_for(cell, year, stream), n, phi) + np.sqrt(1 - shared) * ar1(
        rng_for(site_id, year, stream), n, phi
    )


def solar_hour(index: pd.DatetimeIndex, lon_deg: float) -> np.ndarray:
    """Local mean solar time at mid-hour [h]: ``(utc hour + 0.5 + lon / 15) mod 24``."""
    return np.mod(np.asarray(index.hour) + 0.5 + lon_deg / 15.0, 24.0)


def local_hour(index: pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """Local clock hour (0..23) of each UTC hour in ``timezone`` (daylight saving included)."""
    return np.asarray(index.tz_convert(timezone).hour)


def season(index: pd.DatetimeIndex, lat_deg: float, peak_doy: float) -> np.ndarray:
    """``cos(2 pi (doy - peak_doy) / 365)``, peak shifted half a year south of the equator."""
    shift = 0.0 if lat_deg >= 0 else 182.5
    return np.cos(2 * np.pi * (np.asarray(index.dayofyear) - peak_doy - shift) / 365.0)


def scale_to_mean(x: np.ndarray, target: float, floor: float = 0.0) -> np.ndarray:
    """Clip ``x`` at ``floor * target`` and scale it so its mean is exactly ``target``."""
    x = np.maximum(x, floor * abs(target))
    return x * (target / x.mean()) if x.mean() != 0 else np.full_like(x, target)


def dry_bulb(
    index: pd.DatetimeIndex,
    lat: float,
    lon: float,
    mean_c: float,
    design_c: float,
    climate_class: str,
    weather: np.ndarray,
) -> np.ndarray:
    """Hourly dry-bulb temperature [degC].

    .. math:: T = \\bar T + c\\,(a - \\bar a),\\quad
              a = a_s f_{lat} S(doy) + a_d D(h_{sol}) + \\sigma W_t

    with ``S = cos(2 pi (doy - 200) / 365)`` (late-July peak, flipped south),
    ``D = cos(2 pi (h_sol - 15) / 24)`` (15:00 solar-time peak), ``W = weather`` a unit AR(1)
    anomaly (:func:`weather_noise`, ``phi = 0.98`` per hour: ~2-day synoptic persistence), ``f_lat = min(1,
    max(0.1, |lat| / 20))`` (little seasonality in the tropics) and class amplitudes from
    :data:`CLIMATE_SHAPES`. The mean is exactly ``annual_mean_temp_c``; ``c`` puts the 99.6th
    percentile (the ASHRAE 0.4 % hot tail) exactly at ``design_dry_bulb_c``.
    """
    a_s, a_d, sigma = CLIMATE_SHAPES.get(climate_class, CLIMATE_SHAPES["temperate"])
    f_lat = min(1.0, max(0.1, abs(lat) / 20.0))
    a = (
        a_s * f_lat * season(index, lat, 200.0)
        + a_d * np.cos(2 * np.pi * (solar_hour(index, lon) - 15.0) / 24.0)
        + sigma * weather
    )
    a = a - a.mean()
    q = np.quantile(a, 0.996)
    if design_c <= mean_c:
        raise InputError(f"design dry bulb {design_c} degC must exceed the annual mean {mean_c} degC")
    return mean_c + (design_c - mean_c) / q * a


def wet_bulb_stull(t_c: np.ndarray, rh_pct: np.ndarray) -> np.ndarray:
    """Wet-bulb temperature [degC] from dry bulb [degC] and relative humidity [%] (Stull 2011).

    .. math:: T_w = T \\arctan(0.151977 (RH + 8.313659)^{1/2}) + \\arctan(T + RH)
              - \\arctan(RH - 1.676331) + 0.00391838 RH^{3/2} \\arctan(0.023101 RH) - 4.686035

    RH is clipped to the formula's range 5-99 %; the result is capped at ``T``.
    """
    rh = np.clip(rh_pct, 5.0, 99.0)
    tw = (
        t_c * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t_c + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035
    )
    return np.minimum(tw, t_c)


def relative_humidity(t_c: np.ndarray, dew_c: np.ndarray) -> np.ndarray:
    """Relative humidity [%] from the Magnus formula
    ``100 exp(17.625 Td/(243.04+Td) - 17.625 T/(243.04+T))``."""
    return 100.0 * np.exp(17.625 * dew_c / (243.04 + dew_c) - 17.625 * t_c / (243.04 + t_c))


def wet_bulb(dry_c: np.ndarray, design_db_c: float, design_wb_c: float) -> np.ndarray:
    """Hourly wet-bulb temperature [degC] from a dew-point model calibrated to the design point.

    The dew point follows the 24-hour (circular) running mean of the dry bulb,
    ``T_d = min(T_24h - Delta, T)``, so humidity is constant through a day (relative humidity
    peaks at dawn); ``T_w`` follows from :func:`wet_bulb_stull` with RH from
    :func:`relative_humidity`. ``Delta`` [K] is found by bisection so the mean ``T_w`` over the
    hours at or above the 99.6th dry-bulb percentile equals the mean coincident design wet
    bulb. ``T_w <= T`` always.
    """
    t24 = np.convolve(np.r_[dry_c[-12:], dry_c, dry_c[:11]], np.ones(24) / 24, mode="valid")
    hot = dry_c >= np.quantile(dry_c, 0.996)

    def wb(delta: float) -> np.ndarray:
        dew = np.minimum(t24 - delta, dry_c)
        return wet_bulb_stull(dry_c, relative_humidity(dry_c, dew))

    lo, hi = -15.0, 60.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if wb(mid)[hot].mean() > design_wb_c else (lo, mid)
    return wb(0.5 * (lo + hi))


def wind_power_curve(u: np.ndarray) -> np.ndarray:
    """Normalised plant power [-]: 0 below cut-in, ``(u^3 - u_in^3)/(u_r^3 - u_in^3)`` to rated,
    1 to cut-out, 0 above."""
    p = np.clip((u**3 - CUT_IN**3) / (RATED**3 - CUT_IN**3), 0.0, 1.0)
    return np.where(u >= CUT_OUT, 0.0, p)


def wind_cf(index: pd.DatetimeIndex, lat: float, lon: float, mean_cf: float, z: np.ndarray) -> np.ndarray:
    """Hourly wind capacity factor [-] with persistence, seasonal and diurnal shape.

    Hub-height speed ``u = c W^{-1}(Phi(z_t)) (1 + 0.12 S) (1 + 0.06 cos(2 pi (h_sol - 2)/24))``:
    ``z`` a unit AR(1) Gaussian (:func:`weather_noise`, ``phi = 0.96`` per hour, ~1-day persistence)
    mapped to a Weibull(k = 2, scale 1) marginal (Gaussian copula), ``S`` winter-peaking
    (``cos(2 pi (doy - 15)/365)``, flipped south), a night-time (02:00 solar) low-level-jet
    peak. Output through :func:`wind_power_curve`; the speed scale ``c`` [m/s] is found by
    bisection so the annual mean equals ``mean_cf`` (within 1e-6).
    """
    from scipy.special import ndtr
    from scipy.stats import weibull_min

    if not 0.0 <= mean_cf < 0.95:
        raise InputError(f"wind capacity factor {mean_cf}: allowed 0 <= wind_cf < 0.95")
    shape = weibull_min.ppf(ndtr(z), 2.0)
    shape = (
        shape
        * (1 + 0.12 * season(index, lat, 15.0))
        * (1 + 0.06 * np.cos(2 * np.pi * (solar_hour(index, lon) - 2.0) / 24.0))
    )
    if mean_cf == 0.0:
        return np.zeros(len(index))
    lo, hi = 0.1, 25.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if wind_power_curve(mid * shape).mean() < mean_cf else (lo, mid)
    return wind_power_curve(0.5 * (lo + hi) * shape)


def grid_load(index: pd.DatetimeIndex, timezone: str, dry_c: np.ndarray) -> np.ndarray:
    """Regional electric-load anomaly [-], mean 0: evening (18:00 clock) peak plus cooling/heating.

    ``L = 0.5 cos(2 pi (h_loc - 18)/24) + 0.5 (|T - 18| - mean) / std``.
    """
    dev = np.abs(dry_c - 18.0)
    return 0.5 * np.cos(2 * np.pi * (local_hour(index, timezone) - 18) / 24) + 0.5 * (dev - dev.mean()) / (
        dev.std() + 1e-9
    )


def grid_co2(
    mean_g_per_kwh: float,
    clean_share: float,
    load: np.ndarray,
    pv: np.ndarray,
    wind: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Hourly grid carbon intensity [gCO2/kWh] around the catalog mean.

    .. math:: I = \\bar I\\,(1 + g (0.10 L - 0.25 \\tilde p - 0.20 \\tilde w) + 0.05 W)

    ``tilde p = pv/mean(pv) - 1`` and ``tilde w`` (wind) stand for the region's renewables
    (the site's own profiles as proxy), ``L`` from :func:`grid_load`, ``W = noise`` a unit AR(1)
    (``phi = 0.9``), ``g = 4 s (1 - s)`` with clean share ``s`` (no swing on all-clean or
    all-fossil grids). Clipped at 2 % of the mean, rescaled to the exact mean.
    """
    g = 4.0 * clean_share * (1.0 - clean_share)
    p = pv / pv.mean() - 1 if pv.mean() > 0 else 0 * pv
    w = wind / wind.mean() - 1 if wind.mean() > 0 else 0 * wind
    x = 1 + g * (0.10 * load - 0.25 * p - 0.20 * w) + 0.05 * noise
    return scale_to_mean(mean_g_per_kwh * x, mean_g_per_kwh, floor=0.02)


def grid_price(mean_usd_per_mwh: float, load: np.ndarray, pv: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Hourly grid price [USD/MWh] around the catalog mean.

    .. math:: P = \\bar P\\,(1 + 0.30 L - 0.15 \\tilde p + 0.10 W)

    (load-driven evening and heat peaks, cheaper solar middays, ``W = noise`` a unit AR(1),
    ``phi = 0.8``);
    clipped at 5 % of the mean and rescaled to the exact mean.
    """
    p = pv / pv.mean() - 1 if pv.mean() > 0 else 0 * pv
    x = 1 + 0.30 * load - 0.15 * p + 0.10 * noise
    return scale_to_mean(mean_usd_per_mwh * x, mean_usd_per_mwh, floor=0.05)


def demand_shape(index: pd.DatetimeIndex, timezone: str, peak_to_average: float) -> np.ndarray:
    """Inference-demand shape [-]: mean exactly 1, maximum exactly ``peak_to_average``.

    Base shape in local clock time ``h`` (daylight saving included), weekends 8 % lower:

    .. math:: f = (1 + 0.45 \\cos(2\\pi (h - 15)/24) + 0.12 \\cos(4\\pi (h - 19)/24))\\,(1 - 0.08\\,[weekend])

    (overnight trough ~04:00, peak mid/late afternoon). The shape is ``f^gamma / mean(f^gamma)``;
    max/mean increases monotonically with ``gamma`` (1 at ``gamma = 0``), which is found by
    bisection.
    """
    if not np.isfinite(peak_to_average) or peak_to_average < 1.0:
        raise InputError(f"peak_to_average {peak_to_average}: allowed a finite value >= 1")
    loc = index.tz_convert(timezone)
    h = np.asarray(loc.hour, dtype=float)
    f = (1 + 0.45 * np.cos(2 * np.pi * (h - 15) / 24) + 0.12 * np.cos(4 * np.pi * (h - 19) / 24)) * np.where(
        loc.dayofweek >= 5, 0.92, 1.0
    )
    f = f / f.max()

    def ratio(gamma: float) -> float:
        return float(1.0 / np.mean(f**gamma))

    lo, hi = 0.0, 60.0
    if ratio(hi) < peak_to_average:
        raise InputError(
            f"peak_to_average {peak_to_average}: the diurnal demand shape reaches at most {ratio(hi):.2f}"
        )
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < peak_to_average else (lo, mid)
        if hi - lo < 1e-13:
            break
    g = f ** (0.5 * (lo + hi))
    return g / g.mean()
