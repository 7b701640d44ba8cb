"""Load, merge, override and validate scenario files.

Pipeline of :func:`load_scenario`:

1. read the file (UTF-8) and parse it safely, recording the line of every key
   (:mod:`planner.yaml_lines`);
2. resolve ``extends:`` (relative to the file; chains allowed; cycles are errors) and
   deep-merge parent and child (child wins; lists replace), keeping for every key path the
   file and line that set it;
3. apply dotted overrides (``{"prices.gas_price_scale": 2.0}``) checked against the schema;
4. validate against :class:`planner.scenario.Scenario`;
5. cross-check every id against the catalogs (regions, models, GPUs, cooling, energy,
   sites, countries, site columns) and the site filters and policy against the catalog.

Every problem becomes one line ``file:line: field.path: what is wrong; what is allowed``;
all lines of one load go into a single :class:`~planner.errors.InputError` (exit code 2).
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from planner.errors import InputError
from planner.scenario import Scenario
from planner.yaml_lines import (
    KeyPath,
    Origin,
    Origins,
    format_path,
    load_chain,
    merge_with_origins,
    show_number,
    show_value,
    where,
)

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalogs import Catalogs

__all__ = [
    "apply_site_overrides",
    "load_scenario",
    "parse_overrides",
    "resolved_yaml",
    "scenario_from_dict",
    "selected_sites",
]


class Problem(NamedTuple):
    """One validation problem: where to look it up, which field to name, what to say."""

    at: KeyPath
    """Key path whose origin (file, line) locates the problem."""
    field: KeyPath
    """Key path named in the message (empty: the top level)."""
    text: str


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------
def load_scenario(
    path: str | os.PathLike[str],
    catalogs: Catalogs | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Read, resolve, override and validate a scenario file.

    Args:
        path: the scenario YAML; named in error messages exactly as given.
        catalogs: the catalogs to check ids against (``load_catalogs()`` if None).
        overrides: dotted paths to values, applied after ``extends`` merging, e.g.
            ``{"prices.gas_price_scale": 2.0, "objective": "carbon", "demand.scale": 1.5}``.

    Returns:
        The validated scenario, fully resolved (``extends`` is None).

    Raises:
        InputError: one message listing every problem found, each with file, line, field,
            bad value and what is allowed.
    """
    display = os.fspath(path)
    data, origins = load_chain(Path(display), display, [], None)
    return _finish(data, origins, display, catalogs, overrides)


def scenario_from_dict(
    data: Mapping[str, Any],
    catalogs: Catalogs | None = None,
    *,
    source: str = "<dict>",
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Validate a scenario given as Python data (the Python API).

    An ``extends`` key is resolved relative to the current directory. ``source`` names the
    data in error messages; ``overrides`` are dotted paths as in :func:`load_scenario`.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a scenario must be a mapping, got {type(data).__name__}")
    own = copy.deepcopy(dict(data))
    origins: Origins = {}
    parent = own.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, (str, os.PathLike)):
            raise InputError(f"{source}: extends: {show_value(parent)} is not allowed: must be a file path")
        parent_display = os.fspath(parent)
        if not Path(parent_display).is_file():
            raise InputError(f"{source}: extends: file '{parent_display}' not found")
        pdata, porigins = load_chain(Path(parent_display), parent_display, [], None)
        own, origins = merge_with_origins(pdata, porigins, own, {})
    return _finish(own, origins, source, catalogs, overrides)


