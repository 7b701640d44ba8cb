"""The audit trail of ``sites.csv``: ``site_sources.csv``, one row per (site, field), checked against sites.

Every site must have a row for every field of :data:`planner.catalogs.schemas.AUDITED_SITE_FIELDS`,
and each row's ``value`` must be the value ``sites.csv`` holds (numbers equal within 1e-9 relative,
labels equal as text), so a figure cannot change without its citation. A ``sourced`` row carries
the date of its source (``YYYY-MM`` or ``YYYY-MM-DD``); an ``estimate`` row carries its reasoning in
``note``. Problems raise :class:`planner.errors.CatalogError` naming the file, the line and the field.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from planner.catalogs.schemas import AUDITED_SITE_FIELDS, SiteSourceRow
from planner.errors import CatalogError, PlannerWarning

SITE_SOURCES_FILE = "site_sources.csv"


def _same(cited: str, actual: Any) -> bool:
    """True if the cited text equals the catalog value: numerically (relative 1e-9) or as text."""
    try:
        a, b = float(cited), float(actual)
    except (TypeError, ValueError):
        return cited.strip() == str(actual).strip()
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _check_rows(rows: list[SiteSourceRow], sites: pd.DataFrame, rel: str) -> None:
    """Each row names a known site and field, and its value equals the one in ``sites.csv``."""
    for i, r in enumerate(rows, start=1):
        if r.site_id not in sites.index:
            msg = f"line {i + 1}: unknown site_id {r.site_id!r} (not in sites.csv)"
            raise CatalogError(rel, i, "site_id", msg)
        if r.field not in sites.columns or r.field in ("source", "confidence"):
            msg = f"line {i + 1}: unknown field {r.field!r}; allowed: the value columns of sites.csv"
            raise CatalogError(rel, i, "field", msg)
        actual = sites.at[r.site_id, r.field]
        if not _same(r.value, actual):
            msg = (
                f"line {i + 1}: value {r.value!r} for {r.site_id} {r.field} differs from sites.csv "
                f"({actual!r}); update both together"
            )
            raise CatalogError(rel, i, "value", msg)


def _missing(rows: list[SiteSourceRow], sites: pd.DataFrame) -> list[tuple[str, str]]:
    """(site, field) pairs of audited fields without a row."""
    have = {(r.site_id, r.field) for r in rows}
    return [(str(s), f) for s in sites.index for f in AUDITED_SITE_FIELDS if (s, f) not in have]


ESTIMATE_NOTE = "no row in site_sources.csv of this data tree: the sites.csv value is taken as an estimate"
"""``note`` of the estimate rows made up for a user's site without audit rows."""


def _as_estimates(missing: list[tuple[str, str]], sites: pd.DataFrame, rel: str) -> list[SiteSourceRow]:
    """Estimate rows for the ``missing`` fields of a user's data tree, with one warning naming them."""
    by_site: dict[str, list[str]] = {}
    for site, field in missing:
        by_site.setdefault(site, []).append(field)
    fields = sorted({f for _, f in missing}, key=AUDITED_SITE_FIELDS.index)
    names = ", ".join(list(by_site)[:6]) + (f" and {len(by_site) - 6} more" if len(by_site) > 6 else "")
    warnings.warn(
        PlannerWarning(
            f"{rel}: no source rows for site(s) {names}; fields treated as estimates: "
            f"{', '.join(fields)} (add rows to cite them)"
        ),
        stacklevel=2,
    )
    return [
        SiteSourceRow(
            site_id=s,
            field=f,
            value=str(sites.at[s, f]),
            source="sites.csv of this data tree (uncited)",
            status="estimate",
            note=ESTIMATE_NOTE,
        )
        for s, f in missing
    ]


def check_site_sources(
    rel: str, rows: list[SiteSourceRow], sites: pd.DataFrame, strict: bool = True
) -> pd.DataFrame:
    """Check the rows of ``site_sources.csv`` (``rel``: its path as shown in messages; rows already
    validated one by one) against ``sites``.

    Returns the rows as a DataFrame indexed by (site_id, field). Raises CatalogError on an unknown
    site or field or a value that differs from ``sites.csv``; and, when ``strict`` (the shipped
    tree), on a site without a row for an audited field. Otherwise (a user's own tree) such a field
    gets an ``estimate`` row (:data:`ESTIMATE_NOTE`) and one warning names the sites and fields.
    """
    _check_rows(rows, sites, rel)
    missing = _missing(rows, sites)
    if missing and strict:
        shown = ", ".join(f"{s}/{f}" for s, f in missing[:5])
        shown += f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise CatalogError(rel, None, "field", f"no source row for {shown}")
    rows = rows + (_as_estimates(missing, sites, rel) if missing else [])
    df = pd.DataFrame([r.model_dump() for r in rows], columns=list(SiteSourceRow.model_fields))
    return df.set_index(["site_id", "field"])
