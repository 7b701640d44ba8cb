"""Audited site facts (2026-11): ``data/site_sources.csv`` cites every audited field of every site with
the value ``sites.csv`` holds; each changed figure matches its dated public record."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.catalogs.load import load_catalogs
from planner.catalogs.schemas import AUDITED_SITE_FIELDS
from planner.errors import CatalogError
from planner.paths import DATA_DIR, MODELS_DIR
from tests.helpers import edit_csv_cell

AUDIT_DATE = dt.date(2026, 11, 28)
UNCACHED_LOAD = load_catalogs.__wrapped__


def _sources() -> pd.DataFrame:
    return load_catalogs().site_sources.reset_index()


def _date(text: str) -> dt.date:
    """'YYYY-MM' (first of the month) or 'YYYY-MM-DD' -> date."""
    return dt.date.fromisoformat(text if len(text) == 10 else text + "-01")


def test_every_site_has_a_row_for_every_audited_field() -> None:
    src, sites = _sources(), load_catalogs().sites
    have = set(zip(src["site_id"], src["field"], strict=True))
    assert len(AUDITED_SITE_FIELDS) == 10 and len(sites) == 38
    assert {(s, f) for s in sites.index for f in AUDITED_SITE_FIELDS} <= have


def test_cited_values_equal_the_catalog() -> None:
    """Independent of the loader's check: every cited value is the value sites.csv holds."""
    src, sites = _sources(), load_catalogs().sites
    for r in src.itertuples():
        actual = sites.at[r.site_id, r.field]
        if isinstance(actual, str):
            assert r.value == actual, (r.site_id, r.field)
        else:
            assert float(r.value) == pytest.approx(float(actual), rel=1e-9), (r.site_id, r.field)


def test_sourced_rows_are_dated_no_later_than_the_audit_and_estimates_reasoned() -> None:
    src = _sources()
    sourced = src[src["status"] == "sourced"]
    assert len(sourced) >= 38 * 2  # at least price, CO2 (US) and gas for most sites
    for r in sourced.itertuples():
        assert r.source.strip() and _date(r.source_date) <= AUDIT_DATE, (r.site_id, r.field)
    estimates = src[src["status"] == "estimate"]
    assert estimates["note"].fillna("").str.strip().str.len().gt(20).all()


def test_every_us_site_prices_power_gas_and_carbon_from_a_dated_public_record() -> None:
    """The fields that decide plans: US state prices (EIA), division gas (AEO2025), eGRID2024 CO2."""
    src, sites = _sources().set_index(["site_id", "field"]), load_catalogs().sites
    us = [s for s in sites.index if sites.at[s, "country"] == "US"]
    unsourced_price = {"el_paso_tx"}  # El Paso Electric is not ERCOT (WY: EIA SEDS, ninth pass)
    for s in us:
        assert src.at[(s, "gas_price_usd_per_mmbtu"), "status"] == "sourced", s
        assert src.at[(s, "grid_co2_g_per_kwh"), "status"] == "sourced", s
        want = "estimate" if s in unsourced_price else "sourced"
        assert src.at[(s, "electricity_price_usd_per_mwh"), "status"] == want, s


def test_grid_co2_is_the_egrid2024_rate_converted_from_lb_per_mwh() -> None:
    """eGRID2024 total-output CO2 [lb/MWh] x 0.45359237 kg/lb = g/kWh, to 0.1 g."""
    lb = {"ERCT": 700.7, "RFCW": 889.6, "MROE": 1297.3, "NWPP": 579.2, "RMPA": 959.0, "SRVC": 637.4}
    sites = load_catalogs().sites
    for s in sites.index[sites["country"] == "US"]:
        sub = sites.at[s, "egrid_subregion"]
        if sub in lb:
            assert sites.at[s, "grid_co2_g_per_kwh"] == pytest.approx(lb[sub] * 0.45359237, abs=0.05)


def test_gas_price_is_the_aeo2025_mean_of_the_first_ten_operating_years() -> None:
    """AEO2025 Reference, electric power sector, West South Central, 2028-2037 (ReEDS table)."""
    wsc = [2.701754, 2.910596, 3.163967, 3.303848, 3.843493, 4.214373, 4.409548, 4.425838, 4.374448, 4.317363]
    sites = load_catalogs().sites
    for s in ("abilene_tx", "richland_la"):
        assert sites.at[s, "gas_price_usd_per_mmbtu"] == pytest.approx(sum(wsc) / 10, abs=0.005)


