"""Columns of a run directory's capex tables, ``tables/capex_items.csv`` and ``tables/opex.csv``:
their order, which hold text, and which must hold a value in every row.

A light module (no Pyomo): written by :mod:`planner.results.capex` at solve time, read back by
:mod:`planner.results.rundir_read` and :mod:`planner.results.export`.
"""

from __future__ import annotations

LINE_COLUMNS = (
    "scenario",
    "site_id",
    "category",
    "cost_group",
    "item_id",
    "item",
    "quantity",
    "unit",
    "unit_cost_usd",
    "capex_usd",
    "dollar_year",
    "base_year",
    "start_offset_years",
    "construction_start_year",
    "lead_time_years",
    "in_service_year",
    "life_years",
    "wacc",
    "crf",
    "annualized_capex_usd_per_yr",
    "fixed_om_usd_per_unit_yr",
    "fixed_om_usd_per_yr",
    "annualized_cost_usd_per_yr",
    "unit_cost_source",
    "life_source",
    "wacc_source",
    "lead_time_source",
    "fixed_om_source",
)
"""Columns of ``tables/capex_items.csv`` (documented in docs/outputs.md, "Capex export")."""
OPEX_COLUMNS = (
    "scenario",
    "site_id",
    "category",
    "cost_type",
    "cost_group",
    "item_id",
    "item",
    "quantity",
    "unit",
    "unit_cost_usd",
    "unit_cost_unit",
    "opex_usd_per_yr",
    "dollar_year",
    "unit_cost_source",
)
"""Columns of ``tables/opex.csv``."""
TEXT_COLUMNS = frozenset(
    (
        "scenario",
        "site_id",
        "category",
        "cost_type",
        "cost_group",
        "item_id",
        "item",
        "unit",
        "unit_cost_unit",
    )
)
"""Text columns of both tables besides the ``*_source`` ones (every other column is a number)."""
LINE_REQUIRED = (
    "site_id",
    "category",
    "item_id",
    "capex_usd",
    "dollar_year",
    "base_year",
    "start_offset_years",
    "construction_start_year",
    "lead_time_years",
    "in_service_year",
)
"""Columns of ``capex_items.csv`` that hold a value in every row (the export's spend schedule needs them)."""
OPEX_REQUIRED = ("site_id", "category", "item_id", "opex_usd_per_yr", "dollar_year")
"""Columns of ``opex.csv`` that hold a value in every row."""


def is_text(column: str) -> bool:
    """Whether a capex or opex column holds text (ids, names, units, sources)."""
    return column in TEXT_COLUMNS or column.endswith("_source")
