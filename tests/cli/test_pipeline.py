"""`planner pipeline`: JSON output and exit code 2 with the close ids for an unknown GPU."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def test_cli_pipeline_json_and_errors():
    import typer

    from planner.cli.pipeline import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer in multi-command mode
        pass

    runner = CliRunner()
    # one node, as MLPerf ran it: the measured rate (with every topology allowed, a disaggregated
    # estimate above the single-node measurement may win: chain/tokens/topology.py)
    args = ["pipeline", "--gpu", "B200", "--model", "llama-2-70b", "--json"]
    ok = runner.invoke(app, [*args, "--topologies", "single_node"])
    assert ok.exit_code == 0, ok.output
    d = json.loads(ok.stdout)
    assert d["source"] == "measured" and d["topology"] == "single_node"
    best = json.loads(runner.invoke(app, args).stdout)
    assert best["tokens_per_s_per_gpu"] >= d["tokens_per_s_per_gpu"]
    assert d["spare_share"] == 0.03 and d["spare_watts_per_gpu"] == 0.03 * (450 + 70)  # scenario default
    bad = runner.invoke(app, ["pipeline", "--gpu", "H1000", "--model", "llama-2-70b"])
    assert bad.exit_code == 2 and "H100" in bad.output


def test_cli_pipeline_precision_scenario_and_target():
    import typer

    from planner.cli.pipeline import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        pass

    runner = CliRunner()
    base = ["pipeline", "--gpu", "B200", "--model", "llama-2-70b", "--estimate", "--json"]
    off = json.loads(runner.invoke(app, [*base, "--precision", "fp4", "--mlperf-scenario", "offline"]).stdout)
    assert off["precision"] == "fp4" and off["scenario"] == "offline" and off["tpot_ms"] is None
    assert off["replica_gpus"] >= 1 and off["batch"] > 0 and 0 < off["expected_error"] < 1
    # the held-out (leave-one-GPU-out) error of the offline group, the figure tables/throughput.csv gives
    from planner.catalogs.load import load_catalogs
    from planner.chain.tokens.uncertainty import error_model

    assert off["expected_error"] == error_model(load_catalogs()).error("offline")
    fast = json.loads(runner.invoke(app, [*base, "--tpot-ms", "20", "--ttft-ms", "450"]).stdout)
    assert fast["scenario"] == "target" and fast["tpot_ms"] == 20 and fast["ttft_ms"] == 450
    assert fast["tokens_per_s_per_user"] >= 1000 / 20 / 0.85 * 0.999
    assert fast["tokens_per_s_per_gpu"] < off["tokens_per_s_per_gpu"]
    both = runner.invoke(app, [*base, "--mlperf-scenario", "server", "--tpot-ms", "20"])
    assert both.exit_code == 2 and "--mlperf-scenario" in both.output
    for args, word in ((["--precision", "fp2"], "precision"), (["--mlperf-scenario", "batch"], "scenario")):
        r = runner.invoke(app, [*base, *args])
        assert r.exit_code == 2 and word in r.output and "Traceback" not in r.output
