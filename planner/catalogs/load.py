"""Cited catalogs (``data/*.csv``) and served-model cards (``models/*.yaml``), validated and typed.

Every CSV row and every YAML card goes through a pydantic model of :mod:`planner.catalogs.schemas`;
any problem (missing file or column, unknown column or key, bad value, duplicate id, empty
``source``, broken cross-reference) raises :class:`planner.errors.CatalogError` naming the file,
the line (``line N`` = CSV line number, header is line 1), the column and what is allowed.
``site_sources.csv``, the per-field audit trail of ``sites.csv``, is checked against the sites when the
data tree has it (:mod:`planner.catalogs.site_sources`).

Units are part of the column names (see ``data/README.md``): ``_usd_per_kw`` [USD/kW],
``_usd_per_mwh`` [USD/MWh], ``_g_per_kwh`` [gCO2e/kWh], ``_kg_per_mwh`` [kgCO2/MWh],
``_mmbtu_per_mwh`` [MMBtu HHV/MWh], ``_tflops`` [10^12 FLOP/s, dense], ``_w`` [W],
``_ml_per_yr`` [megalitres/yr], ``_l_per_kwh`` [L per kWh IT], ``_years`` [y]. Money is in
USD of ``finance["dollar_year"]``. The returned DataFrames are cached: treat them as read-only.

The row schemas and label tuples stay importable from here.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from planner.catalogs.gas_schemas import AirPermitRow, BridgeSupplyRow, ControlRow, GasSiteRow, OzoneClassRow
from planner.catalogs.schemas import (
    CLIMATE_CLASSES,
    FACILITY_ITEMS,
    FINANCE_ITEMS,
    BenchmarkRow,
    CatalogRow,
    ContractRow,
    CoolingClimateRow,
    CoolingRow,
    DerateRow,
    EnergyRow,
    GpuDeliveryRow,
    GpuRow,
    GridMixRow,
    ItemRow,
    LifecycleRow,
    ModelCard,
    RegionRow,
    SiteElevationRow,
    SiteRow,
    SiteSourceRow,
    TariffRow,
)
from planner.catalogs.site_sources import SITE_SOURCES_FILE, check_site_sources
from planner.catalogs.supply import (
    CONTRACTS_FILE,
    GRID_MIX_FILE,
    LIFECYCLE_FILE,
    check_contracts,
    check_grid_mix,
    check_lifecycle,
)
from planner.errors import CatalogError, InputError, PlannerWarning
from planner.inputs import decode_utf8, load_plain_yaml, read_input_bytes
from planner.paths import DATA_DIR, MODELS_DIR, home_note, is_shipped


@dataclass(frozen=True)
class Catalogs:
    """All catalogs, validated. DataFrames are indexed by their id column (benchmarks: RangeIndex)."""

    sites: pd.DataFrame
    energy: pd.DataFrame
    gpus: pd.DataFrame
    gpu_delivery: pd.DataFrame  # per gpu_id: lead_time_years, source, confidence
    cooling: pd.DataFrame
    cooling_climate: pd.DataFrame
    benchmarks: pd.DataFrame
    regions: pd.DataFrame
    models: pd.DataFrame
    facility: dict[str, float]
    finance: dict[str, float]
    facility_sources: dict[str, str]
    finance_sources: dict[str, str]
    site_sources: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``site_sources.csv`` indexed by (site_id, field): value, source, source_date, status, note."""
    tariffs: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``tariffs.csv`` indexed by ``site_id`` (each site's own row, else its ``grid_region``'s)."""
    sales_tax: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``sales_tax.csv`` per ``site_id`` (site, else ``<country>-<state>``, else country row)."""
    construction_index: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``construction_index.csv`` per ``site_id`` (joined as ``sales_tax``)."""
    interconnection: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``interconnection_cost.csv``: convex cost curves (points) per ``applies_to``."""
    site_elevation: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``site_elevation.csv`` indexed by ``site_id``: elevation_m [m], source_date, source, confidence."""
    derate: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``derate.csv`` indexed by ``tech_id``: site-rating derate of gas turbines and engines."""
    gas_sites: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``gas_infrastructure.csv`` per ``site_id`` joined with its jurisdiction's ``air_permits.csv``
    row and its ozone class's ``ozone_classes.csv`` row (empty: no gas infrastructure data)."""
    gas_controls: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``emissions_controls.csv`` indexed by ``tech_id`` (one row per gas technology)."""
    bridge_supply: dict[int, float] = dataclasses.field(default_factory=dict)
    """``bridge_supply.csv``: bridge MW one plan can have in use per calendar year (empty: no limit)."""
    contracts: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``contracts.csv`` indexed by ``contract_id`` (empty: no contracts)."""
    grid_mix: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """``grid_mix.csv`` indexed by ``egrid_subregion`` (empty: no grid upstream emissions)."""
    lifecycle: dict[str, float] = dataclasses.field(default_factory=dict)
    """``lifecycle.csv`` items (empty: gas upstream from ``energy.csv``)."""


