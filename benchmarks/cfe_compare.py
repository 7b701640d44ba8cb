"""Annual vs hourly, and 24/7 CFE vs annual matching, on the default scenario.

Usage::

    .venv/bin/python benchmarks/cfe_compare.py [--days 8]

Prints (1) the default scenario in annual mode, its annual plan re-dispatched on N
representative days, and the hourly optimum; (2) 90% annual clean-energy matching vs 90%
24/7 (hourly) carbon-free energy, both on N representative days. Single runs on a shared
2-core machine: trust the ratios more than the seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import planner  # noqa: E402
from planner.catalogs.load import load_catalogs  # noqa: E402
from planner.studies.compare import annual_vs_hourly  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=8)
    args = parser.parse_args()
    catalogs = load_catalogs()
    pd.set_option("display.width", 200)
    table = annual_vs_hourly(None, days=args.days, catalogs=catalogs)
    table["cost_musd_per_yr"] = table.pop("annualized_cost_usd") / 1e6
    base = table["cost_musd_per_yr"].iloc[0]
    table["vs_annual"] = table["cost_musd_per_yr"] / base - 1
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print()
    rows = []
    for name in ("us_annual_match_90", "us_cfe_24x7_90"):
        r = planner.solve(
            ROOT / "scenarios" / f"{name}.yaml", overrides={"time.days": args.days}, catalogs=catalogs
        )
        s = r.summary
        mix = ", ".join(
            f"{k} {v:.0%}"
            for k, v in sorted(s["energy_mix_share"].items(), key=lambda kv: -kv[1])
            if v >= 0.01
        )
        rows.append(
            {
                "scenario": name,
                "status": s["status"],
                "cost_usd_per_mtok": s["cost_usd_per_mtok"],
                "gco2e_per_mtok": s["gco2e_per_mtok"],
                "capex_busd": s["capex_usd"] / 1e9,
                "sites": ", ".join(s["sites"]),
                "mix": mix,
                "gap": s["mip_gap"],
                "total_s": s["timings"]["total_s"],
            }
        )
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.4g}"))


if __name__ == "__main__":
    main()
