"""Held-out check: MLPerf Inference v6.0 (not in data/) vs the estimate a user gets from the CLI.

Run: ``.venv/bin/python benchmarks/heldout.py [--subprocess]`` (a few seconds; one calibration fit if
the cache is cold). Each row of ``benchmarks/heldout_mlperf_v6.0.csv`` (a held-out validation set: the
calibration never reads it) is estimated by the ``planner pipeline`` command itself,

    planner pipeline --gpu G --model M --precision P --scenario S --estimate --json

invoked in-process through typer's test runner (the same command, option parsing and JSON as the
console script), or with ``--subprocess`` as the installed ``planner`` executable, one process per
distinct command (about 3 s each). P is the submitter's precision as given; a precision the CLI
refuses (``mxfp4``) is noted and retried under its CLI name (``fp4``); where the CLI reports another
precision than asked the row is flagged (fp4 weights on a GPU without fp4 units keep their label: they are
read at 4 bits and computed at bf16, weight-only).

Prints one line per result (measured and estimated tokens/s per GPU, signed error), then median and
worst APE = |estimate - measured| / measured over all rows, split by whether the GPU x model has
rows in data/benchmarks.csv, by scenario, and once more with one point per GPU x model x scenario
(the median of the submitters' results) so that configurations many OEMs submitted do not dominate;
the same at the CLI's default precision (no ``--precision``); and, for GPU x model x scenario also in
data/, the measured change from data/'s newest round to v6.0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from typer.testing import CliRunner  # noqa: E402

from planner.catalogs.load import load_catalogs  # noqa: E402
from planner.chain.tokens.mlperf import MLPERF_LIMITS, mlperf_key  # noqa: E402
from planner.cli.app import app  # noqa: E402

HELDOUT = Path(__file__).resolve().parent / "heldout_mlperf_v6.0.csv"
CLI_NAME = {"mxfp4": "fp4", "nvfp4": "fp4", "fp16": "bf16"}
"""Submitter spellings the CLI does not take, and the CLI precision they are (MXFP4/NVFP4 weights: fp4)."""


def _args(gpu: str, model: str, precision: str | None, scenario: str) -> list[str]:
    """The ``planner pipeline`` arguments; no ``--precision`` when precision is None (the CLI default)."""
    prec = [] if precision is None else ["--precision", precision]
    return ["pipeline", "--gpu", gpu, "--model", model, *prec, "--scenario", scenario, "--estimate", "--json"]


class Cli:
    """``planner pipeline ... --json`` once per distinct argument list: (exit code, JSON or error)."""

    def __init__(self, use_subprocess: bool) -> None:
        self.runner = None if use_subprocess else CliRunner()
        exe = shutil.which("planner", path=str(Path(sys.executable).parent)) or shutil.which("planner")
        self.command = [exe] if exe else [sys.executable, "-m", "planner"]
        self.cache: dict[tuple[str, ...], tuple[int, dict | str]] = {}

    def __call__(self, args: list[str]) -> tuple[int, dict | str]:
        key = tuple(args)
        if key not in self.cache:
            if self.runner is not None:
                res = self.runner.invoke(app, args)
                code, out, err = res.exit_code, res.stdout, res.output
            else:
                p = subprocess.run(self.command + args, capture_output=True, text=True, check=False)
                code, out, err = p.returncode, p.stdout, p.stderr
            self.cache[key] = (code, json.loads(out) if code == 0 else err.strip().splitlines()[-1])
        return self.cache[key]


def estimate(cli: Cli, r: pd.Series) -> tuple[float, str, str]:
    """Estimated tokens/s per GPU at the submitter's precision, the precision computed, and a note."""
    given = str(r.precision).lower()
    code, out = cli(_args(r.gpu_id, r.model_id, given, r.scenario))
    note = ""
    if code != 0 and given in CLI_NAME:
        note = f"CLI refuses '{given}', run as {CLI_NAME[given]}"
        code, out = cli(_args(r.gpu_id, r.model_id, CLI_NAME[given], r.scenario))
    if code != 0:
        return float("nan"), "", f"not supported: {out}"
    asked = CLI_NAME.get(given, given)
    if out["precision"] != asked:
        note = (note + "; " if note else "") + f"{r.gpu_id} computes {asked} weights at {out['precision']}"
    return float(out["tokens_per_s_per_gpu"]), str(out["precision"]), note


def _stats(name: str, ape: pd.Series) -> str:
    ape = ape.dropna()
    if ape.empty:
        return f"{name:34s} {0:4d} {'-':>7s} {'-':>7s}"
    return f"{name:34s} {len(ape):4d} {ape.median():7.1%} {ape.max():7.1%}"


def _table(rows: pd.DataFrame) -> None:
    """One line per result, 80 columns, and the notes of the flagged rows."""
    print(
        f"{'GPU':6s} {'model':14s} {'scenario':11s} {'prec':5s} {'measured':>9s} {'estimated':>9s} "
        f"{'error':>7s}  submitter"
    )
    notes: list[str] = []
    for r in rows.itertuples():
        mark = ("*" if r.in_data else " ") + ("#" if r.note else " ")
        est = f"{r.estimate:9,.0f}" if r.estimate == r.estimate else f"{'n/a':>9s}"
        err = f"{r.err:+7.0%}" if r.err == r.err else f"{'':7s}"
        print(
            f"{r.gpu_id:6s} {r.model_id:14s} {r.scenario:11s} {r.precision:5s} "
            f"{r.tokens_per_s_per_gpu:9,.0f} {est} {err}{mark}{r.submitter[:11]}"
        )
        if r.note:
            notes.append(f"{r.gpu_id} {r.model_id} {r.scenario} {r.precision}: {r.note}")
    if notes:
        print("\n# notes")
        for n in dict.fromkeys(notes):
            print(textwrap.fill(n, 80, initial_indent="  ", subsequent_indent="    "))


