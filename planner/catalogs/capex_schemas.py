"""Row schemas of the capex catalogs that are joined to sites: ``sales_tax.csv`` and
``construction_index.csv`` (by site, else state, else country) and ``interconnection_cost.csv``
(a curve per ``grid_region`` or site, else the ``default`` curve). Loading and the joins live in
:mod:`planner.catalogs.capex_tables`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from planner.catalogs.schemas import CatalogRow, Id, Share, SourceDate, Text


class SalesTaxRow(CatalogRow):
    """Sales/use tax on IT equipment for a site, a US state (``US-TX``), a province (``CA-QC``) or a
    country (``NO``): the combined state + average local rate [-], the share of it a qualifying data
    center is exempted from [-] (1 = fully exempt; a recoverable VAT counts as exempt), and the
    qualifying conditions in words."""

    applies_to: Id
    rate: Annotated[float, Field(ge=0, le=0.5)]
    exempt_share: Share
    conditions: Text
    source_date: SourceDate


class ConstructionIndexRow(CatalogRow):
    """Regional construction cost index for a site, state or country [-]: the market's cost per MW
    of critical IT over the national average (Cushman & Wakefield 2025: 11.7 M$/MW = 1.0)."""

    applies_to: Id
    index: Annotated[float, Field(gt=0.2, le=5.0)]
    market: Text
    source_date: SourceDate


class InterconnectionRow(CatalogRow):
    """One point of a large-load interconnection cost curve: customer-funded substation and network
    upgrades [USD/kW] at a tie of ``mw`` [MW], for ``default``, a ``grid_region`` or a site;
    ``status`` says whether the point is a published example, interpolated between them, or an
    estimate."""

    applies_to: Id
    mw: Annotated[float, Field(gt=0, le=100_000)]
    usd_per_kw: Annotated[float, Field(ge=0, le=20_000)]
    status: Literal["sourced", "interpolated", "estimate"]
    source_date: SourceDate
    source: Text
