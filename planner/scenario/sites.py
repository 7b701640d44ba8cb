"""Candidate sites of a scenario: catalog sites with the scenario's price and per-site
overrides applied, and the ``sites:`` filters (include, countries, max_water_stress,
min_campus_mw, exclude) that select among them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import ValidationError

from planner.catalogs.schemas import SiteRow
from planner.errors import InputError
from planner.scenario.problems import Problem
from planner.scenario.schema import Scenario
from planner.scenario.yaml_lines import KeyPath, show_value


def catalog_ids(frame: pd.DataFrame) -> list[str]:
    """Catalog index as strings."""
    return [str(i) for i in frame.index]


def numeric_site_columns(sites: pd.DataFrame) -> list[str]:
    """Site columns a scenario may override: numeric, not boolean."""
    return [
        str(c)
        for c in sites.columns
        if pd.api.types.is_numeric_dtype(sites[c]) and not pd.api.types.is_bool_dtype(sites[c])
    ]


def gas_column(frame: pd.DataFrame) -> str | None:
    """The site column holding the gas price [USD/MMBtu]."""
    if "gas_price_usd_per_mmbtu" in frame.columns:
        return "gas_price_usd_per_mmbtu"
    candidates = [str(c) for c in frame.columns if str(c).startswith("gas_price")]
    return candidates[0] if candidates else None


def added_site_problems(scenario: Scenario, sites: pd.DataFrame) -> list[Problem]:
    """Problems of the ``sites.add`` rows: each checked as a ``sites.csv`` row (:class:`SiteRow`:
    every column, its range, the source and confidence), with an id that is new."""
    problems: list[Problem] = []
    seen = {str(i) for i in sites.index}
    for i, row in enumerate(scenario.sites.add):
        here: KeyPath = ("sites", "add", i)
        try:
            site = SiteRow.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                col = str(err["loc"][0]) if err["loc"] else None
                path: KeyPath = (*here, col) if col is not None and col in row else here
                text = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    allowed = ", ".join(SiteRow.model_fields)
                    text = f"unknown column {col!r}; allowed: the columns of sites.csv: {allowed}"
                elif err["type"] == "missing":
                    text = f"column {col!r} is missing (a sites.csv row needs it)"
                elif col is not None:
                    text = f"{show_value(row.get(col))} is not allowed: {text}"
                problems.append(Problem(path, path, text))
            continue
        if site.site_id in seen:
            at = (*here, "site_id")
            problems.append(Problem(at, at, f"site id {site.site_id!r} is taken (a catalog or added site)"))
        seen.add(site.site_id)
    return problems


def added_sites(scenario: Scenario, sites: pd.DataFrame) -> pd.DataFrame:
    """The ``sites.add`` rows as a frame with the columns and dtypes of ``sites`` (the catalog)."""
    if not scenario.sites.add:
        return sites.iloc[:0]
    try:
        rows = [SiteRow.model_validate(row).model_dump() for row in scenario.sites.add]
    except ValidationError as exc:
        raise InputError(f"sites.add: {exc.errors()[0]['msg']}") from None
    frame = pd.DataFrame(rows).set_index("site_id").reindex(columns=sites.columns)
    return frame.astype({c: sites[c].dtype for c in sites.columns if frame[c].notna().all()})


def sites_with_overrides(scenario: Scenario, sites: pd.DataFrame) -> pd.DataFrame:
    """All candidate sites (the catalog's and ``sites.add``) with the global gas price and the
    per-site overrides applied."""
    frame = pd.concat([sites, added_sites(scenario, sites)]) if scenario.sites.add else sites.copy()
    gas = gas_column(frame)
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


def select_sites(scenario: Scenario, frame: pd.DataFrame) -> tuple[list[str], Problem | None]:
    """Apply include, countries, max_water_stress, min_campus_mw, exclude in that order."""
    sel = scenario.sites
    ids = catalog_ids(frame)
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
            return [], Problem(
                path,
                path,
                (
                    f"{show_value(value)} leaves no candidate site "
                    f"({len(ids)} before this filter: {before}); "
                    "widen it"
                ),
            )
        ids = after
    return ids, None
