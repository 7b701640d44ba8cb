"""Writing the plan report: ``write_report(run_dir, out=None) -> Path``, whole or not at all.

Default ``out``: ``RUN_DIR/report.html``, rewritten each time (the report is made from the
run directory, so it is never stale for long). An explicit ``out`` must be an ``.html`` file in
an existing, writable folder and must not exist unless ``overwrite``. The page is written to a
hidden temporary sibling and renamed into place, so an error leaves no half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from planner.errors import InputError
from planner.report.build import report_html

REPORT_NAME = "report.html"


def check_out(out: Path, overwrite: bool) -> None:
    """Raise InputError unless ``out`` is an ``.html`` path in a writable folder, new or ``overwrite``."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out {out}: allowed a file name ending in .html")
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give an .html file name")
    if (out.exists() or out.is_symlink()) and not overwrite:
        raise InputError(f"--out {out}: already exists; choose another name or add --overwrite")
    folder = out.absolute().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: folder {folder} does not exist or is not writable")


def write_report(
    run_dir: Path | str,
    out: Path | str | None = None,
    overwrite: bool = False,
    shown_as: Path | str | None = None,
) -> Path:
    """Write the report of ``run_dir`` to ``out`` (default ``RUN_DIR/report.html``); return its path.

    ``shown_as``: the run directory's name in the page (``planner solve`` writes the report in the
    run directory's temporary folder, before it is renamed).

    Raises InputError (exit 2) for a missing or broken run-directory file (named) or a bad ``out``.
    """
    run_dir = Path(run_dir)
    if out is None:
        path = run_dir / REPORT_NAME
        if run_dir.is_dir() and not os.access(run_dir, os.W_OK | os.X_OK):
            raise InputError(f"{run_dir}: the run directory is not writable; give --out elsewhere")
    else:
        path = Path(out)
        check_out(path, overwrite)
    text = report_html(run_dir, shown_as)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
