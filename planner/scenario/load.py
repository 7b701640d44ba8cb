"""Load, merge, override and validate scenario files.

Pipeline of :func:`load_scenario`:

1. read the file (UTF-8) and parse it safely, recording the line of every key
   (:mod:`planner.scenario.yaml_lines`);
2. resolve ``extends:`` (relative to the file; chains allowed; cycles are errors) and
   deep-merge parent and child (child wins; lists replace), keeping for every key path the
   file and line that set it;
3. apply dotted overrides (``{"prices.gas_price_scale": 2.0}``) checked against the schema;
4. validate against :class:`planner.scenario.schema.Scenario`;
5. cross-check every id against the catalogs (regions, models, GPUs, cooling, energy,
   sites, countries, site columns) and the site filters and policy against the catalog.

Every problem becomes one line ``file:line: field.path: what is wrong; what is allowed``;
all lines of one load go into a single :class:`~planner.errors.InputError` (exit code 2).

This module holds the public API, the overrides and the order of the steps; the parts live in
:mod:`planner.scenario.fields` (walking the schema), :mod:`planner.scenario.problems` (schema
problems and their report), :mod:`planner.scenario.checks` (catalog cross-checks) and
:mod:`planner.scenario.sites` (site overrides and filters).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import ValidationError

from planner.errors import InputError
from planner.inputs import YamlSyntaxError, check_plain_data, load_plain_yaml
from planner.paths import shipped_scenario
from planner.scenario.checks import catalog_problems
from planner.scenario.fields import leaf_paths, walk_override
from planner.scenario.problems import bool_problems, raise_problems, schema_problems
from planner.scenario.schema import Scenario
from planner.scenario.sites import gas_column, select_sites, sites_with_overrides
from planner.scenario.yaml_lines import (
    KeyPath,
    Origin,
    Origins,
    format_path,
    load_chain,
    merge_with_origins,
    show_value,
)

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalogs.load import Catalogs

__all__ = [
    "apply_site_overrides",
    "load_scenario",
    "parse_overrides",
    "resolved_yaml",
    "scenario_from_dict",
    "selected_sites",
]


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
        The validated scenario, fully resolved (``extends`` is None). A ``path`` that does not
        exist but names a shipped scenario (``"small_5_sites"``) loads that one.

    Raises:
        InputError: one message listing every problem found, each with file, line, field,
            bad value and what is allowed.
    """
    display = os.fspath(path)
    shipped = None if Path(display).exists() else shipped_scenario(display)
    if shipped is not None:  # a shipped scenario by name, e.g. "small_5_sites"
        display = os.fspath(shipped)
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
    check_plain_data(data, source)
    own = copy.deepcopy(dict(data))
    origins: Origins = {}
    parent = own.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, (str, os.PathLike)):
            raise InputError(f"{source}: extends: {show_value(parent)} is not allowed: must be a file path")
        parent_display = os.fspath(parent)
        shipped = None if Path(parent_display).exists() else shipped_scenario(parent_display)
        parent_display = os.fspath(shipped) if shipped is not None else parent_display
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
    frame = sites_with_overrides(scenario, catalogs.sites)
    ids, failure = select_sites(scenario, frame)
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
    frame = sites_with_overrides(scenario, catalogs.sites)
    ids = selected_sites(scenario, catalogs)
    frame = frame.loc[ids].copy()
    gas = gas_column(frame)
    if gas is not None and scenario.prices.gas_price_scale != 1.0:
        frame[gas] = frame[gas].astype(float) * scenario.prices.gas_price_scale
    elec = "electricity_price_usd_per_mwh"
    if elec in frame.columns and scenario.prices.electricity_price_scale != 1.0:
        frame[elec] = frame[elec].astype(float) * scenario.prices.electricity_price_scale
    return frame


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["prices.gas_price_scale=2", "technologies.gpus=[H100, B200]"]`` -> override dict.

    Values are read as YAML scalars or flow collections (``2`` -> 2, ``null`` -> None,
    ``[a, b]`` -> list); for the CLI's ``--set key=value``. Text that is not YAML is kept as
    text; object tags (``!!python/...``), aliases that refer to themselves and values nested
    deeper than :data:`planner.inputs.MAX_DEPTH` are refused as in scenario files (exit 2).
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set '{item}': expected KEY=VALUE, e.g. prices.gas_price_scale=2")
        try:
            value = load_plain_yaml(raw, f"--set {key.strip()}") if raw.strip() else ""
        except YamlSyntaxError:
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
    path, problem = walk_override(parts, data)
    if problem is None:
        return path
    leaves = leaf_paths()
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
        check_plain_data(overrides, f"{source} (override)")
        _apply_overrides(data, origins, overrides, source)
    data.pop("extends", None)
    problems = bool_problems(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += schema_problems(exc, data)
    if problems:
        raise_problems(problems, origins, source)
    if catalogs is None:
        from planner.catalogs.load import load_catalogs

        catalogs = load_catalogs()
    problems = catalog_problems(scenario, catalogs, origins)
    if problems:
        raise_problems(problems, origins, source)
    return scenario
