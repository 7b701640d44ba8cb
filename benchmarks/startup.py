"""Start-up cost of the CLI, as ratios to the bare import of the main dependencies.

Run: ``python benchmarks/startup.py [--repeat N]`` (from the repository root, with the
``planner`` command of the active environment on PATH or in ``.venv/bin``).

Each command is timed as wall seconds of a fresh process (best of ``--repeat`` runs, after
one warm-up run that also fills the calibration cache); the ratio column divides by the
bare ``python -c "import pandas, pyomo.environ, highspy, pydantic"`` measured in the same run.
Targets (issue 9): ``validate`` and ``pipeline`` within 1.5x, ``solve small_5_sites`` within 3x.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"validate": 1.5, "pipeline": 1.5, "solve small_5_sites": 3.0}


def planner_command() -> str:
    """Path of the ``planner`` entry point next to this interpreter, else on PATH."""
    here = Path(sys.executable).with_name("planner")
    found = here if here.exists() else shutil.which("planner")
    if found is None:
        raise SystemExit("error: no `planner` command: install the package first (make install)")
    return str(found)


def wall_seconds(argv: list[str], repeat: int) -> float:
    """Best wall time [s] of ``repeat`` runs of ``argv`` (one warm-up run first)."""
    best = float("inf")
    for i in range(repeat + 1):
        with tempfile.TemporaryDirectory() as tmp:
            args = [a.replace("{tmp}", tmp) for a in argv]
            start = time.perf_counter()
            done = subprocess.run(args, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"error: {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
        if i > 0:
            best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per command (best is kept)")
    opts = parser.parse_args()
    planner = planner_command()
    cases = {
        "bare import": [sys.executable, "-c", "import pandas, pyomo.environ, highspy, pydantic"],
        "validate": [planner, "validate"],
        "pipeline": [planner, "pipeline", "--gpu", "H100", "--model", "llama-3.1-8b"],
        "solve small_5_sites": [planner, "solve", "small_5_sites", "--no-map", "--out", "{tmp}/run"],
    }
    times = {name: wall_seconds(argv, opts.repeat) for name, argv in cases.items()}
    base = times["bare import"]
    print(f"{'command':<22} {'wall s':>8} {'x import':>9} {'target':>7}")
    for name, seconds in times.items():
        target = f"{TARGETS[name]:.1f}x" if name in TARGETS else ""
        print(f"{name:<22} {seconds:>8.2f} {seconds / base:>9.2f} {target:>7}")


if __name__ == "__main__":
    main()
