"""Error types of the planner, each carrying the process exit code the CLI returns.

Exit codes (see docs/commands.md):
    2  invalid input (scenario, catalog, run directory, command-line value)
    3  the scenario is infeasible (with an explanation)
    4  no feasible plan was found within the time limit
"""

from __future__ import annotations

import errno
from pathlib import Path


class PlannerError(Exception):
    """Base of every error the CLI reports as one clear message (never a traceback)."""

    exit_code: int = 1


class InputError(PlannerError):
    """Invalid input: a scenario, catalog or file the user gave. Exit code 2.

    The message names the file, the field (and YAML line where known), the bad value,
    and what is allowed.
    """

    exit_code = 2


class CatalogError(InputError):
    """A broken catalog row: reported by file, row and column. Exit code 2."""

    def __init__(self, file: str, row: int | None, column: str | None, message: str) -> None:
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.column = file, row, column


class InfeasibleError(PlannerError):
    """The scenario admits no plan; the message explains which demand and which limits. Exit 3."""

    exit_code = 3


class NoSolutionError(PlannerError):
    """The solver stopped (time or node limit) before finding any feasible plan. Exit 4."""

    exit_code = 4


class PlannerWarning(UserWarning):
    """Something the user should know that does not stop the command (e.g. a site of a user's
    data tree without audit rows, taken as an estimate). The CLI prints it as ``warning: ...``."""


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM. Exit code 143 (128 + 15), cleaned up like Ctrl-C.

    A subclass of :class:`KeyboardInterrupt` so that every cleanup written for Ctrl-C
    (run directories, the solver thread, worker processes) also runs on SIGTERM.
    """

    exit_code = 143


class HungUp(Terminated):
    """The process received SIGHUP (its terminal closed). Exit code 129 (128 + 1), cleaned up like Ctrl-C."""

    exit_code = 129


DISK_ERRORS: dict[int, str] = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full (quota exceeded)",
    errno.EROFS: "read-only file system",
    errno.EPERM: "permission denied",
    errno.EACCES: "permission denied",
}
"""The errno values a write can meet on a full, read-only or forbidden disk, and what they are called."""
_DISK_TEXTS: tuple[tuple[str, str], ...] = (
    ("no space left on device", "disk full"),
    ("database or disk is full", "disk full"),
    ("disk quota exceeded", "disk full (quota exceeded)"),
    ("read-only file system", "read-only file system"),
    ("readonly database", "read-only file system"),
    ("permission denied", "permission denied"),
    ("operation not permitted", "permission denied"),
)
"""The same conditions as worded by libraries that drop the errno (Arrow, GDAL/SQLite)."""


def disk_error(exc: BaseException, path: Path | str | None = None) -> InputError | None:
    """The one-line InputError (exit 2) for a write refused by the disk, or None for any other error.

    ``ENOSPC``/``EDQUOT`` -> "disk full", ``EROFS`` -> "read-only file system", ``EPERM``/``EACCES``
    -> "permission denied"; the path is ``path`` (the output the user named), else the file the OS
    names (``exc.filename``).
    """
    what = DISK_ERRORS.get(getattr(exc, "errno", None) or -1)
    if what is None:
        text = str(exc).lower()
        what = next((name for needle, name in _DISK_TEXTS if needle in text), None)
    if what is None:
        return None
    where = path if path is not None else getattr(exc, "filename", None)
    return InputError(f"{where}: cannot write: {what}" if where else f"cannot write: {what}")
