"""The report's overview: headline numbers (``summary.json``), the siting map and the chosen sites.

The map is the run directory's ``map.png`` (written by ``planner solve`` and ``planner map``);
when the run has none (``--no-map``) it is drawn from the run directory by
:func:`planner.maps.static.write_static`, in a temporary folder, so the run directory is not changed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from planner.errors import InputError
from planner.maps.data import fmt_mw, load_map_data
from planner.maps.static import write_static
from planner.report.data import ReportData
from planner.report.figure import money, png_uri
from planner.report.fmt import num
from planner.report.html import Column, Section, cards, esc, table


def capex_text(usd: float) -> str:
    """Capex in B$ with two decimals, or M$ when below a billion: '7.09 B$', '94.3 M$'."""
    scale, unit = money(usd)
    return f"{num(usd, ',.2f' if unit == 'B$' else ',.1f', scale)} {unit}"


def headline(data: ReportData) -> Section:
    """Cards with the plan's headline numbers, and what the solver reported."""
    s = data.summary
    sites = data.tables["sites"]
    gpus = sum(float(v) for v in (s.get("gpus") or {}).values())
    items = [
        ("demand served", f"{num(s['served_tokens_per_s'], ',.2f', 1e6)} M tokens/s"),
        ("cost per million tokens", f"{num(s['cost_usd_per_mtok'], ',.3f')} $/Mtok"),
        ("annualised cost", f"{num(s['annualized_cost_usd'], ',.1f', 1e6)} M$/yr"),
        ("capex", capex_text(s["capex_usd"])),
        ("facility energy", f"{num(s['facility_joules_per_token'], ',.3f')} J/token"),
        ("carbon", f"{num(s['gco2e_per_mtok'], ',.1f')} gCO2e/Mtok"),
        *(
            [("carbon, market-based", f"{num(s['gco2e_per_mtok_market_based'], ',.1f')} gCO2e/Mtok")]
            if s.get("gco2e_per_mtok_market_based") is not None
            else []
        ),
        *([("carbon accounting used", str(s["carbon_accounting"]))] if s.get("carbon_accounting") else []),
        ("water", f"{num(s['water_l_per_mtok'], ',.3f')} L/Mtok"),
        ("IT / facility peak", f"{fmt_mw(float(s['it_mw']))} / {fmt_mw(float(s['facility_mw']))} MW"),
        (f"sites chosen of {len(sites)} candidates", f"{int(sites['open'].sum())}"),
        ("GPUs installed", f"{gpus:,.0f}"),
    ]
    gap = "n/a" if s.get("mip_gap") is None else num(s["mip_gap"], ".2%")
    status = (
        f"Solver status <b>{esc(s['status'])}</b>, objective <b>{esc(s['objective'])}</b>, "
        f"MIP gap {esc(gap)}; time mode {esc(s.get('time_mode', ''))}. "
    )
    basis = s.get("energy_mix_basis")
    note = f'<p class="note">Energy mix: {esc(basis)}.</p>' if basis else ""
    return Section("headline", "Headline numbers", cards(items) + f"<p>{status}</p>" + note)


def map_section(data: ReportData) -> Section:
    """The siting map as an embedded PNG."""
    path = data.run.path / "map.png"
    if path.is_file():
        png, origin = path.read_bytes(), "map.png of the run directory"
    else:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "map.png"
                write_static(load_map_data(data.run.path), out)
                png, origin = out.read_bytes(), "drawn from the run directory (it has no map.png)"
        except InputError as exc:  # e.g. sites unknown to this data home: the rest of the report stands
            return Section("map", "Map", f'<p class="note">No map drawn: {esc(str(exc))}</p>')
    body = (
        f'<figure class="map"><div class="scroll"><img src="{png_uri(png)}" '
        'alt="Siting map: chosen sites, demand regions and serving flows"></div>'
        f"<figcaption>Chosen sites (area ~ MW IT, colour = dominant supply), candidates left "
        f"closed, demand regions and serving flows; {esc(origin)}.</figcaption></figure>"
    )
    return Section("map", "Map", body)


def sites_section(data: ReportData) -> Section:
    """One row per open site: cooling, PUE, MW, GPUs, tokens/s and the per-site tokenomics."""
    cols = [
        Column("site", "id"),
        Column("name"),
        Column("cooling", "id"),
        Column("PUE", "num"),
        Column("IT MW", "num"),
        Column("facility MW", "num"),
        Column("GPUs", "num"),
        Column("Mtok/s", "num"),
        Column("$/Mtok", "num"),
        Column("J/token", "num"),
        Column("gCO2e/Mtok", "num"),
        Column("water ML/yr", "num"),
    ]
    rows = [
        [
            r.site_id,
            r.name or "",
            r.cooling_id or "",
            num(r.pue, ".3f"),
            num(r.it_mw, ",.1f"),
            num(r.facility_peak_mw, ",.1f"),
            num(r.gpus, ",.0f"),
            num(r.tokens_per_s, ",.2f", 1e6),
            num(r.cost_usd_per_mtok, ",.3f"),
            num(r.facility_joules_per_token, ",.3f"),
            num(r.gco2e_per_mtok, ",.1f"),
            num(r.water_ml_per_yr, ",.1f"),
        ]
        for r in data.open_sites.itertuples()
    ]
    return Section("sites", "Sites chosen", table(cols, rows))
