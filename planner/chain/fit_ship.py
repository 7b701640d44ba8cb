"""The fits shipped with the package: regenerate them, or check that they are current.

A first run fits the roofline calibration to the MLPerf results and refits it with each GPU, each
served model and each GPU family held out (the residuals behind the expected errors): minutes of
CPU. The results for the shipped catalogs ship in ``planner/chain/tokens/shipped_fits.json``, each
under the content key of the catalogs and fitting code it came from
(:mod:`planner.chain.tokens.fit_cache`); a run whose key matches uses them and fits nothing.

Regenerate after changing ``data/gpus.csv``, ``data/benchmarks.csv``, ``models/`` or the fitting
code (the test ``tests/chain/tokens/test_shipped_fits.py`` names the stale entries)::

    python -m planner.chain.fit_ship          # refit and write the file
    python -m planner.chain.fit_ship --check  # exit 1 when an entry is stale or missing
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from planner.chain.tokens import calibration, uncertainty
from planner.chain.tokens.fit_cache import SHIPPED, recording, shipped_fits


def expected_keys(catalogs: Any) -> dict[str, str]:
    """``{kind: content key}`` of every fit a solve with ``catalogs`` looks up (hashing only, no fit)."""
    keys = {"calibration": calibration.calibration_key(catalogs)}
    for held_out in uncertainty.HELD_OUT:
        keys[uncertainty.residuals_kind(held_out)] = uncertainty.residuals_key(catalogs, held_out)
    return keys


def stale_kinds(catalogs: Any, shipped: dict[str, Any] | None = None) -> list[str]:
    """Kinds whose shipped entry is missing or was fitted on other catalogs or code."""
    shipped = shipped_fits() if shipped is None else shipped
    return [
        kind
        for kind, key in expected_keys(catalogs).items()
        if not isinstance(shipped.get(kind), dict) or shipped[kind].get("key") != key
    ]


def _clear() -> None:
    """Forget the in-memory fits, so the next calls fit (or read) afresh."""
    calibration._calibrate.cache_clear()
    calibration._report.cache_clear()
    uncertainty._error_model.cache_clear()


def fresh_fits(catalogs: Any) -> dict[str, Any]:
    """Every fit of :func:`expected_keys`, made now (neither shipped nor cached values are read):
    ``{kind: {"key": ..., "value": ...}}``, the content of the shipped file."""
    _clear()
    try:
        with recording() as record:
            calibration.calibrate(catalogs)
            for held_out in uncertainty.HELD_OUT:
                uncertainty.error_model(catalogs, held_out)
    finally:
        _clear()
    return dict(sorted(record.items()))


def write_shipped(fits: dict[str, Any]) -> None:
    """Write ``fits`` to the shipped file (renamed into place; sorted keys, so a diff shows what
    changed). Unlike the cache, a failed write raises."""
    tmp = SHIPPED.with_name(f".{SHIPPED.name}.tmp")
    tmp.write_text(json.dumps(fits, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, SHIPPED)


def main(argv: list[str]) -> int:
    """``--check``: 0 when current, 1 when stale; no argument: refit and write the file."""
    from planner.catalogs.load import load_catalogs
    from planner.paths import HOME_ENV

    if any(a not in ("--check",) for a in argv):
        print("usage: python -m planner.chain.fit_ship [--check]", file=sys.stderr)
        return 2
    if os.environ.get(HOME_ENV):
        print(
            f"error: unset {HOME_ENV}: the shipped fits are those of the shipped data tree", file=sys.stderr
        )
        return 2
    catalogs = load_catalogs()
    stale = stale_kinds(catalogs)
    if "--check" in argv:
        print(f"stale: {', '.join(stale)}" if stale else f"current: {SHIPPED}")
        return 1 if stale else 0
    print(f"fitting {', '.join(expected_keys(catalogs))} (a few minutes) ...", flush=True)
    write_shipped(fresh_fits(catalogs))
    print(f"wrote {SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
