"""Siting maps of a run directory: four layers as GeoDataFrames (EPSG:4326) and their files.

Layers (GeoPackage layer names; in ``map.geojson``, which has no layers, every feature of
the one FeatureCollection carries them as its ``layer`` property):

``sites_chosen``
    Point per open site: ``it_mw``, ``facility_mw`` (peak), cooling and PUE, GPUs
    (``gpus_by_type`` text and one ``gpus_<GPU>`` column per type), energy capacity
    (``energy_capacity`` text and ``energy_mw_<tech>`` per technology), ``dominant_tech``
    (largest annual supply), tokens/s, $/Mtok, gCO2e/Mtok, water ML/yr and L/Mtok.
``sites_not_chosen``
    Point per candidate site left closed: ``reason_code`` (latency, water, price, carbon,
    cost) and ``reason`` (see :mod:`planner.maps.reasons`), ``cost_gap_usd_per_yr`` (estimated
    extra cost of opening it, :mod:`planner.model.site_gap`; empty where none), the demand streams in latency
    reach (round trip = 2 x great-circle km x fibre route factor / fibre km/ms, from
    ``data/facility.csv``), and the site's energy prices, grid carbon, capacity factors, water.
``demand_regions``
    Point per region with demand: tokens/s demanded and served, by model.
``flows``
    LineString site -> region, tokens/s summed over served models.

Files are written to temporary names and renamed only when every requested format is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.errors import ShapelyError
from shapely.geometry import LineString, Point

from planner.chain.physics import fibre_round_trip_ms, great_circle_km
from planner.errors import InputError
from planner.inputs import load_json_file
from planner.maps.reasons import SECONDS_PER_YEAR, best_cooling, cost_gap, fmt_tokens, not_chosen_reason
from planner.paths import DATA_DIR, home_note
from planner.results.rundir_read import RunData, read_run, refuse_unknown_ids

LAYERS: tuple[str, ...] = ("sites_chosen", "sites_not_chosen", "demand_regions", "flows")
CRS = "EPSG:4326"
BASEMAP_DIR: Path = DATA_DIR / "basemap"
TECH_COLOURS: dict[str, str] = {
    "grid": "#7f7f7f",
    "pv": "#f2b701",
    "wind": "#1f9bd1",
    "battery": "#9467bd",
    "ngcc": "#d9641e",
    "gas_recip": "#b5541a",
    "gas_ct_aero": "#8c3b0f",
    "nuclear_smr": "#d62780",
    "geothermal": "#2ca02c",
}
"""Marker colour of a site by its dominant supply technology (others: ``OTHER_COLOUR``)."""
OTHER_COLOUR = "#444444"
SUMMARY_KEYS = ("cost_usd_per_mtok", "gco2e_per_mtok", "it_mw", "served_tokens_per_s", "it_joules_per_token")
MAX_GEOJSON_DEPTH = 8
"""GeoJSON nests at most 6 levels (collection, features, geometry, multipolygon rings, points)."""
_MARGIN = 0.12  # of the extent on each side


@dataclass(frozen=True)
class MapData:
    """Everything a map needs: the four layers, a title with the headline numbers, the extent."""

    name: str
    title: str
    layers: dict[str, gpd.GeoDataFrame]
    bounds: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (with margin)

    def basemap(self) -> dict[str, gpd.GeoDataFrame]:
        """Countries, and US states when the extent reaches the United States."""
        layers = {"countries": _read_basemap("countries.geojson")}
        states = _read_basemap("us_states.geojson")
        lon0, lat0, lon1, lat1 = self.bounds
        if not states.cx[lon0:lon1, lat0:lat1].empty:
            layers["states"] = states
        return layers


def fmt_mw(x: float) -> str:
    """Megawatts, readable at any size: '214', '26.5', '0.35'."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


MAX_BASEMAP_BYTES = 50_000_000
"""Largest basemap GeoJSON read [bytes]; the shipped ones are ~1 MB."""


