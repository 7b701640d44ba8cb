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
        (("--model", "llama-2-70b", "--out", "/no/such/folder/c.png"), "does not exist or is not writable"),
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


def test_title_states_the_request_shape_and_ttft():
    res = _run("--model", "llama-2-70b", "--gpus", "H100", "--isl", "1200", "--prefix-hit", "0.25")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "ISL 1,200 / OSL 294 tokens, prefix hit 25%, TTFT 450 ms" in text