def cooling_supported(catalogs: Catalogs, gpu_id: str) -> list[str]:
    """The cooling ids the GPU system's vendors support (``gpus.csv`` ``cooling_supported``)."""
    return str(catalogs.gpus.at[gpu_id, "cooling_supported"]).split(";")


def cooling_can_host(catalogs: Catalogs, gpu_id: str, cooling_id: str) -> bool:
    """True if cooling ``cooling_id`` can host GPU ``gpu_id``: a cooling the GPU system's vendors
    support (e.g. NVL72 racks: direct liquid only), liquid where the GPU requires it, and the
    GPU's rack density [kW/rack] within the cooling's ``max_rack_kw``."""
    gpu, cool = catalogs.gpus.loc[gpu_id], catalogs.cooling.loc[cooling_id]
    supported = cooling_id in cooling_supported(catalogs, gpu_id)
    fits = (not gpu["liquid_required"] or cool["liquid"]) and gpu["rack_kw"] <= cool["max_rack_kw"]
    return bool(supported and fits)


def pue_floor(facility: dict[str, float]) -> float:
    """The lowest facility PUE [-] any site can reach: ``1 + electrical losses + support loads``
    (UPS, transformers, distribution; lighting, offices), both in kW per kW IT (``data/facility.csv``).

    >>> pue_floor({"electrical_losses_kw_per_kw_it": 0.035, "support_loads_kw_per_kw_it": 0.005})
    1.04
    """
    overhead = facility["electrical_losses_kw_per_kw_it"] + facility["support_loads_kw_per_kw_it"]
    return round(1.0 + overhead, 12)


def crf(wacc: float, life_years: float) -> float:
    """Capital recovery factor [1/yr]: r(1+r)^n / ((1+r)^n - 1); 1/n when r = 0.

    >>> round(crf(0.07, 30), 6)
    0.080586
    """
    if life_years <= 0:
        raise ValueError(f"life_years must be > 0, got {life_years}")
    if abs(wacc) < 1e-12:
        return 1.0 / life_years
    growth = (1.0 + wacc) ** life_years
    return wacc * growth / (growth - 1.0)


def _rel(path: Path) -> str:
    """A catalog file as named in messages: its absolute path (a user's own tree is often elsewhere)."""
    return str(path.absolute())


MAX_CATALOG_BYTES = 50_000_000
"""Largest catalog CSV read [bytes]; the largest shipped one (benchmarks.csv) is ~0.3 MB."""
MAX_CATALOG_ROWS = 200_000
"""Most rows in one catalog CSV; the largest shipped one has ~1,000."""
MAX_CARD_BYTES = 200_000
"""Largest model card read [bytes]; shipped cards are ~3 kB."""