def resolved_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (defaults filled in) as YAML; loading it gives an equal one."""
    data = scenario.model_dump(mode="json", exclude={"extends"})
    header = (
        f"# Scenario '{scenario.name}', fully resolved: extends merged, overrides applied,\n"
        "# defaults written out. Load it with `planner validate` or `planner solve`.\n"
    )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return header + body


def selected_sites(scenario: Scenario, catalogs: Catalogs) -> list[str]:
    """Candidate site ids after ``sites.include``/filters/``exclude`` (catalog order).

    Filters see the per-site ``sites.overrides`` (an override of ``campus_mw_max`` counts for
    ``min_campus_mw``). Raises InputError naming the filter that left no site.
    """
    frame = _sites_with_overrides(scenario, catalogs.sites)
    ids, failure = _select(scenario, frame)
    if failure is not None:
        raise InputError(f"{format_path(failure.field)}: {failure.text}")
    return ids


def apply_site_overrides(scenario: Scenario, catalogs: Catalogs) -> pd.DataFrame:
    """The selected rows of ``catalogs.sites`` with the scenario's changes applied.

    Order: ``prices.gas_price_usd_per_mmbtu`` replaces every site's gas price; then
    ``sites.overrides`` set single values (so a site-specific value beats the global one);
    then ``prices.gas_price_scale`` and ``prices.electricity_price_scale`` multiply.
    The catalog itself is not modified.
    """
    frame = _sites_with_overrides(scenario, catalogs.sites)
    ids = selected_sites(scenario, catalogs)
    frame = frame.loc[ids].copy()
    gas = _gas_column(frame)
    if gas is not None and scenario.prices.gas_price_scale != 1.0:
        frame[gas] = frame[gas].astype(float) * scenario.prices.gas_price_scale
    elec = "electricity_price_usd_per_mwh"
    if elec in frame.columns and scenario.prices.electricity_price_scale != 1.0:
        frame[elec] = frame[elec].astype(float) * scenario.prices.electricity_price_scale
    return frame


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["prices.gas_price_scale=2", "technologies.gpus=[H100, B200]"]`` -> override dict.

    Values are read as YAML scalars or flow collections (``2`` -> 2, ``null`` -> None,
    ``[a, b]`` -> list); for the CLI's ``--set key=value``.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set '{item}': expected KEY=VALUE, e.g. prices.gas_price_scale=2")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out[key.strip()] = value
    return out


# ---------------------------------------------------------------------------------------
# overrides
# ---------------------------------------------------------------------------------------
def _apply_overrides(
    data: dict[str, Any], origins: Origins, overrides: Mapping[str, Any], source: str
) -> None:
    """Set each dotted path in ``data`` (in place), checking it against the schema."""
    for dotted, value in overrides.items():
        path = _override_path(str(dotted), data, source)
        _set_path(data, path, copy.deepcopy(value))
        for p in [p for p in origins if p[: len(path)] == path]:
            del origins[p]
        origins[path] = Origin(f"{source} (override)", None)


def _split_dotted(dotted: str) -> list[str | int]:
    """``demand.served[0].tokens_per_s`` -> ``["demand", "served", 0, "tokens_per_s"]``."""
    parts: list[str | int] = []
    for chunk in dotted.split("."):
        found = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])+)", chunk)
        if found:
            if found.group(1):
                parts.append(found.group(1))
            parts += [int(i) for i in re.findall(r"\d+", found.group(2))]
        elif chunk:
            parts.append(int(chunk) if chunk.isdigit() else chunk)
    return parts


def _override_path(dotted: str, data: dict[str, Any], source: str) -> KeyPath:
    """Check a dotted override path against the schema; return it as a key path."""
    parts = _split_dotted(dotted)
    if not parts or dotted == "extends" or dotted.startswith("extends."):
        raise InputError(f"{source} (override): '{dotted}' is not a scenario field that can be set")
    path, problem = _walk_override(parts, data)
    if problem is None:
        return path
    leaves = _leaf_paths()
    match = difflib.get_close_matches(dotted, leaves, n=1, cutoff=0.6)
    if not match:
        tail = [p for p in leaves if p.rsplit(".", 1)[-1] == dotted.rsplit(".", 1)[-1]]
        match = tail[:1]
    hint = f"; did you mean '{match[0]}'?" if match else ""
    raise InputError(f"{source} (override): unknown override path '{dotted}': {problem}{hint}")


def _set_path(data: dict[str, Any], path: KeyPath, value: Any) -> None:
    """Assign ``value`` at ``path``, creating mappings on the way; mappings deep-merge."""
    cur: Any = data
    for part in path[:-1]:
        nxt = cur[part] if isinstance(cur, list) else cur.get(part)
        if not isinstance(nxt, (dict, list)):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    last = path[-1]
    old = cur[last] if isinstance(cur, list) else cur.get(last)
    if isinstance(value, dict) and isinstance(old, dict):
        value, _ = merge_with_origins(old, {}, value, {})
    cur[last] = value


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def _finish(
    data: dict[str, Any],
    origins: Origins,
    source: str,
    catalogs: Catalogs | None,
    overrides: Mapping[str, Any] | None,
) -> Scenario:
    """Overrides, schema validation, catalog cross-checks -> Scenario (or one InputError)."""
    if overrides:
        _apply_overrides(data, origins, overrides, source)
    data.pop("extends", None)
    problems = _bool_problems(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += _schema_problems(exc, data)
    if problems:
        _raise(problems, origins, source)
    if catalogs is None:
        from planner.catalogs import load_catalogs

        catalogs = load_catalogs()
    problems = _catalog_problems(scenario, catalogs, origins)
    if problems:
        _raise(problems, origins, source)
    return scenario


def _raise(problems: list[Problem], origins: Origins, source: str) -> NoReturn:
    """Format problems (sorted by file and line, duplicates dropped) into one InputError."""
    rows: list[tuple[int, int, str]] = []
    files: list[str] = []
    for prob in problems:
        origin = _origin(origins, prob.at, source)
        if origin.file not in files:
            files.append(origin.file)
        field = format_path(prob.field)
        text = f"{where(origin)}: {field + ': ' if field else ''}{prob.text}"
        rows.append((files.index(origin.file), origin.line or 0, text))
    seen: set[str] = set()
    lines = []
    for _, _, text in sorted(rows, key=lambda r: (r[0], r[1])):
        if text not in seen:
            seen.add(text)
            lines.append(text)
    raise InputError("\n".join(lines))


def _origin(origins: Origins, path: KeyPath, source: str) -> Origin:
    """Origin of the longest prefix of ``path`` that has one (else the file, no line)."""
    for n in range(len(path), 0, -1):
        found = origins.get(path[:n])
        if found is not None:
            return found
    return Origin(source, None)


def _schema_problems(exc: ValidationError, data: dict[str, Any]) -> list[Problem]:
    """Translate pydantic errors into problems; union alternatives are joined with 'or'."""
    grouped: dict[KeyPath, list[str]] = {}
    values: dict[KeyPath, Any] = {}
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        path, found = _clean_loc(err["loc"], data, kind)
        if "[key]" in err["loc"] or kind == "invalid_key":
            problems.append(Problem(path, path[:-1], (
                f"key {show_value(path[-1] if path else None)} is not allowed: keys must be text "
                "(quote it if it looks like a number)")))
        elif kind == "missing":
            _model, field = _schema_at(path)
            about = _first_sentence(field.description) if field is not None else ""
            problems.append(
                Problem(path[:-1], path[:-1], f"required key '{path[-1]}' is missing" + (f" ({about})" if about else ""))
            )
        elif kind == "extra_forbidden":
            problems.append(Problem(path, path[:-1], _unknown_key_text(path)))
        else:
            grouped.setdefault(path, [])
            allowed = _allowed_text(err, path)
            if allowed not in grouped[path]:
                grouped[path].append(allowed)
            values[path] = err.get("input") if found else None
    suggested = {
        (p.field, m.group(1)) for p in problems if (m := re.search(r"did you mean '([^']+)'", p.text))
    }
    problems = [
        p for p in problems
        if not (p.text.startswith("required key '") and (p.field, p.text.split("'")[1]) in suggested)
    ]
    for path, allowed in grouped.items():
        parts = [allowed[0]] + [a.removeprefix("must be ") for a in allowed[1:]]
        value = values[path]
        problems.append(Problem(path, path, f"{show_value(value)} is not allowed: {' or '.join(parts)}"))
    return problems


def _clean_loc(loc: tuple[Any, ...], data: Any, kind: str) -> tuple[KeyPath, bool]:
    """Drop pydantic's union tags and ``[key]`` markers by walking ``loc`` through the data."""
    cur = data
    out: list[Any] = []
    found = True
    for i, part in enumerate(loc):
        if part == "[key]":
            continue
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif kind == "missing" and i == len(loc) - 1:
            out.append(part)
            found = False
    return tuple(out), found


