"""Hourly profiles: catalog means, physics invariants, user files, representative days."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.chain import constants as C
from planner.errors import InputError
from planner.profiles import solar
from planner.profiles.columns import SITE_COLUMNS
from planner.profiles.readers import detect_layout, read_profile
from planner.profiles.representative import _fix_means, representative_days
from planner.profiles.sites import region_demand_shape, site_profiles
from planner.profiles.synthetic import hourly_index
from tests.helpers import PROFILE_DATA

DATA = PROFILE_DATA


@pytest.fixture(scope="module")
def sites(catalogs) -> pd.DataFrame:
    return catalogs.sites


@pytest.fixture(scope="module")
def regions(catalogs) -> pd.DataFrame:
    return catalogs.regions


@pytest.fixture(scope="module")
def profiles(sites) -> dict[str, pd.DataFrame]:
    """Profiles of every catalog site (computed once: ~3-5 s for 38 sites)."""
    return {sid: site_profiles(row) for sid, row in sites.iterrows()}


def test_every_site_matches_catalog_means(sites, profiles):
    assert len(profiles) == len(sites) >= 30
    for sid, df in profiles.items():
        s = sites.loc[sid]
        assert df.shape == (8760, len(SITE_COLUMNS)) and tuple(df.columns) == SITE_COLUMNS
        assert str(df.index.tz) == "UTC" and not df.isna().any().any()
        for col, cat in [
            ("pv_cf", "pv_cf"),
            ("wind_cf", "wind_cf"),
            ("grid_co2_g_per_kwh", "grid_co2_g_per_kwh"),
            ("grid_price_usd_per_mwh", "electricity_price_usd_per_mwh"),
        ]:
            assert df[col].mean() == pytest.approx(s[cat], rel=0.01), (sid, col)
        for col in ("pv_cf", "wind_cf"):
            assert df[col].between(0.0, 1.0).all(), (sid, col)
        assert (df["wet_bulb_c"] <= df["dry_bulb_c"] + 1e-9).all(), sid
        assert df["dry_bulb_c"].mean() == pytest.approx(s["annual_mean_temp_c"], abs=0.01)
        assert df["dry_bulb_c"].quantile(0.996) == pytest.approx(s["design_dry_bulb_c"], abs=0.05)
        hot = df["dry_bulb_c"] >= df["dry_bulb_c"].quantile(0.996)
        assert df.loc[hot, "wet_bulb_c"].mean() == pytest.approx(s["design_wet_bulb_c"], abs=0.1)
        assert (df["grid_co2_g_per_kwh"] >= 0).all() and (df["grid_price_usd_per_mwh"] > 0).all()


def test_pv_zero_at_night_and_photons_follow_poa(sites, profiles):
    sid = "abilene_tx"
    s, df = sites.loc[sid], profiles[sid]
    sp = solar.solar_position(df.index, s["lat"], s["lon"])
    night = sp["apparent_zenith"].to_numpy() >= 90
    assert night.sum() > 3000
    assert (df["pv_cf"].to_numpy()[night] == 0).all() and (df["pv_poa_w_m2"].to_numpy()[night] == 0).all()
    assert ((df["pv_cf"] > 0) <= (df["pv_poa_w_m2"] > 0)).all()
    assert 900 < df["pv_poa_w_m2"].max() < 1400
    # output is centred on local solar noon (a tracker's curve is flat-topped, so use the centroid)
    solar_hour = np.mod(df.index.hour + 0.5 + s["lon"] / 15, 24)
    assert np.average(solar_hour, weights=df["pv_cf"]) == pytest.approx(12.0, abs=0.3)
    p_ac = 100e6
    photons = solar.pv_photons_per_s(df["pv_poa_w_m2"].to_numpy(), p_ac)
    area = solar.ILR * p_ac / (C.PV_MODULE_EFFICIENCY_TYPICAL * 1000.0)
    assert np.allclose(photons, df["pv_poa_w_m2"].to_numpy() * area * 4.304e18)
    # energy check: AC energy / (POA sunlight on the array) is a plausible system efficiency
    eff = df["pv_cf"].sum() * p_ac / (df["pv_poa_w_m2"].sum() * area)
    assert 0.15 < eff < 0.22


def test_profiles_are_deterministic_and_nearby_sites_share_weather(sites, profiles):
    again = site_profiles(sites.loc["abilene_tx"])
    pd.testing.assert_frame_equal(again, profiles["abilene_tx"])
    a, b, far = (profiles[k]["wind_cf"] for k in ("abilene_tx", "shackelford_tx", "dublin_ie"))
    assert not np.allclose(a, b)
    assert np.corrcoef(a, b)[0, 1] > 0.5 > abs(np.corrcoef(a, far)[0, 1])
    row = sites.loc["abilene_tx"].copy()
    row["site_id"] = "elsewhere"
    assert not np.allclose(site_profiles(row)["wind_cf"], a)


def test_leap_year_drops_feb_29(sites):
    idx = hourly_index(2024)
    assert len(idx) == 8760 and not ((idx.month == 2) & (idx.day == 29)).any()
    assert site_profiles(sites.loc["phoenix_az"], year=2024).index.equals(idx)


def test_region_demand_shape(regions):
    for rid, row in regions.iterrows():
        d = region_demand_shape(row, 1.35)
        assert len(d) == 8760 and d.mean() == pytest.approx(1.0, abs=1e-12)
        assert d.max() == pytest.approx(1.35, abs=1e-6) and d.min() > 0
        peak_local = d.index[int(np.argmax(d.to_numpy()))].tz_convert(row["timezone"]).hour
        assert 12 <= peak_local <= 21, (rid, peak_local)
    flat = region_demand_shape(regions.iloc[0], 1.0)
    assert flat.max() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(InputError, match="peak_to_average 0.8: allowed a finite value >= 1"):
        region_demand_shape(regions.iloc[0], 0.8)


@pytest.fixture(scope="module")
def series(profiles, regions) -> dict[str, pd.DataFrame]:
    keys = ["abilene_tx", "loudoun_va", "quincy_wa", "dublin_ie", "narvik_no", "johor_my"]
    out = {k: profiles[k] for k in keys}
    for rid in ("us-east", "us-west", "eu-west"):
        out[rid] = region_demand_shape(regions.loc[rid], 1.3).to_frame("demand")
    return out


def _check_days(rd, series, n_days):
    assert rd.weights_h.shape == (n_days * 24,) and rd.weights_h.sum() == pytest.approx(8760)
    assert rd.day_weight.shape == (n_days,) and rd.day_weight.sum() == pytest.approx(365)
    assert rd.assignments.shape == (365,) and set(rd.assignments) <= set(range(n_days))
    assert np.array_equal(np.bincount(rd.assignments, minlength=n_days), rd.day_weight)
    for key, df in series.items():
        v = rd.values[key]
        assert v.shape == (n_days * 24, df.shape[1]) and list(v.columns) == list(df.columns)
        weighted = (v.to_numpy() * rd.weights_h[:, None]).sum(axis=0) / 8760
        assert np.allclose(weighted, df.mean().to_numpy(), rtol=0.01, atol=1e-9), key
        rebuilt = rd.rebuild(key)
        assert rebuilt.shape == df.shape and rebuilt.index.equals(df.index)
        assert np.allclose(rebuilt.mean().to_numpy(), df.mean().to_numpy(), rtol=0.01, atol=1e-9)
    err = rd.error
    assert set(err.columns) >= {"rmse", "nrmse", "mean_rel_error"}
    assert len(err) == sum(df.shape[1] for df in series.values())
    assert (err["rmse"] >= 0).all() and (err["mean_rel_error"].abs() < 0.01).all()
    rebuilt = rd.rebuild("abilene_tx")["pv_cf"].to_numpy()
    rmse = np.sqrt(((rebuilt - series["abilene_tx"]["pv_cf"].to_numpy()) ** 2).mean())
    assert err.loc[("abilene_tx", "pv_cf"), "rmse"] == pytest.approx(rmse)


def test_representative_days_weights_means_and_error(series):
    rd = representative_days(series, 8)
    _check_days(rd, series, 8)
    assert rd.values["abilene_tx"]["pv_cf"].between(0, 1).all()
    # more days, smaller error
    e4 = representative_days(series, 4).error["nrmse"].mean()
    e16 = representative_days(series, 16).error["nrmse"].mean()
    assert e16 < e4


def test_representative_days_keep_extremes(series):
    rd = representative_days(series, 8, extremes=("demand:max", "pv_cf:min", "abilene_tx:wind_cf:min"))
    _check_days(rd, series, 8)
    regions = ["us-east", "us-west", "eu-west"]
    total = sum(series[r]["demand"].to_numpy() for r in regions)
    typ_total = sum(rd.values[r]["demand"].to_numpy() for r in regions)
    assert typ_total.max() == pytest.approx(total.max(), rel=1e-9)
    sites = [k for k in series if "pv_cf" in series[k]]
    fleet_pv = np.mean([series[k]["pv_cf"].to_numpy() for k in sites], axis=0).reshape(365, 24).mean(axis=1)
    typ_pv = np.mean([rd.values[k]["pv_cf"].to_numpy() for k in sites], axis=0).reshape(8, 24).mean(axis=1)
    assert typ_pv.min() == pytest.approx(fleet_pv.min(), rel=1e-9)
    dark_day = int(np.argmin(fleet_pv))
    assert typ_pv[rd.assignments[dark_day]] == pytest.approx(fleet_pv.min(), rel=1e-9)
    calm = series["abilene_tx"]["wind_cf"].to_numpy().reshape(365, 24).mean(axis=1).min()
    assert rd.values["abilene_tx"]["wind_cf"].to_numpy().reshape(8, 24).mean(axis=1).min() == pytest.approx(
        calm
    )


def test_representative_days_all_sites(profiles):
    rd = representative_days(profiles, 8)
    _check_days(rd, profiles, 8)


def test_mean_correction_keeps_extremes_and_caps():
    rng = np.random.default_rng(0)
    orig = pd.DataFrame({"cf": rng.random(8760) * 0.5, "t": rng.normal(2.0, 10.0, 8760)})
    typ = orig.to_numpy()[:96].reshape(4, 24, 2) * np.array([0.7, 1.0]) + np.array([0.0, 3.0])
    w = np.array([100.0, 100.0, 100.0, 65.0])
    ext = np.array([False, False, False, True])
    before = typ[3].copy()
    out = _fix_means(typ.copy(), w, orig, ext)
    assert np.allclose(np.einsum("d,dhc->c", w, out) / 8760, orig.mean().to_numpy(), rtol=1e-3, atol=1e-3)
    assert np.array_equal(out[3], before) and out[:, :, 0].max() <= orig["cf"].max()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_days": 0}, "n_days 0: allowed 1..365"),
        ({"n_days": 2, "extremes": ("demand:max", "pv_cf:min")}, "2 extreme days need n_days > 2"),
        ({"n_days": 4, "extremes": ("demand:peak",)}, "extreme 'demand:peak': expected 'COLUMN:KIND'"),
        ({"n_days": 4, "extremes": ("snow:max",)}, "no key has a column 'snow'"),
        ({"n_days": 4, "extremes": ("abilene_tx:snow:max",)}, "no series 'snow' under key 'abilene_tx'"),
    ],
)
def test_representative_days_errors(series, kwargs, message):
    with pytest.raises(InputError, match=message):
        representative_days(series, **kwargs)
    with pytest.raises(InputError, match="series 'x' has 100 rows; expected 8760"):
        representative_days({"x": pd.DataFrame({"a": np.ones(100)})}, 4)


# ---- user files -------------------------------------------------------------------------

FIXTURES = {
    "nsrdb_abilene_tx.csv": "nsrdb",
    "pvgis_tmy_dublin_ie.csv": "pvgis",
    "ninja_pv_hamina_fi.csv": "ninja",
    "ninja_wind_ellendale_nd.csv": "ninja",
    "plain_co2_loudoun_va.csv": "plain",
}


@pytest.mark.parametrize("name, layout", FIXTURES.items())
def test_fixture_layout_detected_and_small(name, layout):
    assert detect_layout(DATA / name) == layout
    assert (DATA / name).stat().st_size < 1_000_000


@pytest.mark.parametrize(
    "name, column, site, rel",
    [
        ("nsrdb_abilene_tx.csv", "pv_cf", "abilene_tx", 0.06),  # same irradiance, uncalibrated chain
        ("nsrdb_abilene_tx.csv", "pv_poa_w_m2", "abilene_tx", 0.06),
        ("nsrdb_abilene_tx.csv", "dry_bulb_c", "abilene_tx", 0.001),
        ("nsrdb_abilene_tx.csv", "wet_bulb_c", "abilene_tx", 0.001),
        ("pvgis_tmy_dublin_ie.csv", "pv_cf", "dublin_ie", 0.10),
        ("pvgis_tmy_dublin_ie.csv", "dry_bulb_c", "dublin_ie", 0.001),
        ("ninja_pv_hamina_fi.csv", "pv_cf", "hamina_fi", 0.005),
        ("ninja_pv_hamina_fi.csv", "dry_bulb_c", "hamina_fi", 0.005),
        ("ninja_wind_ellendale_nd.csv", "wind_cf", "ellendale_nd", 0.005),
        ("plain_co2_loudoun_va.csv", "grid_co2_g_per_kwh", "loudoun_va", 0.001),
    ],
)
def test_user_files_load_like_the_synthetic_pipeline(profiles, name, column, site, rel):
    s = read_profile(DATA / name, column)
    p = profiles[site][column]
    assert len(s) == 8760 and s.name == column and str(s.index.tz) == "UTC"
    assert s.mean() == pytest.approx(p.mean(), rel=rel)
    assert np.corrcoef(s.to_numpy(), p.to_numpy())[0, 1] > 0.99  # time zones and TMY years line up
    if column.endswith("_cf"):
        assert s.between(0, 1).all()


def _plain(tmp_path: Path, values, start="2023-01-01", periods=8760, drop=None, name="p.csv") -> Path:
    ts = pd.date_range(start, periods=periods, freq="h")
    df = pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%dT%H:%M"), "value": np.resize(values, periods)})
    if drop is not None:
        df = df.drop(index=drop)
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_broken_plain_files(tmp_path):
    with pytest.raises(
        InputError, match=r"p.csv: 8000 hourly rows \(2023-01-01 00:00:00 to .*\); expected 8760"
    ):
        read_profile(_plain(tmp_path, 0.3, periods=8000), "pv_cf")
    with pytest.raises(
        InputError,
        match=r"gap in timestamps at data row 101: 2023-01-05 03:00:00 is followed by "
        r"2023-01-05 05:00:00; expected consecutive hourly steps",
    ):
        read_profile(_plain(tmp_path, 0.3, periods=8761, drop=[100]), "pv_cf")
    dup = _plain(tmp_path, 0.3)
    lines = dup.read_text().splitlines()
    dup.write_text("\n".join([lines[0], *lines[1:51], lines[50], *lines[52:]]) + "\n")
    with pytest.raises(InputError, match="timestamps out of order or duplicated at data row 51"):
        read_profile(dup, "pv_cf")
    with pytest.raises(InputError, match=r"looks like kelvin \(mean 29\d\.\d\); expected degC"):
        read_profile(_plain(tmp_path, np.linspace(270, 310, 8760)), "dry_bulb_c")
    with pytest.raises(
        InputError, match=r"'pv_cf' ranges 0..45; expected capacity factor 0..1 in \[0, 1\] \(percent\?"
    ):
        read_profile(_plain(tmp_path, [0, 45]), "pv_cf")
    with pytest.raises(InputError, match="unknown profile column 'snow'"):
        read_profile(_plain(tmp_path, 1.0), "snow")
    leap = read_profile(_plain(tmp_path, np.arange(8784.0), start="2024-01-01", periods=8784), "demand")
    assert len(leap) == 8760 and leap.index[0].year == 2024 and leap.iloc[-1] == 8783


def test_broken_source_files(tmp_path):
    bad = tmp_path / "mystery.csv"
    bad.write_text("foo,bar,baz\n1,2,3\n")
    with pytest.raises(
        InputError, match=r"mystery.csv: unknown profile layout \(first line not recognised\); expected NSRDB"
    ):
        read_profile(bad, "pv_cf")
    with pytest.raises(InputError, match="unknown layout 'epw'; allowed nsrdb, ninja, pvgis, plain"):
        read_profile(DATA / "ninja_pv_hamina_fi.csv", "pv_cf", layout="epw")
    with pytest.raises(InputError, match="profile file not found"):
        read_profile(tmp_path / "none.csv", "pv_cf")
    # ninja exported in W while the header says kW
    ninja = tmp_path / "ninja_w.csv"
    df = pd.read_csv(DATA / "ninja_pv_hamina_fi.csv", comment="#")
    head = [ln for ln in (DATA / "ninja_pv_hamina_fi.csv").read_text().splitlines() if ln.startswith("#")]
    ninja.write_text(
        "\n".join(head) + "\n" + df.assign(electricity=df["electricity"] * 1000).to_csv(index=False)
    )
    with pytest.raises(InputError, match=r"ninja_w.csv: electricity up to \d+ kW exceeds the 1 kW capacity"):
        read_profile(ninja, "pv_cf")
    with pytest.raises(
        InputError, match="a ninja file has no data for 'grid_price_usd_per_mwh'; use a plain"
    ):
        read_profile(DATA / "ninja_pv_hamina_fi.csv", "grid_price_usd_per_mwh")
    # NSRDB with temperatures in kelvin; one row short
    text = (DATA / "nsrdb_abilene_tx.csv").read_text().splitlines()
    kelvin = tmp_path / "nsrdb_k.csv"
    body = pd.read_csv(DATA / "nsrdb_abilene_tx.csv", skiprows=2)
    kelvin.write_text(
        "\n".join(text[:2]) + "\n" + body.assign(Temperature=body["Temperature"] + 273.15).to_csv(index=False)
    )
    with pytest.raises(
        InputError, match=r"nsrdb_k.csv: temperature looks like kelvin \(mean 29\d\.\d\); expected degC"
    ):
        read_profile(kelvin, "pv_cf")
    short = tmp_path / "nsrdb_short.csv"
    short.write_text("\n".join(text[:-1]) + "\n")
    with pytest.raises(InputError, match=r"nsrdb_short.csv: 8759 hourly rows .*; expected 8760"):
        read_profile(short, "dry_bulb_c")
    # PVGIS irradiance in kW/m2
    pv = tmp_path / "pvgis_kw.csv"
    shutil.copy(DATA / "pvgis_tmy_dublin_ie.csv", pv)
    lines = pv.read_text().splitlines()
    out = []
    for ln in lines:
        if ln[:1].isdigit() and ":" in ln.split(",")[0]:
            f = ln.split(",")
            f[3:6] = [f"{float(x) / 1000:.4f}" for x in f[3:6]]
            ln = ",".join(f)
        out.append(ln)
    pv.write_text("\n".join(out) + "\n")
    with pytest.raises(
        InputError, match=r"pvgis_kw.csv: irradiance 'ghi' peaks at 0.\d+; expected W/m2 \(kW/m2 given\?\)"
    ):
        read_profile(pv, "pv_cf")


def test_profile_files_checked_before_reading(tmp_path):
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_profile(fifo, "pv_cf")  # would block if opened
    with pytest.raises(InputError, match="is a directory"):
        read_profile(tmp_path, "pv_cf")
    binary = tmp_path / "weights.bin"
    binary.write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="CSV text file"):
        read_profile(binary, "pv_cf")
    secret = tmp_path / "secret.csv"
    secret.write_text("TOP-SECRET,1,2,3\nx,y\n")
    with pytest.raises(InputError) as info:
        read_profile(secret, "pv_cf")
    assert "TOP-SECRET" not in str(info.value)