def _bounded(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (a FIFO or device is refused unread)."""
    try:
        return read_input_bytes(path, max_bytes, what)
    except InputError as exc:
        raise CatalogError(_rel(path), None, None, str(exc).removeprefix(str(path)).lstrip(": ")) from None


def _validate(model: type[BaseModel], data: dict[str, Any], file: str, row: int | None) -> Any:
    """Validate one row/card; turn the first pydantic error into a CatalogError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        text = err["msg"].removeprefix("Value error, ")
        col = str(err["loc"][0]) if err["loc"] else None
        line = f"line {row + 1}: " if row is not None else ""
        if err["type"] == "extra_forbidden":
            shown = f" {col!r}" if col is not None and re.fullmatch(r"[A-Za-z0-9_]{1,40}", col) else ""
            col = col if shown else None
            msg = f"unknown {'column' if row else 'key'}{shown}; allowed: {', '.join(model.model_fields)}"
        elif col is None:
            msg = text
        elif data.get(col) is None:
            msg = f"{col} is empty or missing: {text}"
        else:  # the value itself is not repeated: a data tree may hold anything
            msg = f"bad value for {col}: {text}"
        raise CatalogError(file, row, col, line + msg) from None


def _columns(model: type[BaseModel]) -> list[str]:
    """Field names in file order: ids and values first, then source and confidence."""
    names = [n for n in model.model_fields if n not in ("source", "confidence")]
    return names + [n for n in ("source", "confidence") if n in model.model_fields]


def _frame(rows: list[Any], model: type[BaseModel]) -> pd.DataFrame:
    """Rows -> DataFrame (float/int64/bool dtypes inferred from the validated values; missing -> NaN)."""
    df = pd.DataFrame([r.model_dump() for r in rows], columns=_columns(model))
    return df.astype({c: float for c in df.columns if df[c].isna().all()})


def _read_rows(path: Path, model: type[BaseModel], key: tuple[str, ...]) -> list[Any]:
    """Read a CSV (all text), check its columns, validate each row, reject duplicate keys."""
    rel = _rel(path)
    if not path.exists() and not path.is_symlink():
        raise CatalogError(rel, None, None, "file not found")
    data = _bounded(path, MAX_CATALOG_BYTES, "catalog")
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, nrows=MAX_CATALOG_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError):
        raise CatalogError(
            rel, None, None, "cannot read CSV (UTF-8 comma-separated text with a header)"
        ) from None
    if len(raw) > MAX_CATALOG_ROWS:
        raise CatalogError(rel, None, None, f"more than the {MAX_CATALOG_ROWS:,} rows allowed in a catalog")
    fields = _columns(model)
    missing = [c for c in fields if c not in raw.columns]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; expected: {', '.join(fields)}"
        raise CatalogError(rel, None, missing[0], msg)
    extra = [c for c in raw.columns if c not in fields]
    if extra:
        msg = f"unknown column(s) {', '.join(map(str, extra))}; allowed: {', '.join(fields)}"
        raise CatalogError(rel, None, str(extra[0]), msg)
    if raw.empty:
        raise CatalogError(rel, None, None, "no data rows")
    rows, seen = [], {}
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        clean = {k: (v.strip() or None) if isinstance(v, str) else None for k, v in rec.items()}
        row = _validate(model, clean, rel, i)
        ident = tuple(getattr(row, k) for k in key)
        if key and ident in seen:
            msg = f"line {i + 1}: duplicate id {'/'.join(ident)!r} (first at line {seen[ident] + 1})"
            raise CatalogError(rel, i, key[0], msg)
        seen[ident] = i
        rows.append(row)
    return rows


def _table(path: Path, model: type[CatalogRow], key: tuple[str, ...]) -> pd.DataFrame:
    df = _frame(_read_rows(path, model, key), model)
    return df.set_index(list(key) if len(key) > 1 else key[0]) if key else df


def _items(path: Path, required: tuple[str, ...]) -> tuple[dict[str, float], dict[str, str]]:
    rows: list[ItemRow] = _read_rows(path, ItemRow, ("item",))
    missing = [k for k in required if k not in {r.item for r in rows}]
    if missing:
        raise CatalogError(_rel(path), None, "item", f"missing required item(s): {', '.join(missing)}")
    return {r.item: r.value for r in rows}, {r.item: r.source for r in rows}


TARIFFS_FILE = "tariffs.csv"


def _tariffs(path: Path, sites: pd.DataFrame) -> pd.DataFrame:
    """``tariffs.csv`` resolved per site (its own row, else its ``grid_region``'s), indexed by
    ``site_id``; empty when the data tree has no such file. A site with neither stops the load."""
    if not path.is_file():
        return pd.DataFrame()
    table = _table(path, TariffRow, ("applies_to",))
    missing = [
        s for s in sites.index if s not in table.index and sites.at[s, "grid_region"] not in table.index
    ]
    if missing:
        raise CatalogError(
            _rel(path), None, "applies_to", f"no row for site or grid_region of: {', '.join(missing)}"
        )
    rows = [table.loc[s if s in table.index else sites.at[s, "grid_region"]] for s in sites.index]
    out = pd.DataFrame(rows, index=pd.Index(sites.index, name="site_id"))
    out.insert(0, "tariff_row", [s if s in table.index else sites.at[s, "grid_region"] for s in sites.index])
    return out


