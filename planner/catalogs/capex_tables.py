"""The capex catalogs joined to sites (issue 23, the whole capex): ``sales_tax.csv`` and
``construction_index.csv`` resolved per site (the site's own row, else ``<country>-<state>``, else
the country), and ``interconnection_cost.csv`` checked as convex curves (the interconnection cost
of a tie, points x USD/kW, must not get cheaper per extra MW, so the model can take it as the
maximum of its segments). A data tree without one of the files gets an empty frame: no sales
tax, index 1 and the flat ``energy.csv`` grid capex (a user's older tree keeps working)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.catalogs.capex_schemas import ConstructionIndexRow, InterconnectionRow, SalesTaxRow
from planner.catalogs.load import _rel, _table
from planner.errors import CatalogError

SALES_TAX_FILE = "sales_tax.csv"
CONSTRUCTION_INDEX_FILE = "construction_index.csv"
INTERCONNECTION_FILE = "interconnection_cost.csv"


def site_keys(sites: pd.DataFrame, s: str) -> list[str]:
    """Keys a site's row may carry, most specific first: ``site_id``, ``<country>-<state>``, country."""
    country, state = str(sites.at[s, "country"]), sites.at[s, "state"]
    region = [f"{country}-{state}"] if isinstance(state, str) and state else []
    return [s, *region, country]


def site_row(table: pd.DataFrame, sites: pd.DataFrame, s: str) -> pd.Series | None:
    """Site ``s``'s row of a table resolved by :func:`by_site`; for a site the catalog did not hold
    when it was resolved (added by a scenario's ``sites.add``), the row its ``<country>-<state>``
    or country key resolved to for another site; None if no site shares either key."""
    if s in table.index:
        return table.loc[s]
    for key in site_keys(sites, s)[1:]:
        hit = table[table["applies_row"] == key]
        if len(hit):
            return hit.iloc[0]
    return None


def by_site(path: Path, model: type, sites: pd.DataFrame) -> pd.DataFrame:
    """``path``'s rows resolved per site (:func:`site_keys`), indexed by ``site_id`` with the row's
    key in ``applies_row``; empty when the file is absent. A site with no row stops the load."""
    if not path.is_file():
        return pd.DataFrame()
    table = _table(path, model, ("applies_to",))
    keys = {s: next((k for k in site_keys(sites, s) if k in table.index), None) for s in sites.index}
    missing = [s for s, k in keys.items() if k is None]
    if missing:
        raise CatalogError(
            _rel(path),
            None,
            "applies_to",
            f"no row for site, <country>-<state> or country of: {', '.join(missing)}",
        )
    out = pd.DataFrame([table.loc[keys[s]] for s in sites.index], index=pd.Index(sites.index, name="site_id"))
    out.insert(0, "applies_row", [keys[s] for s in sites.index])
    return out


def interconnection_curves(path: Path, sites: pd.DataFrame) -> pd.DataFrame:
    """``interconnection_cost.csv`` (all points, sorted by curve and MW); empty when absent. Each
    curve's total cost mw x USD/kW must be convex in MW with a non-negative first slope, and
    every site must find a curve (its own, its ``grid_region``'s, or ``default``)."""
    if not path.is_file():
        return pd.DataFrame()
    table = _table(path, InterconnectionRow, ("applies_to", "mw")).reset_index()
    table = table.sort_values(["applies_to", "mw"], kind="stable").reset_index(drop=True)
    for key, curve in table.groupby("applies_to", sort=False):
        slopes = segment_slopes(curve["mw"].tolist(), curve["usd_per_kw"].tolist())
        if any(b < a - 1e-9 for a, b in zip(slopes, slopes[1:])):
            raise CatalogError(
                _rel(path), None, "usd_per_kw",
                f"curve {key!s}: the cost of one more MW must not fall with size (mw x usd_per_kw convex)",
            )  # fmt: skip
    known = set(table["applies_to"])
    missing = [s for s in sites.index if curve_key(sites, s, known) is None]
    if missing:
        raise CatalogError(
            _rel(path), None, "applies_to", f"no curve (nor default) for: {', '.join(missing)}"
        )
    return table


def segment_slopes(mw: list[float], usd_per_kw: list[float]) -> list[float]:
    """Marginal cost of each segment of a curve [USD/kW]: from 0 MW to the first point, then between
    points (total cost = mw x usd_per_kw at each point).

    >>> segment_slopes([100.0, 200.0], [200.0, 300.0])
    [200.0, 400.0]
    """
    xs, ys = [0.0, *mw], [0.0, *(m * u for m, u in zip(mw, usd_per_kw))]
    return [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(len(mw))]


def curve_key(sites: pd.DataFrame, s: str, known: set[str]) -> str | None:
    """The curve of site ``s``: its own, its ``grid_region``'s, else ``default`` (None: none)."""
    return next((k for k in (s, str(sites.at[s, "grid_region"]), "default") if k in known), None)


def capex_tables(data_dir: Path, sites: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables as :class:`~planner.catalogs.load.Catalogs` fields."""
    return {
        "sales_tax": by_site(data_dir / SALES_TAX_FILE, SalesTaxRow, sites),
        "construction_index": by_site(data_dir / CONSTRUCTION_INDEX_FILE, ConstructionIndexRow, sites),
        "interconnection": interconnection_curves(data_dir / INTERCONNECTION_FILE, sites),
    }
