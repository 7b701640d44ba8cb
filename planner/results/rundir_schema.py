"""Schemas of the run-directory files: size caps, table keys, column ranges, summary and manifest types.

Used by :mod:`planner.results.rundir_read` (the one reader of run directories). The caps
bound every loop a reader of a run directory drives (map markers, spend schedule years,
replacement cycles): a table cannot have more rows than :data:`TABLE_MAX_ROWS` and a number
cannot leave :func:`column_range`.

Messages (:func:`summary_problem`, :func:`scenario_problem`, :func:`manifest_problem`) name the
field and what is allowed, never the value found (pydantic's ``input`` is left out).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Optional, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from planner.scenario.schema import Scenario

MAX_JSON_BYTES = 20_000_000
"""Largest ``summary.json`` / ``manifest.json`` read [bytes]; a 50-site summary is ~20 kB and a
1,000-point sweep manifest ~500 kB."""
MAX_YAML_BYTES = 1_000_000
"""Largest ``scenario.resolved.yaml`` [bytes] (the scenario file limit; shipped ones are ~5 kB)."""
MAX_TABLE_BYTES = 1_000_000_000
"""Largest ``tables/*.csv`` [bytes]: an hourly full-year dispatch of 100 sites is ~100 MB."""
TABLE_MAX_ROWS: dict[str, int] = {
    "*": 2_000_000,
    "sites": 20_000,
    "pipeline": 20_000,
    "costs": 500_000,
    "energy_capacity": 500_000,
    "fleet": 500_000,
    "throughput": 100_000,
    "capex_items": 100_000,
    "opex": 100_000,
    "dispatch": 20_000_000,
}
"""Most rows per table (``"*"``: any other). Sites: the catalog has ~60 candidates, so 20,000
leaves room for any real catalog and bounds a map's work to seconds; dispatch: 8,760 hours
x 2,000 sites."""
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "sites": ("site_id",),
    "pipeline": ("site_id",),
    "energy_capacity": ("site_id", "tech_id"),
    "fleet": ("site_id", "gpu_id", "model_id"),
    "flows": ("site_id", "region_id", "model_id"),
    "costs": ("site_id", "category"),
    "dispatch": ("site_id", "slice"),
    "capex_items": ("site_id", "category", "item_id", "item"),  # a battery has a power and an energy line
    "opex": ("site_id", "category", "cost_type", "item_id"),
}
"""Columns that identify a row of each table (at most one row per key)."""

MAX_ABS = 1e40
"""Largest magnitude of any number in a table (photons/s of a GW of PV are ~1e28)."""
_RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "site_lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "site_lon": (-180.0, 180.0),
    "pue": (1.0, 10.0),
    "lead_time_years": (0.0, 30.0),  # catalogs: <= 30 y (energy, sites), <= 10 y (GPUs)
    "start_offset_years": (0.0, 100.0),
    "life_years": (0.5, 100.0),  # finance gpu_life_years >= 0.5 y; catalog lives <= 100 y
    "wacc": (0.0, 0.5),
    "crf": (0.0, 3.0),  # r(1+r)^n/((1+r)^n-1) <= 1/n + r = 2 + 0.5 at n = 0.5 y, r = 0.5
    "slice": (0.0, 1e7),
    "day": (0.0, 366.0),
    "hour": (0.0, 8784.0),
    "weight_h": (0.0, 8784.0),
    "share_alone": (0.0, 1e9),  # site loss: shares above 1 are spare capacity (tables/site_loss.csv)
    "share_together": (0.0, 1e9),
}
_SHARE = ("share", "capacity_factor", "token_share", "prefix_hit")
_COUNT = ("gpus", "blocks", "gpus_installed", "gpus_allocated_peak", "spare_gpus", "modules")
YEAR_RANGE = (1900.0, 2200.0)
"""Calendar years in a table (``*_year`` columns, whole numbers)."""


def column_range(column: str) -> tuple[float, float, bool]:
    """``(lo, hi, whole)`` of a numeric run-table column: years are whole numbers in
    :data:`YEAR_RANGE`, shares in [0, 1], counts in [0, 1e9], named physical columns in
    :data:`_RANGES`, anything else finite within +-:data:`MAX_ABS`."""
    if column.endswith("_year"):
        return (*YEAR_RANGE, True)
    if column in _RANGES:
        return (*_RANGES[column], False)
    if column.endswith(_SHARE) or column.startswith("share_"):
        return (0.0, 1.0 + 1e-9, False)
    if column in _COUNT or column.startswith("gpus_"):
        return (0.0, 1e9, False)
    return (-MAX_ABS, MAX_ABS, False)


WORD_PATTERN = r"^[^\x00-\x1f\x7f]*$"
"""Text of a run-directory file: no control characters (CR, LF, ESC, ...)."""
Word = Annotated[str, StringConstraints(max_length=1_000, pattern=WORD_PATTERN)]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_ABS, le=MAX_ABS)]
NonNeg = Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_ABS)]
Year = Annotated[int, Field(ge=int(YEAR_RANGE[0]), le=int(YEAR_RANGE[1]))]


class SummaryFields(BaseModel):
    """Typed fields of ``summary.json`` that readers use (others are kept unchecked but bounded by
    the JSON reader: finite numbers, depth)."""

    model_config = ConfigDict(extra="allow")
    scenario: Optional[Word] = None
    status: Word
    objective: Word
    objective_value: Optional[Finite] = None
    best_bound: Optional[Finite] = None
    mip_gap: Optional[NonNeg] = None
    annualized_cost_usd: Optional[Finite] = None
    cost_usd_per_mtok: Optional[Finite] = None
    capex_usd: Optional[Finite] = None
    gco2e_per_mtok: Optional[Finite] = None
    gco2e_per_mtok_location_based: Optional[Finite] = None
    gco2e_per_mtok_market_based: Optional[Finite] = None
    it_mw: Optional[NonNeg] = None
    facility_mw: Optional[NonNeg] = None
    served_tokens_per_s: Optional[NonNeg] = None
    demand_tokens_per_s: Optional[NonNeg] = None
    it_joules_per_token: Optional[NonNeg] = None
    facility_joules_per_token: Optional[NonNeg] = None
    water_ml_per_yr: Optional[NonNeg] = None
    emissions_t_per_yr: Optional[Finite] = None
    start_year: Optional[Year] = None
    online_year: Optional[Year] = None
    time_slices: Optional[Annotated[int, Field(ge=0, le=10_000_000)]] = None
    gpus: Optional[dict[Word, NonNeg]] = None
    sites: Optional[Annotated[list[Word], Field(max_length=TABLE_MAX_ROWS["sites"])]] = None
    capex_by_category_usd: Optional[dict[Word, Finite]] = None
    energy_mix_share: Optional[dict[Word, Finite]] = None
    sites_in_service: Optional[dict[Word, Any]] = None


class ManifestPoint(BaseModel):
    """One point of a sweep's ``manifest.json``."""

    model_config = ConfigDict(extra="allow")
    overrides: dict[Word, Any] = {}
    status: Word
    message: str = ""
    run_dir: Optional[Word] = None
    solves: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    finished_at: Optional[Word] = None


class Manifest(BaseModel):
    """A sweep's ``manifest.json``: its identity (key), scenario, grid and points by index."""

    model_config = ConfigDict(extra="allow")
    key: Optional[Word] = None
    scenario: Optional[Word] = None
    sets: dict[Word, list[Any]] = {}
    points: dict[Annotated[str, StringConstraints(pattern=r"^\d{1,9}$")], ManifestPoint]


@functools.cache
def _field_names() -> frozenset[str]:
    """Every field name of the run-directory schemas (scenario sections included): the only keys a
    message shows; any other key came from the file and is shown as ``<key>``."""
    names: set[str] = set()
    todo: list[Any] = [Scenario, SummaryFields, Manifest, ManifestPoint]
    seen: set[Any] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            stack = [info.annotation]
            while stack:
                kind = stack.pop()
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    todo.append(kind)
                stack.extend(get_args(kind))
    return frozenset(names)


def _first_error(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> str:
    """``field.path: what is allowed`` of the first pydantic error, without the value found (keys
    from the file that are not plain identifiers are shown as ``<key>``)."""
    err = exc.errors(include_url=False, include_input=False)[0]
    loc = [*prefix, *err["loc"]]
    bad_key = "[key]" in loc
    if bad_key:
        loc = loc[: loc.index("[key]")]
    where = ""
    for part in loc:
        shown = part if isinstance(part, int) or part in _field_names() else "<key>"
        where += f"[{shown}]" if isinstance(part, int) else ("." if where else "") + str(shown)
    if err["type"] == "extra_forbidden":
        return f"{where.rsplit('.', 1)[0] if '.' in where else 'top level'}: a key that is not a field of it"
    msg = "a value the schema does not allow" if err["type"].startswith("value_error") else err["msg"]
    if err["type"] == "string_pattern_mismatch":
        msg = _pattern_text(str((err.get("ctx") or {}).get("pattern", "")))
    if bad_key:
        msg = "a key of a form that is not allowed here (an index, id or name without control characters)"
    return f"{where or 'top level'}: {msg}"


_PATTERN_TEXT = {
    WORD_PATTERN: "text without control characters (CR, LF, ESC, ...)",
    r"^[A-Za-z0-9_.\-]+$": "only letters, digits and _ . - (no spaces, no brackets)",
}
"""What each schema pattern allows, in words (the scenario name is an id: it names run directories)."""


def _pattern_text(pattern: str) -> str:
    """What a pattern of the schemas allows (the pattern itself when it has no wording here)."""
    return _PATTERN_TEXT.get(pattern, f"text of the form {pattern}")


def summary_problem(data: dict[str, Any]) -> str | None:
    """Why ``summary.json`` data is not a run summary, or None."""
    try:
        SummaryFields.model_validate(data)
    except ValidationError as exc:
        return _first_error(exc)
    return None


def scenario_problem(data: dict[str, Any]) -> str | None:
    """Why a resolved scenario no longer passes the scenario schema (a hand edit), or None."""
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return _first_error(exc) + " (the scenario schema, docs/scenario.md)"
    return None


def manifest_problem(data: Any) -> str | None:
    """Why a sweep manifest is not one, or None."""
    if not isinstance(data, dict):
        return f"expected a JSON object (the sweep manifest), got a {type(data).__name__}"
    try:
        Manifest.model_validate(data)
    except ValidationError as exc:
        return _first_error(exc)
    return None