def _unknown_key_text(path: KeyPath) -> str:
    """``unknown key 'demnad'; did you mean 'demand'? Allowed keys here: ...``."""
    key = path[-1]
    model = _model_at(path[:-1])
    names = sorted(model.model_fields) if model is not None else []
    if path[:-1] and "extends" in names:
        names.remove("extends")
    hint = _did_you_mean(str(key), names)
    if not hint:
        homes = [h for h in _field_home(str(key)) if h != _generic(path[:-1])]
        if homes:
            hint = f"; '{key}' belongs under '{homes[0]}'"
    return f"unknown key {show_value(key)}{hint}{_sep(hint)}Allowed keys here: {', '.join(names)}"


def _generic(path: KeyPath) -> str:
    """``demand.served[2]`` -> ``demand.served[]`` (a schema location)."""
    return re.sub(r"\[\d+\]", "[]", format_path(path))


_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _allowed_text(err: Mapping[str, Any], path: KeyPath) -> str:
    """What pydantic's error says is allowed, in plain words (with the field's unit)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    unit = _unit_of(path)
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        return f"must be {_BOUNDS[kind]} {show_number(limit)}{unit}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number{unit}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "string_type":
        return "must be text"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        return "must use only letters, digits and _ . - (no spaces)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind in ("list_type", "tuple_type"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        model = _model_at(path)
        keys = f" with keys {', '.join(sorted(model.model_fields))}" if model is not None else ""
        return f"must be a mapping{keys}"
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return str(err["msg"])


# ---------------------------------------------------------------------------------------
# catalog cross-checks
# ---------------------------------------------------------------------------------------
_KINDS = {"energy": "energy technology", "gpus": "GPU", "cooling": "cooling option"}


def _catalog_problems(scenario: Scenario, catalogs: Catalogs, origins: Origins) -> list[Problem]:
    """Every id the scenario names must exist in the catalogs; site filters must leave sites."""
    problems: list[Problem] = []
    regions, models = _ids(catalogs.regions), _ids(catalogs.models)
    first: dict[tuple[str, str], int] = {}
    for i, stream in enumerate(scenario.demand.served):
        base: KeyPath = ("demand", "served", i)
        if stream.region not in regions:
            problems.append(_unknown_id(base + ("region",), "region", stream.region, regions))
        if stream.model not in models:
            problems.append(_unknown_id(base + ("model",), "model", stream.model, models))
        key = (stream.region, stream.model)
        if key in first:
            j = first[key]
            line = origins.get(("demand", "served", j))
            at = f" (line {line.line})" if line and line.line else ""
            problems.append(Problem(base, base, (
                f"duplicate stream: region '{key[0]}', model '{key[1]}' is already demand.served[{j}]{at}; "
                "merge them into one stream (add their tokens_per_s)")))
        else:
            first[key] = i
    for name in scenario.demand.latency_ms:
        if name not in models:
            path: KeyPath = ("demand", "latency_ms", name)
            problems.append(_unknown_id(path, "model", name, models, what="latency_ms key"))

    tech = scenario.technologies
    for field, kind in _KINDS.items():
        problems += _check_list(("technologies", field), getattr(tech, field), kind, _ids(getattr(catalogs, field)), empty_ok=False)

    sites = scenario.sites
    site_ids = _ids(catalogs.sites)
    if isinstance(sites.include, list):
        problems += _check_list(("sites", "include"), sites.include, "site", site_ids, empty_ok=False)
    problems += _check_list(("sites", "exclude"), sites.exclude, "site", site_ids, empty_ok=True)
    if sites.countries is not None:
        countries = sorted({str(c) for c in catalogs.sites["country"].dropna()})
        problems += _check_list(("sites", "countries"), sites.countries, "country", countries, empty_ok=False)
    numeric = _numeric_site_columns(catalogs.sites)
    for site, columns in sites.overrides.items():
        if site not in site_ids:
            problems.append(_unknown_id(("sites", "overrides", site), "site", site, site_ids))
        for column in columns:
            if column not in numeric:
                path = ("sites", "overrides", site, column)
                problems.append(_unknown_id(path, "numeric site column", column, numeric, what="override column"))
    if problems:
        return problems

    problems += _liquid_problems(scenario, catalogs)
    frame = _sites_with_overrides(scenario, catalogs.sites)
    chosen, failure = _select(scenario, frame)
    if failure is not None:
        return problems + [failure]
    problems += _reach_problems(scenario, catalogs, frame.loc[chosen])
    policy, n = scenario.policy, len(chosen)
    listing = ", ".join(chosen[:8]) + (", ..." if n > 8 else "")
    if policy.min_sites > n:
        problems.append(Problem(("policy", "min_sites"), ("policy", "min_sites"), (
            f"{policy.min_sites} is not allowed: only {n} site(s) are selected ({listing}); "
            "lower min_sites or widen sites:")))
    cap = min(n, policy.max_sites or n)
    if cap * policy.max_share_per_site < 1 - 1e-9:
        problems.append(Problem(("policy", "max_share_per_site"), ("policy", "max_share_per_site"), (
            f"{show_number(policy.max_share_per_site)} is not allowed: at most {cap} site(s) can be open, "
            f"so no plan serves all demand; must be >= {show_number(round(1 / cap + 0.0005, 3))}")))
    return problems


def _round_trip_ms(lat1: float, lon1: float, lat2: float, lon2: float, route: float, speed: float) -> float:
    """Fibre round trip [ms] = 2 x haversine km x route factor / fibre km/ms (as the model)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2.0 * (2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))) * route / speed


