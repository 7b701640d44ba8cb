"""Where the planner's data lives: the ``data/``, ``models/`` and ``scenarios/`` trees.

The home holding those three folders is, in this order:

1. ``$PLANNER_HOME``, when set (a user's own data tree: copy the shipped one and edit it);
2. the source checkout the package was imported from (``data/`` beside ``planner/``);
3. the copy shipped inside the installed wheel (``planner/_home/``, see ``pyproject.toml``).

Scenarios can be named by path or, for shipped ones, by name (``small_5_sites``): see
:func:`shipped_scenario`.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "PLANNER_HOME"
"""Environment variable naming a folder with ``data/``, ``models/`` and ``scenarios/``."""
_PACKAGE = Path(__file__).resolve().parent


def _shipped() -> Path:
    """The shipped data tree: the source checkout, else the copy in the wheel."""
    checkout = _PACKAGE.parent
    if (checkout / "data").is_dir() and (checkout / "models").is_dir():
        return checkout
    return _PACKAGE / "_home"


def _home() -> Path:
    """The data home: ``$PLANNER_HOME``, else the shipped tree."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    return SHIPPED_HOME


SHIPPED_HOME: Path = _shipped()
"""The data tree shipped with the package (checkout or wheel), whatever ``$PLANNER_HOME`` says."""
PROJECT_ROOT: Path = _home()
DATA_DIR: Path = PROJECT_ROOT / "data"
MODELS_DIR: Path = PROJECT_ROOT / "models"
SCENARIOS_DIR: Path = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO: Path = SCENARIOS_DIR / "us_inference_2027.yaml"


def is_shipped(folder: Path) -> bool:
    """True if ``folder`` is (inside) the shipped data tree, whose catalogs are held to the full audit."""
    try:
        folder.resolve().relative_to(SHIPPED_HOME.resolve())
    except (ValueError, OSError):
        return False
    return True


def home_note() -> str:
    """Where the data tree comes from, for error messages: ``data home: /x, from PLANNER_HOME=x ...``."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return (
            f"data home: {PROJECT_ROOT.absolute()}, from {HOME_ENV}={configured}; it needs data/, "
            f"models/ and scenarios/ (make one with `planner data init DIR`), or unset {HOME_ENV} "
            "to use the shipped data"
        )
    where = "the source checkout" if _PACKAGE.parent == PROJECT_ROOT else "shipped in the package"
    return f"data home: {PROJECT_ROOT.absolute()}, {where} (set {HOME_ENV} to use your own)"


def shipped_scenarios() -> list[str]:
    """Names (file stems) of the scenarios in the home's ``scenarios/`` folder."""
    if not SCENARIOS_DIR.is_dir():
        return []
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def shipped_scenario(name: str) -> Path | None:
    """``scenarios/<name>.yaml`` of the home when ``name`` is a bare scenario name that exists."""
    if not name or os.sep in name or (os.altsep and os.altsep in name):
        return None
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    candidate = SCENARIOS_DIR / f"{stem}.yaml"
    return candidate if stem in shipped_scenarios() else None


def input_file_problem(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it can.

    Checked before a file is opened: only a regular file of at most ``max_bytes`` is read,
    so a FIFO (which would block), a device such as ``/dev/zero`` (endless) or a directory is
    refused at once, and so is an oversized file (instead of parsing it for minutes). The
    reason never quotes the file's content.
    """
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or type(exc).__name__}"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe, device or socket); give a file"
    if info.st_size > max_bytes:
        return f"is {info.st_size:,} bytes, more than the {max_bytes:,} allowed for this kind of file"
    if not os.access(path, os.R_OK):
        return "cannot read the file: permission denied"
    return None
