"""`planner curve`: the frontier table at 80 columns, the PNG, and exit code 2 for bad input."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from planner.cli.app import app

ENV = {"COLUMNS": "80"}


def _run(*args: str):
    return CliRunner().invoke(app, ["curve", *args], env=ENV)


def test_table_fits_80_columns_and_writes_a_png(tmp_path):
    from PIL import Image

    out = tmp_path / "curve.png"
    res = _run("--model", "llama-2-70b", "--gpus", "H100,B200,MI325X", "--out", str(out))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for gpu in ("H100", "B200", "MI325X"):
        assert any(line.startswith(gpu + " ") for line in lines), gpu
    assert "interactive" in res.stdout and f"wrote {out}" in res.stdout
    with Image.open(out) as im:
        assert im.size[0] >= 1000 and im.size[1] >= 600
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50  # lines, markers and text, not a blank canvas
    again = _run("--model", "llama-2-70b", "--gpus", "H100", "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
    assert _run("--model", "llama-2-70b", "--gpus", "H100", "--out", str(out), "--overwrite").exit_code == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--model", "llama-9"), "unknown model 'llama-9'"),
        (("--model", "llama-2-70b", "--gpus", "H100,B2000"), "unknown GPU 'B2000'"),
        (("--model", "llama-2-70b", "--gpus", ","), "--gpus: allowed a comma-separated list"),
        (("--model", "llama-2-70b", "--precision", "int4"), "unknown precision 'int4'"),
        (("--model", "llama-2-70b", "--out", "chart.svg"), "allowed a file name ending in .png"),
        (("--model", "llama-2-70b", "--out", "/no/such/folder/c.png"), "does not exist"),
        (
            ("--model", "llama-2-70b", "--y", "usd"),
            "--y 'usd': allowed values are tokens-per-gpu, tokens-per-mw",
        ),
        (
            ("--model", "llama-2-70b", "--y", "usd-per-mtok", "--scenario", "nope.yaml"),
            "nope.yaml: no such file",
        ),
        (("--model", "llama-2-70b", "--prefix-hit", "1"), "--prefix-hit 1: allowed a share"),
        (("--model", "llama-2-70b", "--osl", "0"), "--osl 0: allowed a mean token count"),
    ],
)
def test_bad_input_exits_2_with_one_message(args, message):
    res = _run(*args)
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert res.output.count("error:") == 1


def test_unservable_gpu_is_named(tmp_path):
    res = _run("--model", "llama-3.1-405b", "--gpus", "B200,L40S")
    assert res.exit_code == 0, res.output
    assert "cannot serve llama-3.1-405b at any swept target: L40S" in res.stdout


def _shape(model) -> str:
    return (
        f"{model['typical_input_tokens']:,.0f} in / {model['typical_output_tokens']:,.0f} out tokens, "
        f"prefix hit {float(model.get('typical_prefix_hit') or 0):.0%}, "
        f"TTFT {model['serving_ttft_ms']:,.0f} ms"
    )


def test_header_states_request_shape_ttft_and_expected_error(catalogs):
    res = _run("--model", "deepseek-r1", "--gpus", "H200")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    title = lines[: next(i for i, line in enumerate(lines) if line.startswith("GPU "))]
    head = " ".join(" ".join(title).split())  # the title, unwrapped
    assert f"deepseek-r1: mean request {_shape(catalogs.models.loc['deepseek-r1'])}" in head
    assert "tokens/s per GPU at tokens/s per user" in head and "expected error (p80 of the held-out" in head


def test_usd_per_mtok_mirrors_the_api_and_the_hand_conversion(catalogs):
    """The CLI's table at 10 tokens/s per user is the API's, which is owner USD/yr / (tokens/s x
    31,536,000 s) x 1e6 with the tokens/s of ``--y tokens-per-gpu``; the basis is printed."""
    import planner

    tokens = planner.curve("llama-2-70b", ["H100"], catalogs=catalogs)
    cost = planner.curve("llama-2-70b", ["H100"], y="usd-per-mtok", catalogs=catalogs)
    usd_yr = cost.economics.per_gpu.at["H100", "usd_per_yr"]
    t = tokens.table.at["H100", 10.0]
    assert cost.table.at["H100", 10.0] == pytest.approx(usd_yr / (t * 31_536_000) * 1e6)
    res = _run("--model", "llama-2-70b", "--gpus", "H100", "--y", "usd-per-mtok")
    assert res.exit_code == 0, res.output
    row = next(line for line in res.stdout.splitlines() if line.startswith("H100 ")).split()
    assert float(row[3]) == pytest.approx(cost.table.at["H100", 10.0], abs=5e-4)  # 5/s, 10/s columns
    text = " ".join(res.stdout.split())
    assert "USD per million output tokens at tokens/s per user" in text
    assert "Scenario us_inference_2027:" in text and "CRF(7%, 5 y) = 0.244/yr" in text


def test_title_states_the_request_shape_and_ttft():
    res = _run("--model", "llama-2-70b", "--gpus", "H100", "--isl", "1200", "--prefix-hit", "0.25")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "1,200 in / 294 out tokens, prefix hit 25%, TTFT 450 ms" in text