def _reach_problems(scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame) -> list[Problem]:
    """Streams that no selected site can serve within their round-trip latency budget."""
    facility = getattr(catalogs, "facility", None) or {}
    route = float(facility.get("fibre_route_factor", 1.5))
    speed = float(facility.get("fibre_speed_km_per_ms", 204.22))
    regions, d = catalogs.regions, scenario.demand
    if not {"lat", "lon"} <= set(regions.columns) or not {"lat", "lon"} <= set(sites.columns):
        return []
    out: list[Problem] = []
    for i, stream in enumerate(d.served):
        budget = stream.latency_ms or d.latency_ms.get(stream.model, d.default_latency_ms)
        lat, lon = float(regions.at[stream.region, "lat"]), float(regions.at[stream.region, "lon"])
        rtt = {
            str(sid): _round_trip_ms(float(row["lat"]), float(row["lon"]), lat, lon, route, speed)
            for sid, row in sites.iterrows()
        }
        nearest = min(rtt, key=rtt.__getitem__)
        if rtt[nearest] > budget:
            path: KeyPath = ("demand", "served", i)
            out.append(Problem(path, path, (
                f"no selected site is within the {budget:g} ms round-trip budget of region "
                f"'{stream.region}' for model '{stream.model}' (nearest: {nearest}, {rtt[nearest]:.0f} ms); "
                f"raise demand.latency_ms.{stream.model} or widen sites:")))
    return out


