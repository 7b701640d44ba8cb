"""The plan report: every section from a run directory alone, self-contained (no script, nothing
fetched), user text escaped, charts that balance (supply = load), the same bytes for the same run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planner.api import report
from planner.report.build import report_html
from planner.report.data import read_report_data
from planner.report.energy import supply_energy

SECTIONS = (
    "headline",
    "map",
    "sites",
    "dispatch",
    "mix",
    "costs",
    "gpus",
    "spend",
    "time-to-power",
    "throughput",
)
HOSTILE = "<img src=x onerror=alert(1)>&amp"


@pytest.fixture(scope="module")
def page(small) -> str:
    """The report of the small scenario's run directory (no map.png: the report draws the map)."""
    return report_html(small[1])


def test_every_section_from_the_run_directory(small, page):
    result, run = small
    for key in SECTIONS:
        assert f'<section id="{key}">' in page, key
    charts = page.count('src="data:image/svg+xml;base64,')
    open_sites = result.tables["sites"]["open"].sum()
    # annual mode: one dispatch chart; capacity, energy, 3 cost charts, GPUs, spend, time to power
    assert charts >= 9, charts
    assert page.count('src="data:image/png;base64,') == 1  # the map
    s = result.summary
    assert f"{s['cost_usd_per_mtok']:,.3f} $/Mtok" in page
    assert f"{s['served_tokens_per_s'] / 1e6:,.2f} M tokens/s" in page
    assert f">{sum(s['gpus'].values()):,.0f}<" in page  # GPUs installed
    for site in result.tables["sites"].loc[result.tables["sites"]["open"], "site_id"]:
        assert f">{site}<" in page
    for model in result.tables["models"]["model_id"]:
        assert f">{model}<" in page
    assert open_sites >= 1


def test_self_contained_and_deterministic(small, page, tmp_path):
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    assert "@media print" in page and 'name="viewport"' in page
    out = report(small[1], tmp_path / "again.html")  # the Python API
    assert out.read_text(encoding="utf-8") == page  # same run, same bytes (no dates, stable SVG ids)


def _rename_everywhere(run: Path, old: str, new: str) -> None:
    for path in [run / "summary.json", run / "scenario.resolved.yaml", *(run / "tables").glob("*.csv")]:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_user_text_is_escaped(small, tmp_path):
    result, run = small
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    site = str(result.tables["sites"].loc[result.tables["sites"]["open"], "site_id"].iloc[0])
    _rename_everywhere(copy, site, HOSTILE)
    sites = pd.read_csv(copy / "tables" / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site_id"] == HOSTILE, "name"] = '</td><script>alert("n")</script>'
    sites.to_csv(copy / "tables" / "sites.csv", index=False)
    resolved = copy / "scenario.resolved.yaml"
    scenario = yaml.safe_load(resolved.read_text())
    scenario["description"] = "<b>bold</b> & <i>"
    resolved.write_text(yaml.safe_dump(scenario, sort_keys=False))
    text = report_html(copy)
    assert "<script" not in text and "<img src=x" not in text and "<b>bold</b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;amp" in text
    assert "&lt;/td&gt;&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;" in text


def test_supply_meets_the_facility_load(small):
    """Energy of the dispatch chart: sum of supply - battery charging = facility energy, per site."""
    data = read_report_data(small[1])
    d = data.tables["dispatch"]
    supplied = supply_energy(d).groupby("site_id")["gwh_per_yr"].sum()
    charge = pd.to_numeric(d["charge_mw"]) * d["weight_h"]
    load = (d["facility_mw"] * d["weight_h"] - charge).groupby(d["site_id"]).sum() / 1e3
    assert supplied.to_dict() == pytest.approx(load.to_dict(), rel=1e-6)
    assert set(load.index) == set(data.open_sites["site_id"])
