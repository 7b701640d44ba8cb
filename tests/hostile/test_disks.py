"""Full, read-only and forbidden disks: exit 2 with "disk full" / "read-only" / "permission denied"
and the path, and nothing half-written.

Real conditions where the machine allows them: a size-limited tmpfs (ENOSPC) and a read-only tmpfs
(EROFS) mounted in the test's own user and mount namespace (``unshare -rm``; skipped where
unprivileged namespaces are off), ``/dev/full`` as stdout, and an immutable folder (``chattr +i``,
EPERM; needs root and a file system that supports it). Every writer is also covered in-process by
making its write raise the error (GDAL's own wording for the GeoPackage).
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from planner.errors import InputError, disk_error
from tests.helpers import TINY, write, write_run
from tests.hostile.write_helpers import assert_one_error, env, leftovers, planner_cmd, unshare_available

NAMESPACES = unshare_available()
needs_unshare = pytest.mark.skipif(
    not NAMESPACES, reason="no unprivileged user+mount namespace (unshare -rm)"
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    import planner

    return write_run(planner.solve(TINY), tmp_path_factory.mktemp("disks") / "run")


def in_tmpfs(
    mount: Path, options: str, *args: str, setup: str = ""
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run ``planner ARGS`` with a tmpfs (``options``, e.g. ``size=64k`` or ``ro``) mounted at
    ``mount``; returns the process and what is left in the tmpfs afterwards."""
    mount.mkdir(exist_ok=True)
    left = mount.parent / f"{mount.name}.left"
    script = (
        f'mount -t tmpfs -o {options} tmpfs "$0" || exit 99; {setup} '
        '"$@"; rc=$?; (cd "$0" && find . -mindepth 1 | sort) > "$0.left"; exit $rc'
    )
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, str(mount), *planner_cmd(*args)],
        env=env(),
        capture_output=True,
        timeout=900,
    )
    assert proc.returncode != 99, proc.stderr
    return proc, left.read_text().split()


@needs_unshare
def test_solve_disk_full(tmp_path):
    """A solve onto a 64 kB disk: the run directory does not fit; exit 2 "disk full", nothing left."""
    scenario = write(tmp_path, "tiny.yaml", json.dumps(TINY))
    mount = tmp_path / "disk"
    proc, left = in_tmpfs(mount, "size=64k", "solve", str(scenario), "--out", str(mount / "run"))
    assert_one_error(proc, 2, "disk full", str(mount / "run"))
    assert left == []


@needs_unshare
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "parquet"])
def test_export_disk_full(run_dir, tmp_path, fmt):
    mount = tmp_path / "disk"
    proc, left = in_tmpfs(
        mount, "size=4k", "export", str(run_dir), "--capex", fmt, "--out", str(mount / "capex")
    )
    assert_one_error(proc, 2, "disk full", str(mount))
    assert left == []


@needs_unshare
@pytest.mark.parametrize(
    "args",
    [
        ["export", "{run}", "--capex", "xlsx", "--out", "{disk}/capex.xlsx"],
        ["solve", "{scenario}", "--out", "{disk}/run"],
        ["curve", "--model", "llama-2-70b", "--gpus", "H100", "--out", "{disk}/c.png"],
        ["pareto", "{scenario}", "--points", "2", "--out", "{disk}/p"],
        ["sweep", "{scenario}", "--set", "demand.scale=1,1.1", "--out", "{disk}/s"],
    ],
    ids=["export", "solve", "curve", "pareto", "sweep"],
)
def test_read_only_disk(run_dir, tmp_path, args):
    """Every writing command on a read-only file system: exit 2 naming it, checked before any solve."""
    scenario = write(tmp_path, "tiny.yaml", json.dumps(TINY))
    mount = tmp_path / "disk"
    filled = [a.format(run=run_dir, disk=mount, scenario=scenario) for a in args]
    proc, left = in_tmpfs(mount, "ro", *filled)
    assert_one_error(proc, 2, "read-only", str(mount))
    assert left == []


@needs_unshare
def test_map_disk_full(run_dir, tmp_path):
    """``planner map`` into a run directory on a nearly full disk (the GeoPackage is SQLite: GDAL's
    "database or disk is full"): exit 2 "disk full", no map file, no temporary."""
    mount = tmp_path / "disk"
    size_kb = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file()) // 1024 + 64
    setup = f'cp -r "{run_dir}" "$0/run" || exit 98;'
    proc, left = in_tmpfs(
        mount, f"size={size_kb}k", "map", str(mount / "run"), "--format", "gpkg,png", setup=setup
    )
    assert_one_error(proc, 2, "disk full")
    assert not [f for f in left if "map" in f], left


def test_stdout_on_a_full_disk():
    """stdout is /dev/full (every write ENOSPC): exit 2, "disk full", one line on stderr."""
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            planner_cmd("data", "list", "sites"), env=env(), stdout=full, stderr=subprocess.PIPE, timeout=300
        )
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines() == ["error: cannot write: disk full"]


def _immutable(folder: Path) -> bool:
    folder.mkdir()
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0