def _read_basemap(name: str) -> gpd.GeoDataFrame:
    """A basemap layer: a regular, bounded GeoJSON file (depth-checked) of polygons; anything else is
    an InputError naming the file (GDAL's own message is not shown: it may quote the content)."""
    path = BASEMAP_DIR / name
    if not path.exists() and not path.is_symlink():
        raise InputError(
            f"{path}: basemap file not found (it ships with the planner; see data/basemap/README.md)"
        )
    data = load_json_file(path, MAX_BASEMAP_BYTES, "basemap", max_depth=MAX_GEOJSON_DEPTH)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{path}: basemap must be a GeoJSON FeatureCollection (see data/basemap/README.md)")
    try:
        frame = gpd.GeoDataFrame.from_features(data["features"], crs=CRS)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError):
        raise InputError(f"{path}: basemap features are not valid GeoJSON geometries") from None
    if frame.empty or not frame.geometry.notna().all():
        raise InputError(f"{path}: basemap has no features or a feature without geometry")
    return frame


def _text(items: dict[str, float], fmt: str) -> str:
    return "; ".join(f"{k} {fmt.format(v)}" for k, v in items.items())


def _points(df: pd.DataFrame, lon: str = "lon", lat: str = "lat") -> gpd.GeoDataFrame:
    geom = [Point(x, y) for x, y in zip(df[lon], df[lat])]
    return gpd.GeoDataFrame(df.reset_index(drop=True), geometry=geom, crs=CRS)


def _with_added_sites(base: pd.DataFrame, scenario: dict) -> pd.DataFrame:
    """``base`` (the catalog's sites) with the scenario's ``sites.add`` rows (as resolved: site_id,
    lat, lon, ...; numbers coerced, rows without a text site_id or taken ids ignored)."""
    rows = (scenario.get("sites") or {}).get("add") or []
    if not isinstance(rows, list):
        return base
    added = [r for r in rows if isinstance(r, dict) and isinstance(r.get("site_id"), str)]
    if not added:
        return base
    extra = pd.DataFrame(added).set_index("site_id").reindex(columns=base.columns)
    numeric = [c for c in base.columns if pd.api.types.is_numeric_dtype(base[c])]
    numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(base[c])]
    extra[numeric] = extra[numeric].apply(pd.to_numeric, errors="coerce")
    return pd.concat([base, extra[~extra.index.isin(base.index)]])


def _catalog_sites(run: RunData) -> pd.DataFrame:
    """Catalog columns of the run's sites (catalog rows and the scenario's ``sites.add``) with the
    scenario's site overrides and price scales applied."""
    from planner.catalogs.load import load_catalogs

    base = _with_added_sites(load_catalogs().sites, run.scenario)
    refuse_unknown_ids(
        run.tables["sites"]["site_id"],
        set(base.index),
        run.path / "tables" / "sites.csv",
        f"neither in {DATA_DIR / 'sites.csv'} nor added by the scenario's sites.add",
        f"; map the run with the data home it was solved with ({home_note()})",
    )
    cat = base.reindex(run.tables["sites"]["site_id"]).copy()
    for sid, cols in ((run.scenario.get("sites") or {}).get("overrides") or {}).items():
        for col, value in (cols or {}).items():
            if sid in cat.index and col in cat.columns:
                cat.loc[sid, col] = value
    prices = run.scenario.get("prices") or {}
    cat["electricity_price_usd_per_mwh"] *= prices.get("electricity_price_scale", 1.0) or 1.0
    gas = prices.get("gas_price_usd_per_mmbtu")
    cat["gas_price_usd_per_mmbtu"] = (
        gas
        if gas is not None
        else cat["gas_price_usd_per_mmbtu"] * (prices.get("gas_price_scale", 1.0) or 1.0)
    )
    cat["best_pue"] = best_cooling(run, cat["climate_class"], "pue")
    cat["best_wue"] = best_cooling(run, cat["climate_class"], "wue_l_per_kwh").fillna(0.0)
    return cat


