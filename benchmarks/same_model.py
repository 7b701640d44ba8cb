"""Whether a change to the model builders leaves the compiled model unchanged.

Compiles a few variants of the shipped scenarios (annual and representative days, linked
storage, 24/7 CFE, annual matching, carbon objective, the elastic explanation model) with
Pyomo's ``LinearStandardFormCompiler`` and writes or compares a canonical form: every row
by constraint name (sense, right-hand side, coefficients by variable name) and every column
by variable name (bounds, integrality, objective coefficient). Row and column order, and
sums taken in a different order, do not matter; numbers are compared to ``--rtol`` (an
explicit zero coefficient equals a missing one).

Run::

    python benchmarks/same_model.py --write before.pkl     # on the old code
    python benchmarks/same_model.py --compare before.pkl   # on the new code: exit 1 on a difference
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planner.api import resolve_scenario  # noqa: E402
from planner.catalogs.load import load_catalogs  # noqa: E402
from planner.model.build import build_model  # noqa: E402
from planner.model.inputs import build_inputs  # noqa: E402

HOURLY = {"time.mode": "representative_days", "time.days": 4}
VARIANTS: dict[str, tuple[str | None, dict[str, Any], bool]] = {
    "default_annual": (None, {}, False),
    "default_days4": (None, HOURLY, False),
    "default_days4_linked": (None, {**HOURLY, "time.link_storage": True}, False),
    "cfe_24x7": ("us_cfe_24x7_90", {"time.days": 3}, False),
    "annual_match": ("us_annual_match_90", {"time.days": 3}, False),
    "carbon_days3": ("us_inference_2027_carbon", {"time.mode": "representative_days", "time.days": 3}, False),
    "elastic_days2": ("small_5_sites", {"time.mode": "representative_days", "time.days": 2}, True),
    "nordic": ("nordic_europe_2027", {}, False),
}


def canonical(model: Any) -> dict[str, Any]:
    """Rows and columns of ``model`` keyed by name (see the module docstring)."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(model, mixed_form=True)
    names = [v.name for v in repn.columns]
    a = repn.A.tocsr()
    rows = {}
    for i, (con, mult) in enumerate(repn.rows):
        lo, hi = a.indptr[i], a.indptr[i + 1]
        coefs = {names[j]: float(v) for j, v in zip(a.indices[lo:hi], a.data[lo:hi])}
        rows[(con.name, int(mult))] = (float(repn.rhs[i]), coefs)
    cost = repn.c.toarray()[0] if repn.c.shape[0] else [0.0] * len(names)
    columns = {
        v.name: (v.lb, v.ub, bool(v.is_integer() or v.is_binary()), float(cost[j]))
        for j, v in enumerate(repn.columns)
    }
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    return {"rows": rows, "columns": columns, "offset": offset}


def _close(a: Any, b: Any, rtol: float) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and a is not None and b is not None:
        return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=rtol * 1e-6)
    return a == b


def differences(a: dict[str, Any], b: dict[str, Any], rtol: float, limit: int = 20) -> list[str]:
    """Where two canonical forms differ (at most ``limit`` lines)."""
    out: list[str] = []
    if not _close(a["offset"], b["offset"], rtol):
        out.append(f"objective offset {a['offset']} != {b['offset']}")
    for part in ("rows", "columns"):
        for key in sorted(set(a[part]) ^ set(b[part]), key=str)[:limit]:
            out.append(f"{part[:-1]} {key} only in {'before' if key in a[part] else 'after'}")
    for key in set(a["columns"]) & set(b["columns"]):
        if not all(_close(x, y, rtol) for x, y in zip(a["columns"][key], b["columns"][key])):
            out.append(f"column {key}: {a['columns'][key]} != {b['columns'][key]}")
    for key in set(a["rows"]) & set(b["rows"]):
        (ra, ca), (rb, cb) = a["rows"][key], b["rows"][key]
        same = _close(ra, rb, rtol) and all(
            _close(ca.get(k, 0.0), cb.get(k, 0.0), rtol) for k in set(ca) | set(cb)
        )
        if not same:
            out.append(f"row {key}: rhs {ra} vs {rb}; coefficients differ")
    return out[:limit]


def forms(names: list[str]) -> dict[str, dict[str, Any]]:
    """The canonical form of each named variant."""
    catalogs = load_catalogs()
    out = {}
    for name in names:
        scenario, overrides, elastic = VARIANTS[name]
        inp = build_inputs(resolve_scenario(scenario, catalogs, overrides), catalogs)
        out[name] = canonical(build_model(inp, elastic=elastic))
        print(f"{name}: {len(out[name]['rows'])} rows, {len(out[name]['columns'])} columns", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the canonical forms to this pickle")
    group.add_argument("--compare", type=Path, help="compare against the canonical forms in this pickle")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset")
    parser.add_argument("--rtol", type=float, default=1e-9)
    args = parser.parse_args()
    now = forms(args.variants.split(","))
    if args.write:
        args.write.write_bytes(pickle.dumps(now))
        return
    before = pickle.loads(args.compare.read_bytes())
    failed = False
    for name, form in now.items():
        diff = differences(before[name], form, args.rtol)
        print(f"{name}: {'same' if not diff else 'DIFFERENT'}")
        for line in diff:
            print("   ", line)
        failed |= bool(diff)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
