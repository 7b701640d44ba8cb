"""Cooling follows the climate: hourly PUE and WUE per cooling technology from ambient
temperature.

Each technology has a documented *load shape*: the share of its cooling overhead (PUE - 1)
or water use (WUE) that is active at a given temperature, between a floor (fans, pumps,
CDUs that always run) and 1 (full mechanical or evaporative duty):

``shape(T) = floor + (1 - floor) * clip((T - T_free) / (T_full - T_free), 0, 1)``

The hourly series is then scaled so its hour-weighted annual mean equals the catalog value
for the site's climate class (``data/cooling_climate.csv``): the catalog fixes the level,
the climate the timing. Electrical losses (UPS, transformers, distribution) and support loads
(lighting, offices) do not follow the weather: they form the documented PUE floor
(``data/facility.csv``, 1.04) under every hour. Parameters are engineering estimates after
ASHRAE TC 9.9 (2021) economiser and liquid-cooling supply-temperature classes (W32-W45):

=============  ===========  =======  ========  ======  =====================================
cooling        driver       T_free   T_full    floor   why
=============  ===========  =======  ========  ======  =====================================
air            dry bulb     12 degC  30 degC   0.35    airside/waterside economiser below ~12
rdhx           wet bulb     10 degC  24 degC   0.45    chilled water to rear doors, towers
dlc            dry bulb     25 degC  40 degC   0.60    warm water (W32+): dry coolers most hours
immersion_*    dry bulb     28 degC  42 degC   0.70    warmer fluid still, pumps dominate
=============  ===========  =======  ========  ======  =====================================

WUE (evaporative heat rejection) follows the wet bulb for every technology:
``shape_w(T_wb) = 0.1 + 0.9 clip((T_wb - 5) / (25 - 5), 0, 1)``.
"""

from __future__ import annotations

import numpy as np

CURVES: dict[str, tuple[str, float, float, float]] = {
    "air": ("dry", 12.0, 30.0, 0.35),
    "rdhx": ("wet", 10.0, 24.0, 0.45),
    "dlc": ("dry", 25.0, 40.0, 0.60),
    "immersion_1ph": ("dry", 28.0, 42.0, 0.70),
    "immersion_2ph": ("dry", 28.0, 42.0, 0.70),
}
"""cooling id -> (driving temperature, T_free [degC], T_full [degC], floor [-])."""
LIQUID_DEFAULT = ("dry", 25.0, 40.0, 0.60)
AIR_DEFAULT = ("dry", 12.0, 30.0, 0.35)


def load_shape(temperature_c: np.ndarray, t_free: float, t_full: float, floor: float) -> np.ndarray:
    """``floor + (1 - floor) clip((T - T_free) / (T_full - T_free), 0, 1)`` [-]."""
    return floor + (1.0 - floor) * np.clip(
        (np.asarray(temperature_c, float) - t_free) / (t_full - t_free), 0.0, 1.0
    )


def _scaled(shape: np.ndarray, mean: float, weights: np.ndarray) -> np.ndarray:
    avg = float((shape * weights).sum() / weights.sum())
    return shape * (mean / avg) if avg > 0 else np.zeros_like(shape)


def hourly_pue(
    cooling_id: str,
    liquid: bool,
    pue_mean: float,
    dry_bulb_c: np.ndarray,
    wet_bulb_c: np.ndarray,
    weights_h: np.ndarray,
    pue_floor: float = 1.0,
) -> np.ndarray:
    """Hourly PUE [-] whose hour-weighted mean is ``pue_mean``:
    ``PUE_t = floor + (pue_mean - floor) shape_t / mean(shape)``.

    ``pue_floor`` [-] is the part that does not follow the weather (``1 +`` electrical losses and
    support loads per kW IT, :func:`planner.catalogs.load.pue_floor`); only the cooling overhead
    above it follows the driving temperature, so no hour falls below the floor.
    """
    driver, t_free, t_full, floor = CURVES.get(cooling_id, LIQUID_DEFAULT if liquid else AIR_DEFAULT)
    temperature = dry_bulb_c if driver == "dry" else wet_bulb_c
    overhead = max(pue_mean - pue_floor, 0.0)
    return pue_floor + _scaled(load_shape(temperature, t_free, t_full, floor), overhead, weights_h)


def hourly_wue(wue_mean_l_per_kwh: float, wet_bulb_c: np.ndarray, weights_h: np.ndarray) -> np.ndarray:
    """Hourly WUE [L/kWh IT] whose hour-weighted mean is the catalog value."""
    return _scaled(load_shape(wet_bulb_c, 5.0, 25.0, 0.1), wue_mean_l_per_kwh, weights_h)
