"""Cross-checks of a schema-valid scenario against the catalogs.

Every id the scenario names (regions, models, GPUs, cooling, energy, sites, countries, site
columns) must exist, with a did-you-mean hint when it does not; streams must not repeat; some
cooling option must be liquid when every GPU needs it; the site filters must leave a site,
``policy`` must be satisfiable with the sites left, and every stream must be within its
latency budget of some selected site.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.catalogs.load import cooling_can_host, cooling_supported
from planner.catalogs.schemas import SiteRow, column_range
from planner.chain.physics import fibre_round_trip_ms, great_circle_km
from planner.scenario.problems import Problem, allowed_sep, did_you_mean
from planner.scenario.schema import Scenario
from planner.scenario.sites import (
    added_site_problems,
    catalog_ids,
    numeric_site_columns,
    select_sites,
    sites_with_overrides,
)
from planner.scenario.yaml_lines import KeyPath, Origins, show_number, show_value

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalogs.load import Catalogs


_KINDS = {"energy": "energy technology", "gpus": "GPU", "cooling": "cooling option"}


def catalog_problems(scenario: Scenario, catalogs: Catalogs, origins: Origins) -> list[Problem]:
    """Every id the scenario names must exist in the catalogs; site filters must leave sites."""
    problems: list[Problem] = []
    regions, models = catalog_ids(catalogs.regions), catalog_ids(catalogs.models)
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
            problems.append(
                Problem(
                    base,
                    base,
                    (
                        f"duplicate stream: region '{key[0]}', model '{key[1]}' "
                        f"is already demand.served[{j}]{at}; "
                        "merge them into one stream (add their tokens_per_s)"
                    ),
                )
            )
        else:
            first[key] = i
    for name in scenario.demand.latency_ms:
        if name not in models:
            path: KeyPath = ("demand", "latency_ms", name)
            problems.append(_unknown_id(path, "model", name, models, what="latency_ms key"))
    problems += _online_year_problems(scenario)
    for field in ("serving_targets", "precision", "request_shape"):
        for name in getattr(scenario.physics, field):
            if name not in models:
                path = ("physics", field, name)
                problems.append(_unknown_id(path, "model", name, models, what=f"{field} key"))

    if scenario.policy.hourly_cfe_share is not None and scenario.time.mode != "representative_days":
        path = ("policy", "hourly_cfe_share")
        problems.append(
            Problem(
                path,
                path,
                (
                    f"{show_number(scenario.policy.hourly_cfe_share)} needs time.mode: representative_days "
                    "(hourly matching has no meaning in one annual slice); "
                    "use policy.clean_energy_share for annual matching"
                ),
            )
        )

    added = added_site_problems(scenario, catalogs.sites)
    if added:  # the other site checks need valid added rows
        return problems + added
    site_ids_all = catalog_ids(catalogs.sites) + [str(row["site_id"]) for row in scenario.sites.add]
    from planner.profiles.columns import SITE_COLUMNS

    for site, columns in scenario.profiles.items():
        if site not in site_ids_all:
            problems.append(_unknown_id(("profiles", site), "site", site, site_ids_all))
        for column, file in columns.items():
            path = ("profiles", site, column)
            if column not in SITE_COLUMNS:
                problems.append(
                    _unknown_id(path, "profile column", column, list(SITE_COLUMNS), what="profile column")
                )
            elif not Path(file).is_file():
                problems.append(
                    Problem(
                        path,
                        path,
                        f"profile file '{file}' not found (paths are relative to the working directory)",
                    )
                )

    tech = scenario.technologies
    for field, kind in _KINDS.items():
        problems += _check_list(
            ("technologies", field),
            getattr(tech, field),
            kind,
            catalog_ids(getattr(catalogs, field)),
            empty_ok=False,
        )

    sites = scenario.sites
    site_ids = site_ids_all
    if isinstance(sites.include, list):
        problems += _check_list(("sites", "include"), sites.include, "site", site_ids, empty_ok=False)
    problems += _check_list(("sites", "exclude"), sites.exclude, "site", site_ids, empty_ok=True)
    problems += _status_problems(scenario, catalogs)
    if sites.countries is not None:
        listed = [*catalogs.sites["country"].dropna(), *(row["country"] for row in scenario.sites.add)]
        countries = sorted({str(c) for c in listed})
        problems += _check_list(("sites", "countries"), sites.countries, "country", countries, empty_ok=False)
    numeric = numeric_site_columns(catalogs.sites)
    for site, columns in sites.overrides.items():
        if site not in site_ids:
            problems.append(_unknown_id(("sites", "overrides", site), "site", site, site_ids))
        for column, value in columns.items():
            path = ("sites", "overrides", site, column)
            if column not in numeric:
                problems.append(
                    _unknown_id(path, "numeric site column", column, numeric, what="override column")
                )
            else:
                problems += _override_range(path, column, value)
    if problems:
        return problems

    problems += _liquid_problems(scenario, catalogs) or _support_problems(scenario, catalogs)
    frame = sites_with_overrides(scenario, catalogs.sites)
    chosen, failure = select_sites(scenario, frame)
    if failure is not None:
        return problems + [failure]
    problems += _reach_problems(scenario, catalogs, frame.loc[chosen])
    policy, n = scenario.policy, len(chosen)
    listing = ", ".join(chosen[:8]) + (", ..." if n > 8 else "")
    if policy.min_sites > n:
        problems.append(
            Problem(
                ("policy", "min_sites"),
                ("policy", "min_sites"),
                (
                    f"{policy.min_sites} is not allowed: only {n} site(s) are selected ({listing}); "
                    "lower min_sites or widen sites:"
                ),
            )
        )
    cap = min(n, policy.max_sites or n)
    if (policy.site_loss_coverage or 0) > 0 and cap < 2:
        problems.append(
            Problem(
                ("policy", "site_loss_coverage"),
                ("policy", "site_loss_coverage"),
                (
                    f"{show_number(policy.site_loss_coverage)} is not allowed: at most {cap} site can be "
                    "open, and losing it leaves nothing; allow at least 2 sites or set it to null"
                ),
            )
        )
    if cap * policy.max_share_per_site < 1 - 1e-9:
        problems.append(
            Problem(
                ("policy", "max_share_per_site"),
                ("policy", "max_share_per_site"),
                (
                    f"{show_number(policy.max_share_per_site)} is not allowed: "
                    f"at most {cap} site(s) can be open, "
                    f"so no plan serves all demand; must be >= {show_number(round(1 / cap + 0.0005, 3))}"
                ),
            )
        )
    return problems


def _override_range(path: tuple, column: str, value: Any) -> list[Problem]:
    """A site override must be finite and within the catalog's own range for that column
    (:class:`planner.catalogs.schemas.SiteRow`): lat -90..90, campus_mw_max > 0 and <= 20,000, ..."""
    lo, lo_strict, hi, hi_strict = column_range(SiteRow, column)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return []  # the schema reports non-numbers
    below = number < lo or (lo_strict and number == lo)
    above = number > hi or (hi_strict and number == hi)
    if math.isfinite(number) and not below and not above:
        return []
    left = "(" if lo_strict else "["
    right = ")" if hi_strict else "]"
    allowed = f"a finite number in {left}{lo:g}, {hi:g}{right}, the catalog's range for {column}"
    return [Problem(path, path, f"{show_value(value)} is not allowed: must be {allowed}")]


def _liquid_problems(scenario: Scenario, catalogs: Catalogs) -> list[Problem]:
    """Every GPU on the menu needs liquid cooling, yet no cooling option is liquid."""
    gpus_df, cool_df = catalogs.gpus, catalogs.cooling
    if "liquid_required" not in gpus_df.columns or "liquid" not in cool_df.columns:
        return []
    gpus = scenario.technologies.gpus or catalog_ids(gpus_df)
    cooling = scenario.technologies.cooling or catalog_ids(cool_df)
    if not all(_truthy(gpus_df.at[g, "liquid_required"]) for g in gpus):
        return []
    if any(_truthy(cool_df.at[c, "liquid"]) for c in cooling):
        return []
    liquid = [str(c) for c in cool_df.index if _truthy(cool_df.at[c, "liquid"])]
    path: KeyPath = ("technologies", "cooling")
    return [
        Problem(
            path,
            path,
            (
                f"{show_value(list(cooling))} has no liquid option, but every GPU in technologies.gpus "
                f"({', '.join(gpus)}) requires liquid cooling; add one of: {', '.join(liquid)} "
                "(or an air-coolable GPU)"
            ),
        )
    ]


def _support_problems(scenario: Scenario, catalogs: Catalogs) -> list[Problem]:
    """No GPU on the menu is supported by its vendors under any cooling on the menu."""
    if "cooling_supported" not in catalogs.gpus.columns:
        return []
    gpus = scenario.technologies.gpus or catalog_ids(catalogs.gpus)
    cooling = scenario.technologies.cooling or catalog_ids(catalogs.cooling)
    if any(cooling_can_host(catalogs, g, c) for g in gpus for c in cooling):
        return []
    supported = "; ".join(f"{g}: {', '.join(cooling_supported(catalogs, g))}" for g in gpus)
    path: KeyPath = ("technologies", "cooling")
    return [
        Problem(
            path,
            path,
            f"{show_value(list(cooling))} can host none of the GPUs in technologies.gpus; "
            f"coolings their vendors support (data/gpus.csv cooling_supported): {supported}",
        )
    ]


def _status_problems(scenario: Scenario, catalogs: Catalogs) -> list[Problem]:
    """``gpu_status: shipping`` with announced GPUs named in ``technologies.gpus``."""
    tech = scenario.technologies
    if tech.gpu_status != "shipping" or not tech.gpus or "status" not in catalogs.gpus.columns:
        return []
    status = catalogs.gpus["status"]
    announced = [g for g in tech.gpus if g in status.index and status[g] == "announced"]
    if not announced:
        return []
    path: KeyPath = ("technologies", "gpus")
    return [
        Problem(
            path,
            path,
            f"lists announced GPU(s) {', '.join(announced)} (data/gpus.csv status), but "
            "technologies.gpu_status is shipping; remove them or set gpu_status: any",
        )
    ]


def _truthy(value: Any) -> bool:
    """Catalog flags may be bools, 0/1 or yes/no strings."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "y")
    try:
        return bool(value) and not pd.isna(value)
    except (TypeError, ValueError):
        return bool(value)


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
            str(sid): fibre_round_trip_ms(
                great_circle_km(float(row["lat"]), float(row["lon"]), lat, lon), route, speed
            )
            for sid, row in sites.iterrows()
        }
        nearest = min(rtt, key=rtt.__getitem__)
        if rtt[nearest] > budget:
            path: KeyPath = ("demand", "served", i)
            out.append(
                Problem(
                    path,
                    path,
                    (
                        f"no selected site is within the {budget:g} ms round-trip budget of region "
                        f"'{stream.region}' for model '{stream.model}' "
                        f"(nearest: {nearest}, {rtt[nearest]:.0f} ms); "
                        f"raise demand.latency_ms.{stream.model} or widen sites:"
                    ),
                )
            )
    return out