def _ids(frame: pd.DataFrame) -> list[str]:
    """Catalog index as strings."""
    return [str(i) for i in frame.index]


def _unknown_id(path: KeyPath, kind: str, value: Any, allowed: list[str], *, what: str | None = None) -> Problem:
    """``unknown GPU 'H1000'; did you mean 'H100'? Allowed: ...``."""
    listed = sorted(allowed)
    shown = ", ".join(listed[:25]) + (f", ... ({len(listed)} in all)" if len(listed) > 25 else "")
    if what is None:
        head = f"unknown {kind} {show_value(value)}"
    else:
        head = f"{what} {show_value(value)} is not a known {kind}"
    hint = _did_you_mean(str(value), listed)
    return Problem(path, path, f"{head}{hint}{_sep(hint)}Allowed: {shown}")


def _check_list(path: KeyPath, values: list[str] | None, kind: str, allowed: list[str], *, empty_ok: bool) -> list[Problem]:
    """Unknown, duplicate or (unless ``empty_ok``) no ids in one list of the scenario."""
    if values is None:
        return []
    if not values and not empty_ok:
        return [Problem(path, path, f"[] is not allowed: list at least one {kind} (or write null for the whole catalog)")]
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value not in allowed:
            out.append(_unknown_id(path + (i,), kind, value, allowed))
        elif value in seen:
            out.append(Problem(path + (i,), path + (i,), f"{show_value(value)} is listed twice (also [{seen[value]}]); keep one"))
        seen.setdefault(value, i)
    return out