def _site_elevation(path: Path, sites: pd.DataFrame) -> pd.DataFrame:
    """``site_elevation.csv`` indexed by ``site_id``; empty when the data tree has no such file
    (every site at sea level: no altitude derate). A site without a row stops the load of the
    shipped tree; in a user's own tree it is taken at sea level, with one warning naming it."""
    if not path.is_file():
        return pd.DataFrame()
    table = _table(path, SiteElevationRow, ("site_id",))
    _check_refs(path, "site_id", table.index, sites.index, "site_id")
    missing = [s for s in sites.index if s not in table.index]
    if missing and is_shipped(path.parent):
        raise CatalogError(_rel(path), None, "site_id", f"no elevation for site(s): {', '.join(missing)}")
    if missing:
        warnings.warn(
            PlannerWarning(
                f"{_rel(path)}: no elevation for site(s) {', '.join(missing)}: taken at sea level "
                "(no altitude derate of gas turbines and engines); add a row with its source"
            ),
            stacklevel=2,
        )
    return table


def _derate(path: Path, energy: pd.DataFrame) -> pd.DataFrame:
    """``derate.csv`` indexed by ``tech_id`` (each an ``energy.csv`` id); empty when the data tree
    has no such file (every plant at its ISO rating)."""
    if not path.is_file():
        return pd.DataFrame()
    table = _table(path, DerateRow, ("tech_id",))
    _check_refs(path, "tech_id", table.index, energy.index, "tech_id")
    return table


GAS_FILES = ("gas_infrastructure.csv", "air_permits.csv", "ozone_classes.csv", "emissions_controls.csv")
"""Gas infrastructure and air-permit catalogs: all four or none (:func:`_gas`)."""


def _missing_keys(path: Path, column: str, wanted: Any, have: pd.Index, what: str) -> None:
    """Every id of ``wanted`` must be a row of ``have``; else name the first missing ones."""
    missing = sorted({str(v) for v in wanted if v not in have})
    if missing:
        raise CatalogError(_rel(path), None, column, f"no row for {what}: {', '.join(missing)}")