def _streams(run: RunData) -> pd.DataFrame:
    """Demand streams of the resolved scenario: region_id, model_id, tokens_per_s, budget_ms."""
    dem = run.scenario["demand"]
    rows = []
    for s in dem.get("served") or []:
        budget = s.get("latency_ms") or (dem.get("latency_ms") or {}).get(
            s["model"], dem.get("default_latency_ms", 50.0)
        )
        rows.append(
            {
                "region_id": s["region"],
                "model_id": s["model"],
                "tokens_per_s": float(s["tokens_per_s"]) * float(dem.get("scale", 1.0)),
                "budget_ms": float(budget),
            }
        )
    if not rows:
        raise InputError(f"{run.path / 'scenario.resolved.yaml'}: demand.served is empty")
    return pd.DataFrame(rows)


def _readiness_text(site: pd.Series) -> dict[str, str]:
    """Popup and label text of a chosen site's time to power and redundancy ("" for run
    directories written before these columns existed)."""
    year = pd.to_numeric(site.get("in_service_year"), errors="coerce")
    if pd.isna(year):
        return {"in_service": "", "largest_loss": ""}
    online = pd.to_numeric(site.get("online_year"), errors="coerce")
    text = f"{int(year)} ({site.get('in_service_bound', '')})"
    if not pd.isna(online):
        text += f", online by {int(online)}"
    loss = (
        f"{fmt_mw(float(site.get('largest_contingency_mw', 0.0)))} MW {site.get('largest_contingency', '')}"
    )
    return {"in_service": text, "largest_loss": loss.strip()}


