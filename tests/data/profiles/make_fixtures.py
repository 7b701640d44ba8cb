"""Write the profile fixtures of this folder from the synthetic weather of catalog sites.

Run from the repository root: ``.venv/bin/python tests/data/profiles/make_fixtures.py``.
Each file follows its source's layout exactly (see shared/reference/profile_formats.csv):

* ``nsrdb_abilene_tx.csv``: NSRDB PSM4 TMY SAM CSV, local standard time (Time Zone -6),
  months from different years, ``Minute`` 30;
* ``pvgis_tmy_dublin_ie.csv``: PVGIS TMY CSV (UTC, ``%Y%m%d:%H%M``, month/year table, footer);
* ``ninja_pv_hamina_fi.csv`` / ``ninja_wind_ellendale_nd.csv``: renewables.ninja, 1 kW;
* ``plain_co2_loudoun_va.csv``: ``timestamp,value`` (ISO UTC).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.catalogs.load import load_catalogs
from planner.profiles.sites import site_profiles, site_weather
from planner.profiles.synthetic import wet_bulb_stull

HERE = Path(__file__).parent
TMY_YEARS = [2007, 2012, 2005, 2016, 2019, 2010, 2014, 2009, 2018, 2011, 2006, 2015]


def rh_from_wet_bulb(t: np.ndarray, tw: np.ndarray) -> np.ndarray:
    """Relative humidity [%] that gives wet bulb ``tw`` at dry bulb ``t`` (bisection on Stull 2011)."""
    lo, hi = np.full_like(t, 5.0), np.full_like(t, 99.0)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        low = wet_bulb_stull(t, mid) < tw
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return 0.5 * (lo + hi)


def sites() -> pd.DataFrame:
    """The site catalog indexed by site_id."""
    return load_catalogs().sites.rename_axis("site_id").reset_index().set_index("site_id", drop=False)


def nsrdb(site: pd.Series) -> None:
    w = site_weather(site)
    offset = -6
    local = pd.date_range("2023-01-01", periods=8760, freq="h")
    roll = lambda a: np.roll(np.asarray(a), offset)  # local row i is UTC hour i - offset  # noqa: E731
    rh = rh_from_wet_bulb(w["dry_bulb_c"].to_numpy(), w["wet_bulb_c"].to_numpy())
    body = pd.DataFrame(
        {
            "Year": [TMY_YEARS[m - 1] for m in local.month],
            "Month": local.month,
            "Day": local.day,
            "Hour": local.hour,
            "Minute": 30,
            "GHI": roll(w["ghi"]).round(0).astype(int),
            "DHI": roll(w["dhi"]).round(0).astype(int),
            "DNI": roll(w["dni"]).round(0).astype(int),
            "Temperature": roll(w["dry_bulb_c"]).round(1),
            "Relative Humidity": roll(rh).round(2),
            "Wind Speed": 3.1,
            "Pressure": 950,
        }
    )
    meta = (
        "Source,Location ID,City,State,Country,Latitude,Longitude,Time Zone,Elevation,Local Time Zone,"
        "Dew Point Units,DHI Units,DNI Units,GHI Units,Temperature Units,Pressure Units,Version\n"
        f"NSRDB,1234567,-,-,-,{site['lat']},{site['lon']},{offset},0,{offset},c,w/m2,w/m2,w/m2,c,mbar,v4.0.1\n"
    )
    with open(HERE / f"nsrdb_{site['site_id']}.csv", "w", newline="\n") as f:
        f.write(meta)
        body.to_csv(f, index=False, lineterminator="\n")


def pvgis(site: pd.Series) -> None:
    w = site_weather(site)
    rh = rh_from_wet_bulb(w["dry_bulb_c"].to_numpy(), w["wet_bulb_c"].to_numpy())
    t = [f"{TMY_YEARS[ts.month - 1]}{ts:%m%d:%H%M}" for ts in w.index]
    lines = [
        f"Latitude (decimal degrees): {site['lat']:.3f}",
        f"Longitude (decimal degrees): {site['lon']:.3f}",
        "Elevation (m): 20.0",
        "Irradiance Time Offset (h): 0.1761",
        "month,year",
        *[f"{m},{y}" for m, y in enumerate(TMY_YEARS, 1)],
        "time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP",
    ]
    for i in range(8760):
        lines.append(
            f"{t[i]},{w['dry_bulb_c'].iat[i]:.2f},{rh[i]:.2f},{w['ghi'].iat[i]:.1f},{w['dni'].iat[i]:.1f},"
            f"{w['dhi'].iat[i]:.1f},300.0,4.1,230.0,101200.0"
        )
    lines += [
        "T2m: 2-m air temperature (degree Celsius)",
        "RH: relative humidity (%)",
        "G(h): Global irradiance on the horizontal plane (W/m2)",
        "Gb(n): Beam/direct irradiance on a plane always normal to sun rays (W/m2)",
        "Gd(h): Diffuse irradiance on the horizontal plane (W/m2)",
        "IR(h): Surface infrared (thermal) irradiance on a horizontal plane (W/m2)",
        "WS10m: 10-m total wind speed (m/s)",
        "WD10m: 10-m wind direction (0 = N, 90 = E) (degree)",
        "SP: Surface (air) pressure (Pa)",
        "",
        "PVGIS (c) European Union, 2001-2024",
    ]
    (HERE / f"pvgis_tmy_{site['site_id']}.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())


def ninja(site: pd.Series, kind: str) -> None:
    p = site_profiles(site)
    local = p.index.tz_convert(site["timezone"]).strftime("%Y-%m-%d %H:%M")
    col = "pv_cf" if kind == "pv" else "wind_cf"
    body = pd.DataFrame(
        {"time": p.index.strftime("%Y-%m-%d %H:%M"), "local_time": local, "electricity": p[col].round(3)}
    )
    if kind == "pv":
        body["temperature"] = p["dry_bulb_c"].round(1)
    head = (
        f"# Renewables.ninja {'PV' if kind == 'pv' else 'Wind'} Output - Version 1.4 - "
        "dataset MERRA-2 (global), capacity 1 kW\n"
        "# License: https://creativecommons.org/licenses/by-nc/4.0/\n"
        f"# Units: time in UTC, local_time in {site['timezone']} timezone, electricity in kW"
        + (", temperature in degrees C\n" if kind == "pv" else "\n")
    )
    with open(HERE / f"ninja_{kind}_{site['site_id']}.csv", "w", newline="\n") as f:
        f.write(head)
        body.to_csv(f, index=False, lineterminator="\n")


def plain(site: pd.Series) -> None:
    p = site_profiles(site)
    pd.DataFrame(
        {"timestamp": p.index.strftime("%Y-%m-%dT%H:%MZ"), "value": p["grid_co2_g_per_kwh"].round(1)}
    ).to_csv(HERE / f"plain_co2_{site['site_id']}.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    s = sites()
    nsrdb(s.loc["abilene_tx"])
    pvgis(s.loc["dublin_ie"])
    ninja(s.loc["hamina_fi"], "pv")
    ninja(s.loc["ellendale_nd"], "wind")
    plain(s.loc["loudoun_va"])
    for f in sorted(HERE.glob("*.csv")):
        print(f.name, f.stat().st_size)