def _gas(data_dir: Path, sites: pd.DataFrame, energy: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``gas_infrastructure.csv`` per site joined with ``air_permits.csv`` (by ``jurisdiction``) and
    ``ozone_classes.csv`` (by ``ozone_area``), and ``emissions_controls.csv`` (one row per
    ``energy.csv`` technology of kind ``gas``); two empty frames when the data tree has none of the
    four files. The shipped tree has a row for every site; in a user's tree a site without one is
    left out here and gets typical values with a warning when a scenario uses it
    (:func:`planner.model.gas_inputs.gas_site_rows`)."""
    paths = [data_dir / f for f in GAS_FILES]
    if not any(p.is_file() for p in paths):
        return pd.DataFrame(), pd.DataFrame()
    gas_path, permit_path, ozone_path, control_path = paths
    gas = _table(gas_path, GasSiteRow, ("site_id",))
    permits = _table(permit_path, AirPermitRow, ("jurisdiction",))
    ozone = _table(ozone_path, OzoneClassRow, ("ozone_area",))
    controls = _table(control_path, ControlRow, ("tech_id",))
    _check_refs(gas_path, "site_id", gas.index, sites.index, "site_id")
    if is_shipped(data_dir):
        _missing_keys(gas_path, "site_id", sites.index, gas.index, "site_id")
    _missing_keys(permit_path, "jurisdiction", gas["jurisdiction"], permits.index, "jurisdiction")
    _missing_keys(ozone_path, "ozone_area", gas["ozone_area"], ozone.index, "ozone_area")
    _check_refs(control_path, "tech_id", controls.index, energy.index, "tech_id")
    gas_techs = energy.index[energy["kind"] == "gas"]
    _missing_keys(control_path, "tech_id", gas_techs, controls.index, "gas tech_id")
    joined = gas.drop(columns=["source", "confidence", "note"]).join(
        permits.drop(columns=["source", "confidence", "note", "source_date"]), on="jurisdiction"
    )
    joined = joined.join(ozone[["major_nox_tpy", "offset_ratio"]], on="ozone_area")
    return joined.loc[[s for s in sites.index if s in joined.index]], controls


BRIDGE_SUPPLY_FILE = "bridge_supply.csv"


def _bridge_supply(path: Path) -> dict[int, float]:
    """``bridge_supply.csv`` as year -> MW (empty without the file: bridge power unlimited)."""
    if not path.is_file():
        return {}
    table = _table(path, BridgeSupplyRow, ("year",))
    return {int(y): float(v) for y, v in table["bridge_mw_available"].items()}


def _supply(data_dir: Path, sites: pd.DataFrame, energy: pd.DataFrame) -> dict[str, Any]:
    """The optional ``contracts.csv``, ``grid_mix.csv`` and ``lifecycle.csv``, checked
    (:mod:`planner.catalogs.supply`); a missing file leaves its field empty."""
    out: dict[str, Any] = {}
    path = data_dir / CONTRACTS_FILE
    if path.is_file():
        out["contracts"] = check_contracts(
            _rel(path), _table(path, ContractRow, ("contract_id",)), sites, energy
        )
    path = data_dir / GRID_MIX_FILE
    if path.is_file():
        out["grid_mix"] = check_grid_mix(_rel(path), _table(path, GridMixRow, ("egrid_subregion",)), sites)
    path = data_dir / LIFECYCLE_FILE
    if path.is_file():
        rows: list[LifecycleRow] = _read_rows(path, LifecycleRow, ("item",))
        out["lifecycle"] = check_lifecycle(_rel(path), {r.item: r.value for r in rows})
    return out


def _site_sources(path: Path, sites: pd.DataFrame) -> pd.DataFrame:
    """``site_sources.csv`` checked against the sites (see :mod:`planner.catalogs.site_sources`):
    strictly in the shipped tree (every site cites every audited field); in a user's own tree a
    field without a row is taken as an estimate, with one warning. An empty frame when a shipped
    tree has no such file (a test fixture)."""
    strict = is_shipped(path.parent)
    if not path.is_file():
        return pd.DataFrame() if strict else check_site_sources(_rel(path), [], sites, strict=False)
    rows = _read_rows(path, SiteSourceRow, ("site_id", "field"))
    return check_site_sources(_rel(path), rows, sites, strict=strict)


def _models(models_dir: Path) -> pd.DataFrame:
    files = sorted(models_dir.glob("*.yaml")) if models_dir.is_dir() else []
    if not files:
        raise CatalogError(_rel(models_dir), None, None, "no model cards (*.yaml) found")
    cards: list[ModelCard] = []
    for path in files:
        rel = _rel(path)
        text = decode_utf8(_bounded(path, MAX_CARD_BYTES, "model card"), rel)
        try:
            data = load_plain_yaml(text, rel)
        except InputError as exc:
            raise CatalogError(rel, None, None, str(exc).removeprefix(f"{rel}").lstrip(": ")) from None
        if not isinstance(data, dict):
            raise CatalogError(rel, None, None, "expected a mapping of keys to values")
        card: ModelCard = _validate(ModelCard, data, rel, None)
        if card.id != path.stem:
            raise CatalogError(rel, None, "id", f"id {card.id!r} must equal the file name {path.stem!r}")
        cards.append(card)
    return _frame(cards, ModelCard).set_index("id").rename_axis("model_id")


def _check_refs(path: Path, column: str, values: Any, allowed: pd.Index, what: str) -> None:
    """Every value must be an id of another catalog; report the first offending CSV line."""
    for i, v in enumerate(values, start=1):
        if v not in allowed:
            known = ", ".join(map(str, allowed))
            raise CatalogError(_rel(path), i, column, f"line {i + 1}: unknown {what} {v!r}; known: {known}")


def _check_cooling_supported(path: Path, values: Any, coolings: pd.Index) -> None:
    """Every id in each ``cooling_supported`` list (``;``-separated) must be a cooling id."""
    for i, listed in enumerate(values, start=1):
        unknown = [c for c in str(listed).split(";") if c not in coolings]
        if unknown:
            known = ", ".join(map(str, coolings))
            msg = f"line {i + 1}: unknown cooling_id {unknown[0]!r} in cooling_supported; known: {known}"
            raise CatalogError(_rel(path), i, "cooling_supported", msg)


def _gpu_delivery(path: Path, gpus: pd.Index) -> pd.DataFrame:
    """``gpu_delivery.csv``: one row per ``gpus.csv`` GPU, no other ids."""
    table = _table(path, GpuDeliveryRow, ("gpu_id",))
    _check_refs(path, "gpu_id", table.index, gpus, "gpu_id")
    missing = [g for g in gpus if g not in table.index]
    if missing:
        msg = f"no delivery lead time for {', '.join(missing)}; every gpus.csv gpu_id needs a row"
        raise CatalogError(_rel(path), None, "gpu_id", msg)
    return table


@functools.lru_cache(maxsize=8)
def load_catalogs(data_dir: Path = DATA_DIR, models_dir: Path = MODELS_DIR) -> Catalogs:
    """Load and validate every catalog in ``data_dir`` and every model card in ``models_dir``.

    Raises CatalogError (exit code 2) on the first problem, naming the file by its absolute path
    and the data home (``PLANNER_HOME`` or the shipped tree, :func:`planner.paths.home_note`);
    cached per (data_dir, models_dir).
    """
    try:
        return _load(Path(data_dir), Path(models_dir))
    except CatalogError as exc:
        exc.args = (f"{exc} ({home_note()})",)  # one line: the file, the field, and where the data home is
        raise


def _load(data_dir: Path, models_dir: Path) -> Catalogs:
    """:func:`load_catalogs` without the cache and the note on the data home."""
    cooling = _table(data_dir / "cooling.csv", CoolingRow, ("cooling_id",))
    cc_path = data_dir / "cooling_climate.csv"
    cc = _table(cc_path, CoolingClimateRow, ("cooling_id", "climate_class"))
    _check_refs(cc_path, "cooling_id", cc.index.get_level_values(0), cooling.index, "cooling_id")
    gaps = [f"{c}/{k}" for c in cooling.index for k in CLIMATE_CLASSES if (c, k) not in cc.index]
    if gaps:
        raise CatalogError(_rel(cc_path), None, "climate_class", f"missing combinations: {', '.join(gaps)}")
    gpus = _table(data_dir / "gpus.csv", GpuRow, ("gpu_id",))
    _check_cooling_supported(data_dir / "gpus.csv", gpus["cooling_supported"], cooling.index)
    delivery = _gpu_delivery(data_dir / "gpu_delivery.csv", gpus.index)
    models = _models(models_dir)
    bench = _table(data_dir / "benchmarks.csv", BenchmarkRow, ())
    _check_refs(data_dir / "benchmarks.csv", "gpu_id", bench["gpu_id"], gpus.index, "gpu_id")
    _check_refs(data_dir / "benchmarks.csv", "model_id", bench["model_id"], models.index, "model_id")
    facility, facility_src = _items(data_dir / "facility.csv", FACILITY_ITEMS)
    finance, finance_src = _items(data_dir / "finance.csv", FINANCE_ITEMS)
    cc.insert(0, "pue", pue_floor(facility) + cc["cooling_overhead"])  # facility PUE [-], annual mean
    sites = _table(data_dir / "sites.csv", SiteRow, ("site_id",))
    from planner.catalogs.capex_tables import capex_tables  # it reads tables with this module's helpers

    energy = _table(data_dir / "energy.csv", EnergyRow, ("tech_id",))
    gas_sites, gas_controls = _gas(data_dir, sites, energy)
    return Catalogs(
        sites=sites,
        energy=energy,
        gpus=gpus,
        gpu_delivery=delivery,
        cooling=cooling,
        cooling_climate=cc,
        benchmarks=bench,
        regions=_table(data_dir / "regions.csv", RegionRow, ("region_id",)),
        models=models,
        facility=facility,
        finance=finance,
        facility_sources=facility_src,
        finance_sources=finance_src,
        site_sources=_site_sources(data_dir / SITE_SOURCES_FILE, sites),
        tariffs=_tariffs(data_dir / TARIFFS_FILE, sites),
        **capex_tables(data_dir, sites),
        site_elevation=_site_elevation(data_dir / "site_elevation.csv", sites),
        derate=_derate(data_dir / "derate.csv", energy),
        gas_sites=gas_sites,
        gas_controls=gas_controls,
        bridge_supply=_bridge_supply(data_dir / BRIDGE_SUPPLY_FILE),
        **_supply(data_dir, sites, energy),
    )