def test_grid_co2_is_the_fossil_share_times_a_fossil_intensity() -> None:
    """Physical balance: grid CO2 = (1 - clean share) x the fossil fleet's intensity, which lies between a
    gas combined cycle (~330 g/kWh) and coal (~1,100 g/kWh lifecycle), plus <= 50 g/kWh for the lifecycle
    emissions of clean sources (non-US rows are lifecycle)."""
    sites = load_catalogs().sites
    fossil = 1.0 - sites["grid_clean_share"]
    assert (sites["grid_co2_g_per_kwh"] >= 330 * fossil).all()
    assert (sites["grid_co2_g_per_kwh"] <= 1100 * fossil + 50).all()


def test_non_us_grids_are_the_electricity_maps_2025_zone_figures() -> None:
    """Electricity Maps yearly 2025: NO-NO4 49 g/95%, SE-SE1 15 g/100%, MY-WM 651 g/7%, CA-QC 41 g/97%."""
    sites = load_catalogs().sites
    want = {"narvik_no": (49, 0.95), "lulea_se": (15, 1.0), "johor_my": (651, 0.07), "quebec_ca": (41, 0.97)}
    for s, (g, cfe) in want.items():
        assert (sites.at[s, "grid_co2_g_per_kwh"], sites.at[s, "grid_clean_share"]) == (g, cfe), s


def test_susquehanna_grid_is_the_contracted_front_of_meter_supply() -> None:
    """FERC rejected raising the behind-the-meter co-located load above 300 MW (ER24-2172, 2024-11-01);
    Talen and AWS then moved the campus to front-of-meter grid service (PPL delivery after a spring-2026
    reconfiguration) with 840-1,200 MW contracted for 2029 (Utility Dive 2025-06-11): the lower end, two
    years after a 2027 start."""
    s = load_catalogs().sites.loc["susquehanna_pa"]
    assert (s["grid_mw_available"], s["grid_lead_time_years"]) == (840, 2)
    row = load_catalogs().site_sources.loc[("susquehanna_pa", "grid_mw_available")]
    assert "Utility Dive" in row["source"] and row["source_date"] == "2025-06-11"
    assert "ER24-2172" in row["note"]


def test_quincy_price_is_the_local_utility_rate_of_the_plan_years() -> None:
    """Grant County PUD Rate 15 at 90% load factor: 33 USD/MWh energy + 6.03 USD/kW-month demand =
    42.2 (2025 USD), with the planned 9.5%/yr non-core rises to 2035 (2.5%/yr inflation, flat in
    real terms after) in 2023 USD, levelized over 2029-2048 at 7%, by hand (issue 23 item 8)."""
    s = load_catalogs().sites.loc["quincy_wa"]
    rate_2025 = 33 + 6.03 / (0.9 * 730) * 1000
    assert rate_2025 == pytest.approx(42.2, abs=0.1)
    years = range(2029, 2049)
    real = {y: 42.2 * 0.955 * (1.095 / 1.025) ** (min(y, 2035) - 2025) for y in years}
    weight = {y: 1.07 ** -(y - 2029) for y in years}
    levelized = sum(real[y] * weight[y] for y in years) / sum(weight.values())
    assert s["electricity_price_usd_per_mwh"] == pytest.approx(levelized, abs=0.05)
    row = load_catalogs().site_sources.loc[("quincy_wa", "electricity_price_usd_per_mwh")]
    assert "Grant County PUD" in row["source"] and row["status"] == "sourced"
    tariff = load_catalogs().tariffs.loc["quincy_wa"]
    billed = tariff["energy_usd_per_mwh"] + tariff["demand_usd_per_kw_month"] / (0.9 * 730) * 1000
    assert billed == pytest.approx(s["electricity_price_usd_per_mwh"], abs=0.05)


def test_port_washington_grid_is_the_utility_committed_1300_mw_in_3_years() -> None:
    s = load_catalogs().sites.loc["port_washington_wi"]
    assert (s["grid_mw_available"], s["grid_lead_time_years"]) == (1300, 3)