def test_immutable_folder(run_dir, tmp_path):
    """An immutable folder (``chattr +i``: EPERM even for root): exit 2 "permission denied"."""
    folder = tmp_path / "frozen"
    if not _immutable(folder):
        pytest.skip("chattr +i is not possible here (needs root and ext4/xfs/btrfs)")
    try:
        proc = subprocess.run(
            planner_cmd("export", str(run_dir), "--capex", "json", "--out", str(folder / "x.json")),
            env=env(),
            capture_output=True,
            timeout=300,
        )
        sweep = subprocess.run(
            planner_cmd(
                "sweep",
                str(run_dir / "scenario.resolved.yaml"),
                "--set",
                "demand.scale=1,1.1",
                "--out",
                str(folder / "s"),
            ),
            env=env(),
            capture_output=True,
            timeout=300,
        )
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert_one_error(proc, 2, "permission denied", str(folder / "x.json"))
    assert_one_error(sweep, 2, "permission denied", str(folder / "s"))
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- in-process: every writer
@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/x/f"), "/x/f: cannot write: disk full"),
        (OSError(errno.EDQUOT, "Disk quota exceeded", "/x/f"), "disk full (quota exceeded)"),
        (OSError(errno.EROFS, "Read-only file system", "/x/f"), "read-only file system"),
        (PermissionError(errno.EPERM, "Operation not permitted", "/x/f"), "permission denied"),
        (PermissionError(errno.EACCES, "Permission denied", "/x/f"), "permission denied"),
        (OSError("IOError: No space left on device"), "disk full"),  # Arrow: no errno
        (RuntimeError("sqlite3_exec(CREATE TABLE) failed: database or disk is full"), "disk full"),  # GDAL
        (RuntimeError("attempt to write a readonly database"), "read-only"),
    ],
)
def test_disk_error_names_the_condition(exc, words):
    known = disk_error(exc)
    assert isinstance(known, InputError) and known.exit_code == 2 and words in str(known)


@pytest.mark.parametrize("exc", [OSError(errno.ENOENT, "No such file"), ValueError("bad"), OSError("other")])
def test_disk_error_leaves_others_alone(exc):
    assert disk_error(exc) is None


def test_map_gpkg_full(run_dir, tmp_path, monkeypatch):
    """pyogrio reports a full disk in GDAL's words, not as OSError: still "disk full", nothing left."""
    import planner.maps.write as map_write

    run = tmp_path / "run"
    shutil.copytree(run_dir, run)

    def full(data, path):
        Path(path).write_bytes(b"partial")
        raise RuntimeError("sqlite3_exec(CREATE TABLE sites_chosen) failed: database or disk is full")

    monkeypatch.setattr(map_write, "write_gpkg", full)
    with pytest.raises(InputError, match="map.gpkg: cannot write: disk full"):
        map_write.write_maps(run, ("geojson", "gpkg"))
    assert not list(run.glob("map.*")) and leftovers(run) == []


def test_run_directory_full(tmp_path, monkeypatch):
    """solve, sweep points, pareto, alternatives, sensitivity and evaluate all write through
    ``staging``: a full disk while writing the contents is "disk full" naming --out, nothing left."""
    from planner.results.rundir import staging

    out = tmp_path / "run"
    with pytest.raises(InputError, match=f"{out}: cannot write: disk full"), staging(out) as tmp:
        (tmp / "summary.json").write_text("{}")
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "tables" / "sites.csv"))
    assert list(tmp_path.iterdir()) == []


def test_sweep_point_full(tmp_path, monkeypatch):
    """A sweep point written on a full disk: "disk full", no point folder nor temporary."""
    import planner.studies.sweep as sweep_mod

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sweep_mod, "write_contents", full)
    point = sweep_mod.PointResult(0, "optimal")
    with pytest.raises(InputError, match="disk full"):
        sweep_mod.write_point(point, tmp_path / "points" / "p0")
    assert leftovers(tmp_path) == [] and not (tmp_path / "points" / "p0").exists()


def test_sweep_tables_full(tmp_path, monkeypatch):
    """sweep.csv and sweep.parquet are replaced both or neither: a full disk on the second keeps
    the previous pair."""
    import pandas as pd

    from planner.results.atomic import new_files

    (tmp_path / "sweep.csv").write_text("old")
    (tmp_path / "sweep.parquet").write_text("old")
    pair = [tmp_path / "sweep.csv", tmp_path / "sweep.parquet"]
    with pytest.raises(InputError, match="disk full"), new_files(pair, overwrite=True) as (csv, pq):
        pd.DataFrame({"a": [1]}).to_csv(csv)
        raise OSError(errno.ENOSPC, "No space left on device", str(pq))
    assert (tmp_path / "sweep.csv").read_text() == "old" and leftovers(tmp_path) == []


@needs_unshare
@pytest.mark.parametrize(
    "args",
    [
        ["map", "{disk}/run", "--format", "geojson"],
        ["report", "{disk}/run", "--out", "{disk}/r.html"],
        ["export", "{disk}/run", "--capex", "csv", "--out", "{disk}/c.csv"],
        ["export", "{disk}/run", "--capex", "json", "--out", "{disk}/c.json"],
        ["data", "init", "{disk}/home"],
    ],
    ids=["map", "report", "export-csv", "export-json", "data-init"],
)
def test_read_only_disk_neighbours(run_dir, tmp_path, args):
    """The other writing commands on a read-only file system holding the run directory: exit 2
    naming the path and "read-only" (map and report test the folder first: "not writable"),
    nothing added."""
    mount = tmp_path / "disk"
    filled = [a.format(disk=mount) for a in args]
    setup = (
        f'cp -r "{run_dir}" "$0/run" && rm -f "$0"/run/map.* "$0"/run/report.html '
        '&& mount -o remount,ro "$0" || exit 98;'
    )
    proc, left = in_tmpfs(mount, "size=64m", *filled, setup=setup)
    assert proc.returncode != 98, proc.stderr
    line = assert_one_error(proc, 2, str(mount)).lower()  # map/report check writability first
    assert "read-only" in line or "not writable" in line, line
    assert not [f for f in left if not f.startswith("./run")], left
    assert not [f for f in left if "map." in f or "report.html" in f or ".partial-" in f], left
