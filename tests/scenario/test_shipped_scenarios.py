"""Scenarios by name: shipped ones load from any folder, ``extends:`` a shipped one, did-you-mean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.paths import SCENARIOS_DIR, shipped_scenario, shipped_scenarios
from planner.scenario.load import load_scenario, scenario_from_dict


def test_shipped_names_are_the_scenario_files() -> None:
    assert shipped_scenarios() == sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))
    assert shipped_scenario("small_5_sites") == SCENARIOS_DIR / "small_5_sites.yaml"
    assert shipped_scenario("small_5_sites.yaml") == SCENARIOS_DIR / "small_5_sites.yaml"
    assert shipped_scenario("no_such") is None
    assert shipped_scenario("sub/small_5_sites") is None  # a path is never a name


def test_load_by_name_from_another_folder(catalogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    by_name = load_scenario("small_5_sites", catalogs)
    by_path = load_scenario(SCENARIOS_DIR / "small_5_sites.yaml", catalogs)
    assert by_name == by_path


def test_a_local_file_wins_over_a_shipped_name(
    catalogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        (SCENARIOS_DIR / "small_5_sites.yaml").read_text().replace("name: small_5_sites", "name: local_copy")
    )
    Path("small_5_sites.yaml").write_text(text)
    assert load_scenario("small_5_sites.yaml", catalogs).name == "local_copy"


def test_user_scenario_extends_a_shipped_one_by_name(catalogs, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: us_inference_2027\nname: mine\ndemand:\n  scale: 0.5\n")
    child = load_scenario(mine, catalogs)
    parent = load_scenario("us_inference_2027", catalogs)
    assert child.name == "mine" and child.demand.scale == 0.5
    assert child.demand.served == parent.demand.served
    from_dict = scenario_from_dict({"extends": "us_inference_2027", "name": "d"}, catalogs)
    assert from_dict.demand.served == parent.demand.served


def test_unknown_name_suggests_the_shipped_scenario(
    catalogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="did you mean the shipped scenario 'us_inference_2027'"):
        load_scenario("us_inferance_2027", catalogs)
    with pytest.raises(InputError, match="shipped scenarios \\(by name\\): .*small_5_sites"):
        load_scenario("zzzz", catalogs)


def test_planner_home_points_at_another_data_tree(tmp_path: Path) -> None:
    """A copied home with one scenario renamed: the CLI finds it there, not in the checkout."""
    import shutil

    root = SCENARIOS_DIR.parent
    for folder in ("data", "models"):
        shutil.copytree(root / folder, tmp_path / folder)
    (tmp_path / "scenarios").mkdir()
    shutil.copy(SCENARIOS_DIR / "small_5_sites.yaml", tmp_path / "scenarios" / "only_here.yaml")
    env = {**os.environ, "PLANNER_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "planner", "validate", "only_here"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "planner", "validate", "small_5_sites"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert missing.returncode == 2 and "only_here" in missing.stderr