def _drift(rows: pd.DataFrame, bench: pd.DataFrame) -> None:
    """Measured v6.0 / measured in the newest round of data/ for the same GPU x model x scenario:
    how much of the error is the software moving between rounds (nothing a fit on data/ can see)."""
    b = bench[bench["tokens_per_s_per_gpu"] > 0].copy()
    b["round"] = b["version"].map(lambda v: tuple(int(x) for x in str(v).lstrip("v").split(".")))
    newest = b[b["round"] == b.groupby(["gpu_id", "model_id", "scenario"])["round"].transform("max")]
    old = newest.groupby(["gpu_id", "model_id", "scenario"]).agg(
        version=("version", "first"), old=("tokens_per_s_per_gpu", "median")
    )
    new = rows.groupby(["gpu_id", "model_id", "scenario"]).agg(
        new=("tokens_per_s_per_gpu", "median"), estimate=("estimate", "first")
    )
    both = new.join(old, how="inner")
    if both.empty:
        return
    print("\nGPU x model x scenario also in data/: measured in data/'s newest round, in v6.0")
    print(
        f"{'GPU':6s} {'model':14s} {'scenario':11s} {'round':5s} {'data/':>9s} {'v6.0':>9s} "
        f"{'ratio':>6s} {'est/v6':>6s}"
    )
    for (g, m, s), r in both.iterrows():
        print(
            f"{g:6s} {m:14s} {s:11s} {r.version:5s} {r.old:9,.0f} {r.new:9,.0f} "
            f"{r.new / r.old:6.2f} {r.estimate / r.new:6.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subprocess", action="store_true", help="run the installed planner executable")
    opts = ap.parse_args()

    rows = pd.read_csv(HELDOUT, comment="#")
    catalogs = load_catalogs()
    in_data = set(zip(catalogs.benchmarks["gpu_id"], catalogs.benchmarks["model_id"], strict=True))
    cli = Cli(opts.subprocess)
    est = rows.apply(lambda r: estimate(cli, r), axis=1, result_type="expand")
    rows["estimate"], rows["computed"], rows["note"] = est[0], est[1], est[2]
    rows["err"] = rows["estimate"] / rows["tokens_per_s_per_gpu"] - 1
    rows["ape"] = rows["err"].abs()
    rows["in_data"] = [(g, m) in in_data for g, m in zip(rows.gpu_id, rows.model_id, strict=True)]

    print(f"MLPerf Inference v6.0, held out ({HELDOUT.name}, {len(rows)} results), vs")
    print("planner pipeline --gpu G --model M --precision P --scenario S --estimate --json")
    print("tokens/s per GPU; error = estimated / measured - 1; * = GPU x model in data/\n")
    _table(rows)
    missing = sorted(set(rows["mlperf_model"].map(mlperf_key)) - set(MLPERF_LIMITS))
    if missing:
        print(
            textwrap.fill(
                f"planner has no MLPerf latency limits for {', '.join(missing)}: its server and "
                "interactive rows are estimated at llama2-70b's (mlperf_key, MLPERF_LIMITS in "
                "planner/chain/tokens/mlperf.py)",
                80,
            )
        )

    configs = rows.groupby(["gpu_id", "model_id", "scenario", "in_data"], as_index=False).agg(
        measured=("tokens_per_s_per_gpu", "median"), estimate=("estimate", "first")
    )
    configs["ape"] = (configs["estimate"] / configs["measured"] - 1).abs()
    print(f"\n{'held-out v6.0, APE':34s} {'n':>4s} {'median':>7s} {'worst':>7s}")
    print(_stats("results", rows["ape"]))
    print(_stats("  GPU x model in data/", rows.loc[rows.in_data, "ape"]))
    print(_stats("  GPU x model not in data/", rows.loc[~rows.in_data, "ape"]))
    for s in ("offline", "server", "interactive"):
        print(_stats(f"  {s}", rows.loc[rows.scenario == s, "ape"]))
    print(_stats("per configuration (median result)", configs["ape"]))
    print(_stats("  GPU x model in data/", configs.loc[configs.in_data, "ape"]))
    print(_stats("  GPU x model not in data/", configs.loc[~configs.in_data, "ape"]))
    unsupported = int(rows["estimate"].isna().sum())
    if unsupported:
        print(f"({unsupported} results not estimated: see the notes)")
    default = [cli(_args(r.gpu_id, r.model_id, None, r.scenario)) for r in rows.itertuples()]
    d_est = pd.Series([out["tokens_per_s_per_gpu"] if code == 0 else float("nan") for code, out in default])
    d_ape = (d_est / rows["tokens_per_s_per_gpu"] - 1).abs()
    changed = sum(
        code == 0 and out["precision"] != c for (code, out), c in zip(default, rows["computed"], strict=True)
    )
    print(_stats("results, CLI default precision", d_ape) + f"  ({changed} other precision)")
    _drift(rows, catalogs.benchmarks)


if __name__ == "__main__":
    main()
