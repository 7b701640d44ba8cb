"""The report's fleet sections: GPUs installed by type and site, and the tokens/s per GPU behind them.

GPUs installed per site and type are ``tables/fleet.csv`` ``gpus_installed`` (on the first row of
each site x GPU only, so the sum counts each GPU once); the GPUs the same plan needs at the
median and the conservative tokens/s per GPU are ``summary.json`` ``gpus_by_basis``. The
throughput table is ``tables/throughput.csv``: measured MLPerf rows or calibrated roofline
estimates with their held-out expected error.
"""

from __future__ import annotations

import pandas as pd

from planner.report.bars import pivot, stacked
from planner.report.data import ReportData
from planner.report.figure import series_colours
from planner.report.fmt import num
from planner.report.html import Column, Section, chart, esc, table

THROUGHPUT_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("gpu_id", "GPU", "id", ""),
    ("model_id", "model", "id", ""),
    ("source", "source", "id", ""),
    ("precision", "precision", "id", ""),
    ("topology", "topology", "text", ""),
    ("ttft_ms", "TTFT ms", "num", ",.0f"),
    ("tpot_ms", "TPOT ms", "num", ",.1f"),
    ("tokens_per_s_per_gpu", "tokens/s/GPU", "num", ",.0f"),
    ("tokens_per_s_conservative", "conservative", "num", ",.0f"),
    ("expected_error", "error", "num", ".0%"),
    ("expected_error_p80", "p80 error", "num", ".0%"),
    ("tokens_per_s_sized", "sized on", "num", ",.0f"),
)
"""Columns of the throughput table shown (those present): column, header, kind, number format."""


def gpu_section(data: ReportData) -> Section:
    """GPUs installed by site and type (stacked chart and table), and the GPUs needed by basis."""
    fleet = data.tables["fleet"]
    sites = [str(s) for s in data.open_sites["site_id"]]
    by_site = pivot(fleet.fillna({"gpus_installed": 0.0}), "site_id", "gpu_id", "gpus_installed", sites)
    parts = []
    if by_site.empty:
        return Section("gpus", "GPUs by type and site", "<p>No GPUs installed.</p>")
    colours = series_colours(list(by_site.columns))
    parts.append(
        chart(stacked(by_site, colours, "GPUs installed by site and type", "GPUs"), "GPUs by site and type")
    )
    cols = [Column("site", "id"), *(Column(str(g), "num") for g in by_site.columns), Column("total", "num")]
    rows = [[s, *(num(v, ",.0f") for v in r), num(r.sum(), ",.0f")] for s, r in by_site.iterrows()]
    total = ["total", *(num(v, ",.0f") for v in by_site.sum()), num(by_site.to_numpy().sum(), ",.0f")]
    parts.append(table(cols, rows, total))
    parts.append(_basis_table(data.summary))
    return Section("gpus", "GPUs by type and site", "".join(parts))


def _basis_table(summary: dict) -> str:
    """GPUs by type installed and needed at each tokens/s basis (``gpus_by_basis``; * = sized on)."""
    by = summary.get("gpus_by_basis")
    if not isinstance(by, dict) or not by:
        return ""
    q = summary.get("conservative_quantile", 0.8)
    sized = summary.get("throughput_basis", "median")
    heads = {"median": "median", "conservative": f"p{num(q, '.0f', 0.01)}"}
    bases = [b for b in by if isinstance(by[b], dict)]
    cols = [Column("GPU", "id"), Column("status", "id"), Column("installed", "num")] + [
        Column(heads.get(b, b) + ("*" if b == sized else ""), "num") for b in bases
    ]
    status = summary.get("gpu_status") or {}
    rows = [
        [g, status.get(g, "") if isinstance(status, dict) else "", num(n, ",.0f")]
        + [num(by[b].get(g, 0), ",.0f") for b in bases]
        for g, n in (summary.get("gpus") or {}).items()
    ]
    return (
        "<h3>GPUs installed, and needed at the median and conservative tokens/s per GPU</h3>"
        + table(cols, rows)
        + f'<p class="note">* = the basis the fleet was sized on ({esc(sized)}).</p>'
    )


def throughput_section(data: ReportData) -> Section:
    """The throughput table: tokens/s per GPU for each GPU x model used, with its source and error."""
    thr = data.tables["throughput"]
    shown = [c for c in THROUGHPUT_COLUMNS if c[0] in thr.columns]
    cols = [Column(head, kind) for _, head, kind, _ in shown]
    rows = [
        [num(r[c], spec) if kind == "num" else _text(r[c]) for c, _, kind, spec in shown]
        for _, r in thr.iterrows()
    ]
    note = (
        '<p class="note">Measured: MLPerf Inference results; estimate: the calibrated roofline, with '
        "its expected error (median and 80th percentile absolute error on MLPerf pairs held out of the "
        "fit); conservative: tokens/s per GPU x (1 - held-out shortfall); sized on: what the fleet was "
        "sized with. The full table with request shapes is tables/throughput.csv.</p>"
    )
    return Section("throughput", "Throughput per GPU", note + table(cols, rows))


def _text(value: object) -> str:
    """A text cell; a topology such as ``single_node+disaggregated`` may wrap after each ``+``
    (a zero-width space), so a narrow page or print wraps it there rather than cutting a word."""
    return "" if value is None or pd.isna(value) else str(value).replace("+", "+\u200b")
