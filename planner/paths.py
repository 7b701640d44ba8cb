"""Where the project's data lives: `data/`, `models/` and `scenarios/` beside the package.

Set ``PLANNER_HOME`` to point the planner at another checkout holding those folders.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT: Path = Path(os.environ.get("PLANNER_HOME", Path(__file__).resolve().parent.parent))
DATA_DIR: Path = PROJECT_ROOT / "data"
MODELS_DIR: Path = PROJECT_ROOT / "models"
SCENARIOS_DIR: Path = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO: Path = SCENARIOS_DIR / "us_inference_2027.yaml"
