"""Compare two run directories' ``summary.json``: objective, sites, GPUs and capex to a relative tolerance.

Run: ``python benchmarks/same_plan.py RUN_A RUN_B [--rtol 1e-9]``; exit 1 and list the differences
when they differ. Used to show that a refactor leaves the plan unchanged.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

KEYS = (
    "objective_value",
    "sites",
    "gpus",
    "capex_usd",
    "capex_by_category_usd",
    "annualized_cost_usd",
    "emissions_t_per_yr",
    "energy_mix_share",
    "served_tokens_per_s",
)


def differences(a: object, b: object, rtol: float, path: str = "") -> list[str]:
    """Every leaf where ``a`` and ``b`` differ (numbers beyond ``rtol`` relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += differences(a.get(key), b.get(key), rtol, f"{path}.{key}")
        return out
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12) else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9)
    opts = parser.parse_args()
    a, b = (json.loads((run / "summary.json").read_text()) for run in (opts.run_a, opts.run_b))
    found = [d for key in KEYS for d in differences(a.get(key), b.get(key), opts.rtol, key)]
    for line in found:
        print(line)
    print(f"{'different' if found else 'same'} plan: {len(found)} difference(s) at rtol {opts.rtol:g}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