@pytest.fixture()
def copy(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path / "data", MODELS_DIR


def _edit(path: Path, site: str, field: str, column: str, value: str) -> int:
    """Set one cell of site_sources.csv; return its CSV line number (header = line 1)."""
    return edit_csv_cell(path, {"site_id": site, "field": field}, column, value)


def _error(data: Path, models: Path) -> str:
    with pytest.raises(CatalogError) as info:
        UNCACHED_LOAD(data, models)
    assert info.value.exit_code == 2
    return str(info.value)


def test_a_value_that_differs_from_sites_csv_is_an_error(copy: tuple[Path, Path]) -> None:
    data, models = copy
    line = _edit(data / "site_sources.csv", "dfw_tx", "gas_price_usd_per_mmbtu", "value", "2.7")
    msg = _error(data, models)
    assert "site_sources.csv" in msg and f"line {line}" in msg and "dfw_tx gas_price_usd_per_mmbtu" in msg
    assert "differs from sites.csv" in msg


def test_a_changed_site_figure_without_its_citation_is_an_error(copy: tuple[Path, Path]) -> None:
    """Changing sites.csv alone (the audit trail left behind) stops the load."""
    data, models = copy
    sites = pd.read_csv(data / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site_id"] == "abilene_tx", "campus_mw_max"] = "5000"
    sites.to_csv(data / "sites.csv", index=False)
    assert "abilene_tx campus_mw_max" in _error(data, models)


def test_a_missing_field_row_is_an_error_in_the_shipped_tree(
    copy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped catalog stays strict: the copy is made the shipped tree (``SHIPPED_HOME``)."""
    import planner.paths

    data, models = copy
    monkeypatch.setattr(planner.paths, "SHIPPED_HOME", data.parent)
    path = data / "site_sources.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df[~((df["site_id"] == "keflavik_is") & (df["field"] == "water_stress"))].to_csv(path, index=False)
    assert "no source row for keflavik_is/water_stress" in _error(data, models)


def test_the_shipped_tree_is_held_to_the_full_audit() -> None:
    """The data tree the tests (and a default install) load is the shipped one: strict."""
    from planner.paths import DATA_DIR, is_shipped

    assert is_shipped(DATA_DIR)
    assert (
        not load_catalogs()
        .site_sources.reset_index()["note"]
        .astype(str)
        .str.contains("no row in site_sources.csv")
        .any()
    )


def test_a_user_site_without_audit_rows_loads_with_one_warning(copy: tuple[Path, Path]) -> None:
    """In a user's tree a new site row without site_sources.csv rows loads: its ten audited fields
    become estimate rows (value as in sites.csv) and one warning names the site and the fields; a
    second names it as taken at sea level (no site_elevation.csv row: no altitude derate)."""
    from planner.catalogs.site_sources import ESTIMATE_NOTE
    from planner.errors import PlannerWarning

    data, models = copy
    sites = pd.read_csv(data / "sites.csv", dtype=str, keep_default_na=False)
    mine = sites[sites["site_id"] == "abilene_tx"].assign(site_id="my_site", campus_mw_max="777")
    pd.concat([sites, mine]).to_csv(data / "sites.csv", index=False)
    with pytest.warns(PlannerWarning) as caught:
        cat = UNCACHED_LOAD(data, models)
    audit = [w for w in caught if "site_sources.csv" in str(w.message)]
    height = [str(w.message) for w in caught if "site_elevation.csv" in str(w.message)]
    assert (len(audit), len(height), len(caught)) == (1, 1, 2)
    assert "my_site" in height[0] and "sea level" in height[0]
    text = str(audit[0].message)
    assert "my_site" in text and all(f in text for f in AUDITED_SITE_FIELDS)
    assert str((data / "site_sources.csv").absolute()) in text
    row = cat.site_sources.loc[("my_site", "campus_mw_max")]
    assert (row["value"], row["status"], row["note"]) == ("777.0", "estimate", ESTIMATE_NOTE)
    assert cat.sites.at["my_site", "campus_mw_max"] == 777


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("source_date", "", "a 'sourced' row needs the date"),
        ("source_date", "2024-13", "source_date"),
        ("status", "guess", "'sourced' or 'estimate'"),
        ("field", "favourite_colour", "unknown field 'favourite_colour'"),
    ],
)
def test_bad_audit_rows_are_named(copy: tuple[Path, Path], column: str, value: str, expected: str) -> None:
    data, models = copy
    line = _edit(data / "site_sources.csv", "quincy_wa", "electricity_price_usd_per_mwh", column, value)
    msg = _error(data, models)
    assert "site_sources.csv" in msg and f"line {line}" in msg and expected in msg


def test_an_estimate_without_reasoning_is_an_error(copy: tuple[Path, Path]) -> None:
    data, models = copy
    _edit(data / "site_sources.csv", "lulea_se", "land_cost_usd_per_acre", "note", "")
    assert "needs its reasoning in note" in _error(data, models)


def test_us_clean_shares_are_the_egrid2023_subregion_mix() -> None:
    """eGRID2023 rev2 SRL23 (data year 2023): nuclear + hydro + wind + solar + geothermal of the
    subregion, biomass excluded. RFCW 0.284 + 0.010 + 0.055 + 0.008 = 0.357; RMPA 0.105 + 0.258 + 0.054
    = 0.417; ERCT 0.085 + 0.001 + 0.226 + 0.059 = 0.371. SRSO (Atlanta) keeps Electricity Maps' 2024-25
    0.33: Vogtle 3 and 4 came after 2023."""
    cat = load_catalogs()
    sites, src = cat.sites, cat.site_sources
    want = {"RFCW": 0.357, "RMPA": 0.417, "ERCT": 0.371, "NWPP": 0.572, "SRVC": 0.478, "MROE": 0.144}
    for s in sites.index[sites["country"] == "US"]:
        sub = sites.at[s, "egrid_subregion"]
        row = src.loc[(s, "grid_clean_share")]
        assert row["status"] == "sourced", s
        if sub == "SRSO":
            assert sites.at[s, "grid_clean_share"] == 0.33 and "Vogtle" in row["note"]
            continue
        assert "eGRID2023 rev2" in row["source"] and row["source_date"] == "2025-06-12", s
        if sub in want:
            assert sites.at[s, "grid_clean_share"] == pytest.approx(want[sub]), s


def test_water_limits_follow_the_stress_class_rule() -> None:
    """Where a campus supply agreement, water right or utility record gives an annual volume (sixth pass:
    El Paso, Reno, Mount Pleasant) the limit is that figure, sourced; every other limit is the README
    rule on the (basin) stress class, an estimate."""
    rule = {"low": 4000, "low_medium": 2500, "medium_high": 1500, "high": 800, "extremely_high": 300}
    # 1.5 MGD x 3.785 L x 365; 1,100 acre-feet x 1.2335 ML; 8.4 Mgal x 3.785 L
    campus = {"el_paso_tx": 2072, "reno_nv": 1357, "mt_pleasant_wi": 32}
    cat = load_catalogs()
    for s, r in cat.sites.iterrows():
        row = cat.site_sources.loc[(s, "water_limit_ml_per_yr")]
        if s in campus:
            assert r["water_limit_ml_per_yr"] == campus[s] and row["status"] == "sourced", s
            continue
        assert r["water_limit_ml_per_yr"] == rule[r["water_stress"]], s
        assert row["status"] == "estimate", s
    basin = cat.site_sources.loc[("the_dalles_or", "water_stress")]
    assert cat.sites.at["the_dalles_or", "water_stress"] == "low"
    assert "sub-basin 782300" in basin["note"].lower()


def test_water_stress_is_wris_annual_sub_basin_class_where_it_was_read() -> None:
    """Seventh and eighth passes: where WRI's annual baseline row of the site's sub-basin was read (Aqueduct
    4.0 annual CSV, US extract), the class is WRI's own bws label, sourced; Reno's annual score (3.08) and
    Eagle Mountain's (3.23) are high, one class above the fifth pass's monthly-mean proxy (2.88, 2.71). All 17
    sub-basins the fifth pass joined are now read."""
    annual = {
        "cheyenne_wy": ("742946", "extremely_high"),
        "ellendale_nd": ("742954", "low"),
        "council_bluffs_ia": ("742951", "low"),
        "san_antonio_tx": ("751940", "high"),
        "reno_nv": ("773501", "high"),
        # eighth pass
        "dfw_tx": ("751407", "low_medium"),
        "loudoun_va": ("731801", "low"),
        "new_albany_oh": ("742678", "medium_high"),
        "columbus_oh": ("742678", "medium_high"),
        "chicago_il": ("742827", "high"),
        "atlanta_ga": ("732609", "medium_high"),
        "des_moines_ia": ("742844", "low_medium"),
        "mt_pleasant_wi": ("725870", "medium_high"),
        "slc_ut": ("773816", "high"),
        "quincy_wa": ("782614", "extremely_high"),
        "the_dalles_or": ("782300", "low"),
        "hillsboro_or": ("782200", "low"),
    }
    cat = load_catalogs()
    for s, (basin, cls) in annual.items():
        row = cat.site_sources.loc[(s, "water_stress")]
        assert cat.sites.at[s, "water_stress"] == cls, s
        assert row["status"] == "sourced" and "Aqueduct40_baseline_annual" in row["source"], s
        assert f"Sub-basin {basin}" in row["note"] and row["source_date"] == "2023-07-05", s


def test_ninth_pass_prices_and_land_deals() -> None:
    """Ninth pass: Wyoming's 2023 industrial price is EIA SEDS ESICD 20.68 USD/MMBtu / 293.071 kWh per
    MMBtu (the conversion reproduces EIA's Electric Power Annual 2023 state industrial averages); the four
    EEA sites take Eurostat nrg_pc_205's 2023 mean (S1, S2) excl. VAT for a campus's band, IG (>=150 GWh/yr;
    Finland's IG is confidential, so IF), x 1.08 USD/EUR; land is price / acres of a dated data-centre deal
    in the county (New Carlisle: Microsoft 929 acres for 77.5M, St. Joseph County 2024; Quincy: Microsoft
    202 acres from the Port of Quincy for 11,044,200, 2013-12)."""
    cat = load_catalogs()
    sites, src = cat.sites, cat.site_sources
    price, land = "electricity_price_usd_per_mwh", "land_cost_usd_per_acre"
    assert sites.at["cheyenne_wy", price] == pytest.approx(20.68 / 293.071 * 1000, abs=0.05)
    eurostat = {  # EUR/kWh, 2023-S1 and 2023-S2
        "narvik_no": (0.0515, 0.0424),  # IG
        "lulea_se": (0.0801, 0.0655),  # IG
        "hamina_fi": (0.0844, 0.0656),  # IF
        "dublin_ie": (0.2128, 0.1779),  # IG
    }
    for s, (s1, s2) in eurostat.items():
        assert sites.at[s, price] == pytest.approx((s1 + s2) / 2 * 1.08 * 1000, abs=0.05), s
        row = src.loc[(s, price)]
        assert row["status"] == "sourced" and "nrg_pc_205" in row["source"], s
        assert row["source_date"] == "2024-04-25", s
    assert sites.at["new_carlisle_in", land] == pytest.approx(77.5e6 / 929, rel=0.002)
    assert sites.at["quincy_wa", land] == pytest.approx((3_985_500 + 7_058_700) / 202, rel=0.002)
    sourced = {
        ("cheyenne_wy", "electricity_price_usd_per_mwh"): "2026-07-17",
        ("new_carlisle_in", "land_cost_usd_per_acre"): "2024-06-03",
        ("quincy_wa", "land_cost_usd_per_acre"): "2013-12-23",
    }
    for key, date in sourced.items():
        row = src.loc[key]
        assert row["status"] == "sourced" and row["source_date"] == date, key
    assert "ESICD" in src.loc[("cheyenne_wy", "electricity_price_usd_per_mwh")]["source"]
    # undated deals stay estimates
    for s in ("the_dalles_or", "dublin_ie", "susquehanna_pa"):
        assert src.loc[(s, "land_cost_usd_per_acre")]["status"] == "estimate", s
    assert sites.at["susquehanna_pa", land] == pytest.approx(500e6 / 1700, rel=0.002)  # QTS, Salem Twp