def _truthy(value: Any) -> bool:
    """Catalog flags may be bools, 0/1 or yes/no strings."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "y")
    try:
        return bool(value) and not pd.isna(value)
    except (TypeError, ValueError):
        return bool(value)


def _liquid_problems(scenario: Scenario, catalogs: Catalogs) -> list[Problem]:
    """Every GPU on the menu needs liquid cooling, yet no cooling option is liquid."""
    gpus_df, cool_df = catalogs.gpus, catalogs.cooling
    if "liquid_required" not in gpus_df.columns or "liquid" not in cool_df.columns:
        return []
    gpus = scenario.technologies.gpus or _ids(gpus_df)
    cooling = scenario.technologies.cooling or _ids(cool_df)
    if not all(_truthy(gpus_df.at[g, "liquid_required"]) for g in gpus):
        return []
    if any(_truthy(cool_df.at[c, "liquid"]) for c in cooling):
        return []
    liquid = [str(c) for c in cool_df.index if _truthy(cool_df.at[c, "liquid"])]
    path: KeyPath = ("technologies", "cooling")
    return [Problem(path, path, (
        f"{show_value(list(cooling))} has no liquid option, but every GPU in technologies.gpus "
        f"({', '.join(gpus)}) requires liquid cooling; add one of: {', '.join(liquid)} "
        "(or an air-coolable GPU)"))]


def _numeric_site_columns(sites: pd.DataFrame) -> list[str]:
    """Site columns a scenario may override: numeric, not boolean."""
    return [
        str(c) for c in sites.columns
        if pd.api.types.is_numeric_dtype(sites[c]) and not pd.api.types.is_bool_dtype(sites[c])
    ]


def _gas_column(frame: pd.DataFrame) -> str | None:
    """The site column holding the gas price [USD/MMBtu]."""
    if "gas_price_usd_per_mmbtu" in frame.columns:
        return "gas_price_usd_per_mmbtu"
    candidates = [str(c) for c in frame.columns if str(c).startswith("gas_price")]
    return candidates[0] if candidates else None


def _sites_with_overrides(scenario: Scenario, sites: pd.DataFrame) -> pd.DataFrame:
    """All catalog sites with the global gas price and per-site overrides applied."""
    frame = sites.copy()
    gas = _gas_column(frame)
    if gas is not None and scenario.prices.gas_price_usd_per_mmbtu is not None:
        frame[gas] = float(scenario.prices.gas_price_usd_per_mmbtu)
    for site, columns in scenario.sites.overrides.items():
        for column, value in columns.items():
            if site not in frame.index or column not in frame.columns:
                raise InputError(f"sites.overrides.{site}.{column}: not a catalog site and numeric column")
            if not pd.api.types.is_float_dtype(frame[column]):
                frame[column] = frame[column].astype(float)
            frame.loc[site, column] = float(value)
    return frame


_STRESS = ["low", "low_medium", "medium_high", "high", "extremely_high"]


def _stress_rank(value: Any) -> int:
    """Rank of a catalog water-stress label (unknown or missing: -1, never filtered out)."""
    label = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    return _STRESS.index(label) if label in _STRESS else -1


def _select(scenario: Scenario, frame: pd.DataFrame) -> tuple[list[str], Problem | None]:
    """Apply include, countries, max_water_stress, min_campus_mw, exclude in that order."""
    sel = scenario.sites
    ids = _ids(frame)
    steps: list[tuple[str, Any]] = []
    if isinstance(sel.include, list):
        wanted = set(sel.include)
        steps.append(("include", lambda i: i in wanted))
    if sel.countries is not None:
        countries = {c.upper() for c in sel.countries}
        steps.append(("countries", lambda i: str(frame.at[i, "country"]).upper() in countries))
    if sel.max_water_stress is not None:
        limit = _STRESS.index(sel.max_water_stress)
        steps.append(("max_water_stress", lambda i: _stress_rank(frame.at[i, "water_stress"]) <= limit))
    if sel.min_campus_mw is not None:
        need = sel.min_campus_mw
        steps.append(("min_campus_mw", lambda i: float(frame.at[i, "campus_mw_max"]) >= need))
    if sel.exclude:
        dropped = set(sel.exclude)
        steps.append(("exclude", lambda i: i not in dropped))
    for name, keep in steps:
        after = [i for i in ids if keep(i)]
        if not after:
            path: KeyPath = ("sites", name)
            before = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
            value = getattr(sel, name)
            return [], Problem(path, path, (
                f"{show_value(value)} leaves no candidate site ({len(ids)} before this filter: {before}); "
                "widen it"))
        ids = after
    return ids, None


# ---------------------------------------------------------------------------------------
# walking the schema (for error hints and override paths)
# ---------------------------------------------------------------------------------------
def _unwrap(tp: Any, *, want_list: bool = False) -> Any:
    """Strip ``Annotated`` and ``| None``; of other unions keep the list member if asked."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            lists = [a for a in members if typing.get_origin(a) is list]
            if len(members) == 1:
                tp = members[0]
                continue
            if want_list and lists:
                tp = lists[0]
                continue
        return tp


