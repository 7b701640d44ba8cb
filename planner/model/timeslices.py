"""Time slices of the model: one annual slice, or N representative 24-hour days.

Each slice ``t`` has a weight ``w_t`` [h/yr]: the hours of the year it stands for, so
``sum_t w_t = 8760``. Capacity-factor profiles per site and slice are built here.

Profiles in this module are deliberately simple and documented (the hourly-physics work
replaces them with pvlib irradiance and tsam-selected days):

* days are spread evenly over the year: day ``i`` of ``N`` is day-of-year
  ``doy_i = 365 (i + 0.5) / N`` and stands for ``365 / N`` days;
* PV: shape ``max(0, cos(zenith))**0.7`` in local solar time (the exponent < 1 widens the
  curve as single-axis tracking does), zenith from the solar declination
  ``delta = 23.44 deg sin(2 pi (284 + doy) / 365)`` (Cooper 1969) and the site latitude;
  scaled so the weighted annual mean equals the site's catalog capacity factor;
* wind: ``1 + 0.15 cos(2 pi (doy - 15) / 365)`` (winter-peaking in the northern
  hemisphere, shifted six months in the southern) times ``1 + 0.10 cos(2 pi (h - 3) / 24)``
  (night-peaking), scaled to the catalog mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class TimeSlices:
    """Slices with weights and per-site capacity-factor profiles.

    Attributes
    ----------
    weight_h : (T,) hours of the year each slice stands for [h/yr]
    day : (T,) representative-day index of each slice (0 in annual mode)
    hour : (T,) hour of day of each slice (0 in annual mode)
    pv_cf, wind_cf : (S, T) capacity factor per site and slice [-]
    hourly : True when slices are hours of representative days (storage is modelled)
    """

    weight_h: np.ndarray
    day: np.ndarray
    hour: np.ndarray
    pv_cf: np.ndarray
    wind_cf: np.ndarray
    hourly: bool

    @property
    def n(self) -> int:
        """Number of slices."""
        return int(self.weight_h.size)


def _scale_to_mean(raw: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scale each row of ``raw`` (S, T) so its weighted mean equals ``target`` (S,), capped at 1.

    The cap is applied iteratively (clipped energy is spread over the other slices).
    """
    out = raw.copy()
    for _ in range(50):
        mean = (out * weights).sum(axis=1) / weights.sum()
        factor = np.divide(target, mean, out=np.zeros_like(target), where=mean > 0)
        out = np.minimum(out * factor[:, None], 1.0)
        if np.allclose((out * weights).sum(axis=1) / weights.sum(), target, rtol=1e-9):
            break
    return out


def pv_shape(lat_deg: np.ndarray, doy: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Unscaled PV output shape (S, T) from solar geometry at local solar time.

    ``cos(zenith) = sin(phi) sin(delta) + cos(phi) cos(delta) cos(omega)`` with hour angle
    ``omega = 15 deg (h + 0.5 - 12)``; output ``max(0, cos zenith)**0.7``.
    """
    phi = np.radians(lat_deg)[:, None]
    delta = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365.0)[None, :]
    omega = np.radians(15.0 * (hour + 0.5 - 12.0))[None, :]
    cosz = np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(omega)
    return np.clip(cosz, 0.0, None) ** 0.7


def wind_shape(lat_deg: np.ndarray, doy: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Unscaled wind capacity-factor shape (S, T): winter- and night-peaking."""
    season_shift = np.where(np.asarray(lat_deg) >= 0, 0.0, 182.5)[:, None]
    seasonal = 1 + 0.15 * np.cos(2 * np.pi * (doy[None, :] - 15 - season_shift) / 365.0)
    diurnal = 1 + 0.10 * np.cos(2 * np.pi * (hour[None, :] - 3) / 24.0)
    return seasonal * diurnal


def build_time_slices(mode: str, days: int, lat_deg: np.ndarray, pv_cf: np.ndarray, wind_cf: np.ndarray) -> TimeSlices:
    """Build the slices for ``mode`` (``annual`` or ``representative_days``).

    Parameters
    ----------
    mode : ``annual`` or ``representative_days``
    days : number of representative days N (ignored in annual mode)
    lat_deg : (S,) site latitudes [deg]
    pv_cf, wind_cf : (S,) annual mean capacity factors [-]
    """
    lat = np.asarray(lat_deg, dtype=float)
    pv_mean = np.asarray(pv_cf, dtype=float)
    wind_mean = np.asarray(wind_cf, dtype=float)
    if mode == "annual":
        zeros = np.zeros(1, dtype=int)
        return TimeSlices(np.array([HOURS_PER_YEAR]), zeros, zeros, pv_mean[:, None].copy(), wind_mean[:, None].copy(), False)
    day_index = np.repeat(np.arange(days), 24)
    hour = np.tile(np.arange(24), days)
    doy = 365.0 * (day_index + 0.5) / days
    weights = np.full(days * 24, HOURS_PER_YEAR / (days * 24))
    pv = _scale_to_mean(pv_shape(lat, doy, hour), pv_mean, weights)
    wind = _scale_to_mean(wind_shape(lat, doy, hour), wind_mean, weights)
    return TimeSlices(weights, day_index, hour, pv, wind, True)
