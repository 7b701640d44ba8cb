"""Fixtures shared by several test folders: catalogs, the tiny scenario, solved run directories,
a ``validate``-only Typer app and a loopback Dask cluster."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer

from planner.catalogs.load import load_catalogs
from tests.helpers import SMALL_SCENARIO, TINY, with_changes, write_run

DASK = str(Path(sys.executable).with_name("dask"))
MAP_SCENARIO = with_changes(
    TINY,
    {
        "sites.include": ["abilene_tx", "loudoun_va", "new_albany_oh", "quincy_wa"],
        "demand.latency_ms": {"llama-3.1-70b": 30, "llama-3.1-8b": 30},
    },
)
"""The tiny scenario plus a far-away site (Quincy WA): with 30 ms budgets no stream can reach it."""


@pytest.fixture(scope="session")
def catalogs():
    """The shipped catalogs (loaded once)."""
    return load_catalogs()


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh copy of the tiny scenario dict."""
    return copy.deepcopy(TINY)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small 5-site scenario solved, and its run directory (tests/results, tests/cli)."""
    import planner

    result = planner.solve(SMALL_SCENARIO)
    return result, write_run(result, tmp_path_factory.mktemp("export") / "small")


@pytest.fixture(scope="module")
def map_run(tmp_path_factory) -> Path:
    """A run directory of :data:`MAP_SCENARIO` (no map files yet; tests/maps, tests/cli)."""
    from planner.api import solve
    from planner.results.rundir import write_contents

    out = tmp_path_factory.mktemp("maprun") / "run"
    out.mkdir()
    result = solve(MAP_SCENARIO)
    write_contents(result.scenario, result.summary, result.tables, out)
    return out


@pytest.fixture
def map_run_copy(map_run, tmp_path) -> Path:
    """A copy of :func:`map_run` that a test may damage."""
    out = tmp_path / "run"
    shutil.copytree(map_run, out)
    return out


@pytest.fixture(scope="module")
def validate_app() -> typer.Typer:
    """A Typer app with only ``validate`` registered (a callback keeps it a command group)."""
    from planner.cli.validate import register

    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """Test app."""

    register(application)
    return application


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes on loopback, random ports; killed after."""
    tmp = tmp_path_factory.mktemp("dask")
    info = tmp / "scheduler.json"
    common = {
        "cwd": tmp,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "start_new_session": True,
    }
    procs = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.is_file(), "dask scheduler did not start within 60 s"
        time.sleep(0.3)  # the file is written whole; give the scheduler a moment to listen
        for name in ("w1", "w2"):
            procs.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        "--scheduler-file",
                        str(info),
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        name,
                        "--death-timeout",
                        "60",
                    ],
                    **common,
                )
            )
        address = json.loads(info.read_text())["address"]
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