def _is_model(tp: Any) -> bool:
    """True for pydantic model classes."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _schema_at(path: KeyPath) -> tuple[Any, FieldInfo | None]:
    """The (unwrapped) type found at ``path`` and the last model field passed on the way."""
    tp: Any = Scenario
    field: FieldInfo | None = None
    for part in path:
        tp = _unwrap(tp, want_list=True)
        origin = typing.get_origin(tp)
        if _is_model(tp):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None, None
            tp = field.annotation
        elif origin is list:
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None, field
    return _unwrap(tp, want_list=True), field


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The model class at ``path``, or None."""
    tp = _schema_at(path)[0]
    return tp if _is_model(tp) else None


def _bool_problems(value: Any, path: KeyPath = ()) -> list[Problem]:
    """``true``/``false`` where the schema wants a number (pydantic would read 1.0/0.0)."""
    if isinstance(value, bool):
        if path and _schema_at(path)[0] in (int, float):
            return [Problem(path, path, f"{show_value(value)} is not allowed: must be a number{_unit_of(path)}")]
        return []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    return [p for key, item in items for p in _bool_problems(item, path + (key,))]


def _unit_of(path: KeyPath) -> str:
    """`` [ms]`` from the field docstring's trailing unit bracket (nothing for ``[-]``)."""
    _model, field = _schema_at(path)
    text = (field.description or "") if field is not None else ""
    found = re.findall(r"\[([^\[\]`]+)\]", re.sub(r"``.*?``", "", text, flags=re.S))
    return f" [{found[0]}]" if found and found[0] != "-" else ""


