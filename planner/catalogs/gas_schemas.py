"""Schemas of the gas-infrastructure and air-permit catalogs (issue 23 item 3):
``gas_infrastructure.csv`` (per site), ``air_permits.csv`` (per state or country),
``ozone_classes.csv`` (per ozone area class) and ``emissions_controls.csv`` (per gas technology),
and ``bridge_supply.csv`` (bridge turbines and engines deliverable per year, issue 23 item 7).
Units are in the column names; loading and cross-checks in :mod:`planner.catalogs.load`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from planner.catalogs.schemas import CatalogRow, Id, SourceDate, Text, upto

OzoneArea = Literal["attainment", "transport_region", "marginal", "moderate", "serious", "severe", "extreme"]
"""EPA Green Book ozone classes (``attainment`` includes unclassifiable) and the Ozone Transport
Region (Clean Air Act section 184) outside a worse nonattainment class."""
Months = Annotated[float, Field(ge=0, le=240, allow_inf_nan=False)]


class GasSiteRow(CatalogRow):
    """Gas supply of one site: distance to a transmission pipeline [miles] (``distance_status``
    sourced | estimate), lateral cost [USD/mile] and meter/tap station [USD], lateral approval and
    construction [months], firm transport reservation [USD per MMBtu of daily contracted quantity,
    per day], the site's ozone class and the air-permit jurisdiction (``air_permits.csv``)."""

    site_id: Id
    pipeline_distance_miles: upto(2_000)
    distance_status: Literal["sourced", "estimate"]
    lateral_usd_per_mile: upto(1e8)
    meter_station_usd: upto(1e9)
    lateral_months: Months
    firm_transport_usd_per_mmbtu: upto(20)
    ozone_area: OzoneArea
    jurisdiction: Id
    source_date: SourceDate
    note: Text


class AirPermitRow(CatalogRow):
    """Air permit and siting lead times of one state or country [months from application to
    issue] and the NOx offset (ERC) price [USD per ton/yr, bought once]."""

    jurisdiction: Id
    minor_permit_months: Months
    major_permit_months: Months
    siting_months: Months
    nox_offset_usd_per_ton: upto(1e6)
    source_date: SourceDate
    note: Text


class OzoneClassRow(CatalogRow):
    """Major-source NOx threshold [short tons/yr potential to emit] and offset ratio [-] of an
    ozone class (Clean Air Act sections 182, 184; PSD 250 tpy in attainment areas)."""

    ozone_area: OzoneArea
    major_nox_tpy: upto(1_000, strict_lo=True)
    offset_ratio: upto(5)
    source_date: SourceDate


class ControlRow(CatalogRow):
    """NOx controls of one gas technology: NOx before and after [lb/MMBtu HHV], added capex
    [USD/kW], FOM [USD/kW-yr], VOM [USD/MWh], life [years] and plant construction after the air
    permit is issued [months]."""

    tech_id: Id
    controls: Text
    nox_uncontrolled_lb_per_mmbtu: upto(10)
    nox_controlled_lb_per_mmbtu: upto(10)
    capex_usd_per_kw: upto(5_000)
    fom_usd_per_kw_yr: upto(500)
    vom_usd_per_mwh: upto(100)
    life_years: upto(100, strict_lo=True)
    build_after_permit_months: Months
    source_date: SourceDate
    note: Text


class BridgeSupplyRow(CatalogRow):
    """Bridge power one plan can get in a calendar year [MW in use] (rented or bought gas turbines
    and engines, ``bridge_supply.csv``); years after the last row keep its value."""

    year: Annotated[int, Field(ge=2000, le=2100)]
    bridge_mw_available: upto(1e6)
    source_date: SourceDate
    note: Text
