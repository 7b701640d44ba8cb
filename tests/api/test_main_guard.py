"""A plain script that calls ``planner.sweep`` with workers at top level, without
``if __name__ == "__main__":``: dask's spawned workers must not run it again (issue 25)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.helpers import ROOT

SCRIPT = textwrap.dedent(
    """
    import planner

    print("BODY", __name__, flush=True)
    table = planner.sweep(
        "small_5_sites",
        {"time.mode": ["annual"], "prices.gas_price_scale": [0.5, 2.0]},
        workers=2,
    )
    print("STATUS", ",".join(table["status"]), flush=True)
    print("FILE", __file__.endswith("noguard.py"), flush=True)
    """
)


def test_sweep_with_workers_in_a_script_without_main_guard(tmp_path):
    """The script body runs once (not again in each worker), both points solve, and the script's
    ``__file__`` is back after the sweep."""
    script = tmp_path / "noguard.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("BODY")] == ["BODY __main__"]
    assert "STATUS optimal,optimal" in lines
    assert "FILE True" in lines
    assert "Nanny failed" not in done.stderr