def _chosen(run: RunData, cat: pd.DataFrame, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    t = run.tables
    sites = t["sites"][t["sites"]["open"]].copy()
    gpus = t["fleet"].groupby(["site_id", "gpu_id"])["gpus_installed"].first().unstack(fill_value=0)
    energy = t["energy_capacity"]
    cap = energy.pivot_table(
        index="site_id", columns="tech_id", values="capacity_mw", aggfunc="sum", fill_value=0
    )
    supply = energy[energy["tech_id"] != "battery"].set_index("site_id")
    out = (
        sites.drop(columns=["open"]).rename(columns={"facility_peak_mw": "facility_mw"}).astype({"gpus": int})
    )
    out.insert(2, "country", cat["country"].reindex(out["site_id"]).to_numpy())
    mtok_per_yr = out["tokens_per_s"] * SECONDS_PER_YEAR / 1e6
    out["water_l_per_mtok"] = (out["water_ml_per_yr"] * 1e6 / mtok_per_yr).where(mtok_per_yr > 0)
    rows = []
    for sid in out["site_id"]:
        g = gpus.loc[sid][lambda s: s > 0] if sid in gpus.index else pd.Series(dtype=float)
        c = cap.loc[sid][lambda s: s > 0] if sid in cap.index else pd.Series(dtype=float)
        sup = supply.loc[[sid]] if sid in supply.index else supply.iloc[:0]
        key = "generation_mwh_per_yr" if sup["generation_mwh_per_yr"].sum() > 0 else "capacity_mw"
        served = flows[flows["site_id"] == sid].groupby("region_id")["tokens_per_s"].sum()
        rows.append(
            {
                "gpus_by_type": _text(g.astype(int).to_dict(), "{:,}"),
                "energy_capacity": _text(c.to_dict(), "{:,.1f} MW"),
                "dominant_tech": str(sup.sort_values(key).iloc[-1]["tech_id"]) if len(sup) else "",
                "regions_served": "; ".join(f"{r} {fmt_tokens(v)}" for r, v in served.items()),
                **_readiness_text(out.loc[out["site_id"] == sid].iloc[0]),
                **{f"gpus_{k}": int(v) for k, v in g.items()},
                **{f"energy_mw_{k}": float(v) for k, v in c.items()},
            }
        )
    extra = pd.DataFrame(rows, index=out.index)
    num = [c for c in extra.columns if c.startswith(("gpus_", "energy_mw_")) and c != "gpus_by_type"]
    extra[num] = extra[num].fillna(0).astype({c: int for c in num if c.startswith("gpus_")})
    return _points(pd.concat([out, extra], axis=1))


CANDIDATE_COLUMNS = [
    "country",
    "state",
    "climate_class",
    "best_pue",
    "electricity_price_usd_per_mwh",
    "gas_price_usd_per_mmbtu",
    "grid_co2_g_per_kwh",
    "grid_clean_share",
    "pv_cf",
    "wind_cf",
    "water_stress",
    "water_limit_ml_per_yr",
    "campus_mw_max",
]


def _closed(
    run: RunData, cat: pd.DataFrame, rtt: pd.DataFrame, streams: pd.DataFrame, chosen: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    sites = run.tables["sites"]
    closed = sites[~sites["open"]][["site_id", "name", "lat", "lon"]].join(
        cat[CANDIDATE_COLUMNS], on="site_id"
    )
    reasons = [not_chosen_reason(s, run, cat, rtt, streams, chosen) for s in closed["site_id"]]
    closed["reason_code"], closed["reason"] = [c for c, _ in reasons], [t for _, t in reasons]
    closed["cost_gap_usd_per_yr"] = [cost_gap(run, s) for s in closed["site_id"]]
    closed["streams_in_reach"] = [
        int(rtt.loc[s].le(streams["budget_ms"].to_numpy()).sum()) for s in closed["site_id"]
    ]
    closed["nearest_rtt_ms"] = [float(rtt.loc[s].min()) for s in closed["site_id"]]
    return _points(closed)


def _regions(regions: pd.DataFrame, streams: pd.DataFrame, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    by_region = streams.groupby("region_id", sort=False)
    return _points(
        pd.DataFrame(
            {
                "region_id": regions.index,
                "name": regions["name"].to_numpy(),
                "lat": regions["lat"].to_numpy(),
                "lon": regions["lon"].to_numpy(),
                "tokens_per_s": by_region["tokens_per_s"].sum().reindex(regions.index).to_numpy(),
                "served_tokens_per_s": flows.groupby("region_id")["tokens_per_s"]
                .sum()
                .reindex(regions.index)
                .fillna(0)
                .to_numpy(),
                "demand_by_model": [
                    _text(by_region.get_group(r).set_index("model_id")["tokens_per_s"].to_dict(), "{:,.0f}")
                    for r in regions.index
                ],
                "served_by": [
                    "; ".join(dict.fromkeys(flows.loc[flows["region_id"] == r, "site_id"]))
                    for r in regions.index
                ],
            }
        )
    )


def _flow_lines(sites: pd.DataFrame, regions: pd.DataFrame, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    groups = flows.groupby(["site_id", "region_id"], sort=False)
    agg = groups.agg(
        tokens_per_s=("tokens_per_s", "sum"),
        rtt_ms=("rtt_ms", "first"),
        latency_budget_ms=("latency_budget_ms", "min"),
    )
    agg["models"] = [_text(g.set_index("model_id")["tokens_per_s"].to_dict(), "{:,.0f}") for _, g in groups]
    agg = agg.reset_index()
    pos = sites.set_index("site_id")
    lines = [
        LineString([(pos.at[s, "lon"], pos.at[s, "lat"]), (regions.at[r, "lon"], regions.at[r, "lat"])])
        for s, r in zip(agg["site_id"], agg["region_id"])
    ]
    return gpd.GeoDataFrame(agg, geometry=lines, crs=CRS)


def build_map_data(run: RunData) -> MapData:
    """The four layers, title and extent of a run (see the module docstring)."""
    from planner.catalogs.load import load_catalogs

    catalogs = load_catalogs()
    sites, flows, streams = run.tables["sites"], run.tables["flows"], _streams(run)
    tables = run.path / "tables"
    if not sites["open"].any():
        raise InputError(f"{tables / 'sites.csv'}: no open site; nothing to map")
    unknown = sorted(set(streams["region_id"]) - set(catalogs.regions.index))
    if unknown:
        raise InputError(
            f"{run.path / 'scenario.resolved.yaml'}: demand region(s) {', '.join(unknown)} "
            "not in data/regions.csv"
        )
    stray = sorted(set(flows["site_id"]) - set(sites["site_id"])) + sorted(
        set(flows["region_id"]) - set(streams["region_id"])
    )
    if stray:
        raise InputError(
            f"{tables / 'flows.csv'}: site or region id(s) {', '.join(stray)} "
            "not in sites.csv / the scenario's demand"
        )
    for name in ("fleet", "energy_capacity"):
        refuse_unknown_ids(
            run.tables[name]["site_id"], set(sites["site_id"]), tables / f"{name}.csv", "not in sites.csv"
        )
    cat = _catalog_sites(run)
    regions = catalogs.regions.loc[list(dict.fromkeys(streams["region_id"]))]
    route, speed = catalogs.facility["fibre_route_factor"], catalogs.facility["fibre_speed_km_per_ms"]
    rtt = pd.DataFrame(
        [
            [
                fibre_round_trip_ms(
                    great_circle_km(s.lat, s.lon, regions.at[r, "lat"], regions.at[r, "lon"]), route, speed
                )
                for r in streams["region_id"]
            ]
            for s in sites.itertuples()
        ],
        index=sites["site_id"],
    )
    chosen = _chosen(run, cat, flows)
    reg = _regions(regions, streams, flows)
    layers = {
        "sites_chosen": chosen,
        "sites_not_chosen": _closed(run, cat, rtt, streams, chosen),
        "demand_regions": reg,
        "flows": _flow_lines(sites, regions, flows),
    }
    layers = {name: typed_fields(layer) for name, layer in layers.items()}
    title = (
        f"{run.name}: {run.number('served_tokens_per_s') / 1e6:,.3g} M tokens/s "
        f"at {run.number('cost_usd_per_mtok'):.3f} $/Mtok, "
        f"{run.number('gco2e_per_mtok'):,.0f} gCO2e/Mtok, {fmt_mw(run.number('it_mw'))} MW IT"
    )
    return MapData(
        run.name,
        title,
        layers,
        _extent(pd.concat([sites["lon"], reg["lon"]]), pd.concat([sites["lat"], reg["lat"]])),
    )


def typed_fields(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Numeric attribute fields as numbers, not text: a text column whose every non-empty value is a
    number (run-directory columns the reader leaves as text, e.g. ``in_service_year``,
    ``bridge_mw``) becomes float; years (``*_year``) and counts (``gpus``, ``gpus_<type>``,
    ``streams_in_reach``) become nullable integers. Ids and names stay text."""
    out = gdf.copy()
    for col in out.columns:
        if col == "geometry" or col.endswith("_id") or col in TEXT_FIELDS:
            continue
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            text = series.astype("string").str.strip().replace("", pd.NA)
            number = pd.to_numeric(text, errors="coerce")
            if number.isna().sum() != text.isna().sum() or not number.notna().any():
                continue
            series = number.astype(float)
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            whole = col.endswith("_year") or col in COUNT_FIELDS or col.startswith("gpus_")
            out[col] = series.round().astype("Int64") if whole else series.astype(float)
    return out


TEXT_FIELDS = frozenset({"name", "reason", "reason_code", "layer"})
COUNT_FIELDS = frozenset({"gpus", "streams_in_reach"})


def _extent(x: pd.Series, y: pd.Series) -> tuple[float, float, float, float]:
    """Bounding box of the points with a margin, at least 2 degrees each way."""
    dx, dy = max(x.max() - x.min(), 2.0), max(y.max() - y.min(), 2.0)
    return (
        float(max(x.min() - _MARGIN * dx, -180.0)),
        float(max(y.min() - _MARGIN * dy, -85.0)),
        float(min(x.max() + _MARGIN * dx, 180.0)),
        float(min(y.max() + _MARGIN * dy, 85.0)),
    )


def load_map_data(run_dir: Path | str) -> MapData:
    """Read a run directory (clear InputErrors naming the file) and build its map data."""
    run = read_run(run_dir, tables=("sites", "fleet", "energy_capacity", "flows"), summary_keys=SUMMARY_KEYS)
    return build_map_data(run)