def _online_year_problems(scenario: Scenario) -> list[Problem]:
    """``demand.online_year_by`` keys must be a region or model of ``demand.served``, and no online
    year may come before the construction start."""
    dem = scenario.demand
    used = sorted({s.region for s in dem.served} | {s.model for s in dem.served})
    problems = [
        _unknown_id(("demand", "online_year_by", key), "region or served model", key, used, what="key")
        for key in dem.online_year_by
        if key not in used
    ]
    if dem.start_year is not None:
        for path, year in (
            [(("demand", "online_year"), dem.online_year)]
            + [(("demand", "online_year_by", k), v) for k, v in dem.online_year_by.items()]
            + [(("demand", "growth", y), y) for y in dem.growth]
        ):
            if year is not None and year < dem.start_year:
                problems.append(
                    Problem(
                        path,
                        path,
                        f"{year} is before demand.start_year {dem.start_year}; allowed: a later year",
                    )
                )
    return problems


def _unknown_id(
    path: KeyPath, kind: str, value: Any, allowed: list[str], *, what: str | None = None
) -> Problem:
    """``unknown GPU 'H1000'; did you mean 'H100'? Allowed: ...``."""
    listed = sorted(allowed)
    shown = ", ".join(listed[:25]) + (f", ... ({len(listed)} in all)" if len(listed) > 25 else "")
    if what is None:
        head = f"unknown {kind} {show_value(value)}"
    else:
        head = f"{what} {show_value(value)} is not a known {kind}"
    hint = did_you_mean(str(value), listed)
    return Problem(path, path, f"{head}{hint}{allowed_sep(hint)}Allowed: {shown}")


def _check_list(
    path: KeyPath, values: list[str] | None, kind: str, allowed: list[str], *, empty_ok: bool
) -> list[Problem]:
    """Unknown, duplicate or (unless ``empty_ok``) no ids in one list of the scenario."""
    if values is None:
        return []
    if not values and not empty_ok:
        return [
            Problem(
                path,
                path,
                f"[] is not allowed: list at least one {kind} (or write null for the whole catalog)",
            )
        ]
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value not in allowed:
            out.append(_unknown_id(path + (i,), kind, value, allowed))
        elif value in seen:
            out.append(
                Problem(
                    path + (i,),
                    path + (i,),
                    f"{show_value(value)} is listed twice (also [{seen[value]}]); keep one",
                )
            )
        seen.setdefault(value, i)
    return out