def _model_paths(tp: Any = Scenario, prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """Every model class in the schema with its dotted location (``demand.served[]``)."""
    out: list[tuple[str, type[BaseModel]]] = [(prefix, tp)]
    for name, field in tp.model_fields.items():
        inner = _unwrap(field.annotation, want_list=True)
        suffix = ""
        if typing.get_origin(inner) is list:
            inner, suffix = _unwrap(typing.get_args(inner)[0]), "[]"
        if _is_model(inner):
            out += _model_paths(inner, f"{prefix}.{name}{suffix}".lstrip("."))
    return out


def _field_home(name: str) -> list[str]:
    """Dotted locations of the models that have a field ``name`` (``'solver'``)."""
    return [where for where, model in _model_paths() if name in model.model_fields and where]


def _leaf_paths() -> list[str]:
    """Every settable dotted path (``prices.gas_price_scale`` ...) for did-you-mean."""
    out = []
    for where, model in _model_paths():
        for name in model.model_fields:
            if name != "extends":
                out.append(f"{where}.{name}".lstrip(".").replace("[]", "[0]"))
    return out


def _walk_override(parts: list[str | int], data: dict[str, Any]) -> tuple[KeyPath, str | None]:
    """Follow ``parts`` through the schema (and the data, for list indices).

    Returns the key path and None, or a partial path and what is wrong. Under a mapping
    of plain values (``demand.latency_ms``) the rest of the dotted path is one key, so model
    ids with dots (``llama-3.1-8b``) work.
    """
    tp: Any = Scenario
    cur: Any = data
    path: list[Any] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        tp = _unwrap(tp, want_list=True)
        origin = typing.get_origin(tp)
        here = format_path(tuple(path)) or "the scenario"
        if _is_model(tp):
            names = [n for n in tp.model_fields if n != "extends"]
            if not isinstance(part, str) or part not in names:
                return tuple(path), f"'{part}' is not a key of {here} (keys: {', '.join(sorted(names))})"
            tp = tp.model_fields[part].annotation
        elif origin is list:
            if not isinstance(part, int):
                return tuple(path), f"{here} is a list; index it like {here}[0]"
            if not isinstance(cur, list) or part >= len(cur):
                return tuple(path), f"{here} has no item [{part}]"
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
            inner = _unwrap(tp)
            if not (_is_model(inner) or typing.get_origin(inner) is dict):
                part = ".".join(str(p) for p in parts[i:])
                i = len(parts) - 1
            part = str(part)
        else:
            return tuple(path), f"{here} is a single value; it has no key '{part}'"
        path.append(part)
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and isinstance(part, int):
            cur = cur[part]
        else:
            cur = None
        i += 1
    return tuple(path), None


# ---------------------------------------------------------------------------------------
# small formatting helpers
# ---------------------------------------------------------------------------------------
def _did_you_mean(word: str, choices: list[str]) -> str:
    """``; did you mean 'x'?`` (case-insensitive first, then difflib), or ''."""
    lower = {c.lower(): c for c in choices}
    if word.lower() in lower:
        return f"; did you mean '{lower[word.lower()]}'?"
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f"; did you mean '{lower[match[0]]}'?" if match else ""


def _sep(hint: str) -> str:
    """Separator before 'Allowed ...': after a question no full stop."""
    return " " if hint.endswith("?") else ". "


def _first_sentence(text: str | None) -> str:
    """First sentence of a field description, on one line, without RST backticks."""
    if not text:
        return ""
    flat = " ".join(text.replace("``", "").split())
    return re.split(r"\.\s+(?=[A-Z])", flat)[0].rstrip(".")
