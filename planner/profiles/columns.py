"""The hourly profile columns of a site, with their units.

``pv_cf``, ``wind_cf`` [-] (AC output per W AC); ``dry_bulb_c``, ``wet_bulb_c`` [degC];
``grid_co2_g_per_kwh`` [gCO2/kWh]; ``grid_price_usd_per_mwh`` [USD/MWh]; ``pv_poa_w_m2``
[W/m^2] plane-of-array irradiance of the single-axis array.
"""

SITE_COLUMNS = (
    "pv_cf",
    "wind_cf",
    "dry_bulb_c",
    "wet_bulb_c",
    "grid_co2_g_per_kwh",
    "grid_price_usd_per_mwh",
    "pv_poa_w_m2",
)
