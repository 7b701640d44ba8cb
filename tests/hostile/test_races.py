"""Files that appear in between: an output name taken after the ``--out`` check is never replaced.

Every writer claims its final name with :func:`planner.results.atomic.claim` (renameat2
RENAME_NOREPLACE, or link-then-unlink / mkdir-then-rename where the file system lacks it). Each case
makes another process's file appear between the check and the claim (by writing it from inside the
writer) and asserts: exit 2 / InputError "already exists", the other file untouched, no temporary
left. Two real processes exporting to one ``--out`` at once: one wins, the other exits 2.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.results import atomic
from tests.helpers import TINY, write_run
from tests.hostile.write_helpers import env, leftovers, lines, planner_cmd


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    import planner

    return write_run(planner.solve(TINY), tmp_path_factory.mktemp("races") / "run")


@pytest.fixture(params=["renameat2", "fallback"])
def claim_mode(request, monkeypatch):
    """Both ways of claiming a name: the system call, and the portable fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(atomic, "_RENAMEAT2", None)
    elif atomic._RENAMEAT2 is None:
        pytest.skip("this libc has no renameat2")
    return request.param


def test_file_appears_before_claim(tmp_path, claim_mode):
    final = tmp_path / "out.json"
    with pytest.raises(InputError, match="already exists"), atomic.new_files([final]) as (tmp,):
        tmp.write_text("ours")
        final.write_text("theirs")  # another process, between the check and the claim
    assert final.read_text() == "theirs"
    assert leftovers(tmp_path) == []


def test_group_all_or_nothing(tmp_path, claim_mode):
    """csv/parquet exports are several files: if the second name is taken, the first is taken back."""
    a, b = tmp_path / "x_a.csv", tmp_path / "x_b.csv"
    with pytest.raises(InputError, match="already exists"), atomic.new_files([a, b]) as (ta, tb):
        ta.write_text("1")
        tb.write_text("2")
        b.write_text("theirs")
    assert not a.exists() and b.read_text() == "theirs"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("content", ["empty", "full"])
def test_run_directory_appears_before_claim(tmp_path, claim_mode, content):
    """A run directory created by another run meanwhile, even an empty one, is never replaced."""
    from planner.results.rundir import staging

    out = tmp_path / "run"
    with pytest.raises(InputError, match="already exists"), staging(out) as tmp:
        (tmp / "summary.json").write_text("{}")
        out.mkdir()
        if content == "full":
            (out / "theirs.txt").write_text("theirs")
    assert out.is_dir() and not (out / "summary.json").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("content", ["empty", "full"])
def test_claim_directory_never_replaces(tmp_path, claim_mode, content):
    """The claim itself (past staging's own check): an existing folder, even empty, stays."""
    tmp, out = tmp_path / ".run.partial-1", tmp_path / "run"
    tmp.mkdir()
    (tmp / "summary.json").write_text("{}")
    out.mkdir()
    if content == "full":
        (out / "theirs.txt").write_text("theirs")
    with pytest.raises(InputError, match="already exists"):
        atomic.claim(tmp, out)
    assert not (out / "summary.json").exists() and (tmp / "summary.json").exists()


def test_overwrite_replaces(tmp_path, claim_mode):
    final = tmp_path / "out.png"
    final.write_text("old")
    with atomic.new_files([final], overwrite=True) as (tmp,):
        tmp.write_text("new")
    assert final.read_text() == "new" and leftovers(tmp_path) == []


def test_export_out_taken_meanwhile(run_dir, tmp_path, monkeypatch):
    """``export --out`` (no --overwrite): a file created while the workbook is written survives."""
    from planner.results import export

    out = tmp_path / "capex.xlsx"
    real = export.write_xlsx

    def racing(sheets, path):
        real(sheets, path)
        out.write_bytes(b"theirs")

    monkeypatch.setattr(export, "write_xlsx", racing)
    with pytest.raises(InputError, match="already exists"):
        export.export_capex(run_dir, "xlsx", out)
    assert out.read_bytes() == b"theirs" and leftovers(tmp_path) == []


def test_curve_png_taken_meanwhile(tmp_path):
    """``curve --out`` without --overwrite: a PNG that appears during savefig is kept."""
    from matplotlib.figure import Figure

    from planner.results.curve_plot import _save

    out = tmp_path / "c.png"

    class Racing(Figure):
        def savefig(self, fname, **kw):
            super().savefig(fname, **kw)
            out.write_bytes(b"theirs")

    with pytest.raises(InputError, match="already exists"):
        _save(Racing(), out, overwrite=False)
    assert out.read_bytes() == b"theirs" and leftovers(tmp_path) == []


def test_sweep_manifest_claimed_once(tmp_path):
    """Two sweeps started on one --out: the manifest is the claim, the second is refused."""
    from planner.studies.sweep import _save

    path = tmp_path / "manifest.json"
    _save(path, {"points": {}}, new=True)
    with pytest.raises(InputError, match="already exists"):
        _save(path, {"points": {"0": {}}}, new=True)
    assert path.read_text().strip() == '{\n  "points": {}\n}'


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_two_exports_one_out(run_dir, tmp_path, fmt):
    """Two ``planner export`` processes to one --out at the same moment: exactly one succeeds (exit
    0), the other exits 2 with one line; the files are whole (those of the winner), no temporaries."""
    out = tmp_path / f"capex.{fmt}" if fmt == "json" else tmp_path / "capex"
    procs = [
        subprocess.Popen(
            planner_cmd("export", str(run_dir), "--capex", fmt, "--out", str(out)),
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)
    assert len(lines(loser[2])) == 1 and "already exists" in loser[2].decode()
    assert leftovers(tmp_path) == []
    from planner.results.export import SHEETS

    written = sorted(p.name for p in Path(tmp_path).iterdir())
    assert written == (["capex.json"] if fmt == "json" else sorted(f"capex_{s}.csv" for s in SHEETS))
