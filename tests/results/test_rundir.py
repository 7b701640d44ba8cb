"""Run directories written whole or not at all: a lost race, an interruption or an error leaves
no ``.NAME.partial-PID`` folder; unusable output locations are refused before any work."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.results.rundir import check_new, staging


def _partials(folder):
    return [p for p in folder.iterdir() if ".partial-" in p.name]


def test_lost_race_leaves_no_partial(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(InputError, match="already exists"), staging(out) as tmp:
        (tmp / "summary.json").write_text("{}")
        out.mkdir()  # another solve with the same --out finished first
        (out / "theirs").write_text("x")
    assert not _partials(tmp_path) and (out / "theirs").is_file()


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError, InputError])
def test_interrupted_or_failed_write_leaves_nothing(tmp_path, error):
    out = tmp_path / "run"
    with pytest.raises(error), staging(out) as tmp:
        (tmp / "summary.json").write_text("{}")
        raise error("stop")
    assert not out.exists() and not _partials(tmp_path)


def test_check_new_refuses_unusable_locations(tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match="already exists"):
        check_new(tmp_path / "taken")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="dangling symlink"):
        check_new(tmp_path / "dangling")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is not a directory"):
        check_new(tmp_path / "file" / "sub" / "run")
    check_new(tmp_path / "new" / "deeper" / "run")  # missing parents are created later: fine
