"""The consoles every command prints to, and the one way an error is printed.

Both consoles print text literally: rich markup (``[bold]``), emoji codes (``:x:``) and
highlighting are off, so a file name such as ``a[/x].yaml`` or ``:x:.yaml`` is shown as given.
Styled output is built from :class:`rich.text.Text` pieces, never from markup strings.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import typer
from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from planner.errors import PlannerError

EXIT_PIPE = 128 + 13
"""Exit code when the reader of stdout went away (128 + SIGPIPE)."""
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with control characters (ESC, BEL, CR, ...: terminal escape injection) shown as
    ``\\xNN`` (tabs too, which a terminal would widen into spaces); newlines kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class LiteralConsole(Console):
    """A rich Console that cannot be made to send a control character it did not generate itself.

    Every text segment of everything printed (titles, table cells, ``wrote PATH`` lines, progress
    descriptions) passes through :func:`visible`, piped or on a terminal; only rich's own control
    segments (cursor moves of a progress bar) and the styles it renders pass unchanged. ``visible``
    is idempotent, so segments rendered twice (nested renderables) are escaped once. Plain strings
    are escaped before layout (:meth:`render_str`), so table columns are measured on what is shown.
    """

    def on_broken_pipe(self) -> None:
        """The reader of this console's stream went away (``planner solve | head -1``): stop
        printing and exit quietly with 141 (128 + SIGPIPE), as a shell reports ``yes | head -1``.
        SystemExit unwinds like any exit, so temporary outputs are still removed."""
        self.quiet = True
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.file.fileno())
        raise SystemExit(EXIT_PIPE)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for seg in super().render(renderable, options):
            if seg.control or not _CONTROL.search(seg.text):
                yield seg
            else:
                yield Segment(visible(seg.text), seg.style)


console = LiteralConsole(markup=False, emoji=False, highlight=False)
err_console = LiteralConsole(stderr=True, markup=False, emoji=False, highlight=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from literal pieces: ``styled(("error:", "bold red"), " ", message)``."""
    return Text.assemble(*parts)


def say_error(prefix: str, message: str) -> None:
    """Print ``prefix message`` on stderr, literally; fall back to plain ``sys.stderr`` if rich fails."""
    try:
        err_console.print(styled((prefix, "bold red"), " ", visible(message)), soft_wrap=True)
    except Exception:  # noqa: BLE001 - the error printer itself must never crash
        try:
            sys.stderr.write(f"{prefix} {visible(message)}\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001, S110 - stderr closed: nothing left to report to
            pass


def fail(exc: PlannerError) -> typer.Exit:
    """Print a planner error as one message and return the Exit carrying its code."""
    say_error("error:", str(exc))
    return typer.Exit(exc.exit_code)


def fmt_num(value: Any, fmt: str) -> str:
    """Format a number with ``fmt``, or '' for a missing one (None, NaN, NA)."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else format(value, fmt)


@dataclass(frozen=True)
class Col:
    """A table column: ``kind`` 'id' and 'num' are never wrapped or cut, 'text' wraps at spaces.

    ``rank`` orders columns by importance (0 = always shown); when the console is too narrow,
    the columns of highest rank are left out (and named under the table) rather than any id or
    number being cut.
    """

    header: str
    kind: str = "num"
    rank: int = 1


GAP = 3
"""Characters between two columns of a :func:`fitted_table` (padding, separator, padding)."""
TEXT_MIN = 16
"""Narrowest a wrapping text column is made when its content is longer [characters]."""


def _width(col: Col, cells: list[str]) -> int:
    """Width of a column: ids and numbers whole; text at least its longest word (and ``TEXT_MIN``);
    headers wrap at spaces (underscores read as spaces)."""
    words = col.header.replace("_", " ").split() or [""]
    head = max(len(w) for w in words)
    longest = max((len(c) for c in cells), default=0)
    if col.kind != "text":
        return max(head, longest)
    word = max((len(w) for c in cells for w in c.split()), default=0)
    return max(head, word, min(longest, TEXT_MIN))


def fitted_table(
    title: str, cols: list[Col], rows: list[list[str]], width: int | None = None, hint: str = ""
) -> Table:
    """A rich Table of ``rows`` whose ids and numbers are whole at ``width`` (default: the console's).

    Column widths are computed here, not left to rich (which cuts cells to fit): the least
    important columns are left out until the rest fit, and the caption names them. Text
    columns take the width left over and wrap. Cells are plain text (no markup).
    """
    width = width or console.width
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [_width(c, [r[i] for r in rows]) for i, c in enumerate(cols)]
    keep = list(range(len(cols)))

    def total() -> int:
        return sum(widths[i] for i in keep) + GAP * (len(keep) - 1)

    while total() > width and any(cols[i].rank > 0 for i in keep):
        keep.remove(max((i for i in keep if cols[i].rank > 0), key=lambda i: (cols[i].rank, i)))
    spare = width - total()
    for i in keep:  # text columns grow into the room left, up to their longest cell
        if cols[i].kind == "text" and spare > 0:
            grow = min(spare, max((len(r[i]) for r in rows), default=0) - widths[i])
            if grow > 0:
                widths[i] += grow
                spare -= grow
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        min_width=min(len(title), width),  # a narrow table's title on one line
    )
    for i in keep:
        whole = cols[i].kind != "text"
        table.add_column(
            Text(cols[i].header.replace("_", " "), no_wrap=False, overflow="fold"),
            justify="right" if cols[i].kind == "num" else "left",
            width=widths[i],
            no_wrap=whole,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    left_out = [cols[i].header for i in range(len(cols)) if i not in keep]
    if left_out:
        shown = ", ".join(left_out)
        table.caption = f"not shown at {width} columns: {shown} (use a wider terminal{hint})"
        table.caption_justify = "left"
    return table


def metric_table(title: str, rows: list[tuple[str, str, str]], width: int | None = None) -> Table:
    """A ``metric | value | unit`` table of ``(metric, formatted number, unit)`` rows: the numbers
    alone in a right-aligned column (no text in a number column), the units beside them."""
    cols = [Col("metric", "id", 0), Col("value", "num", 0), Col("unit", "id", 0)]
    return fitted_table(title, cols, [list(r) for r in rows], width)


PROGRESS_BAR = 20
"""Width of a study's progress bar [characters]: with done/total and the times it leaves about 45
of 80 columns to the description."""


def study_progress(bar: bool = True, remaining: bool = False, to: Console | None = None) -> Progress:
    """The progress line of a study (sweep, pareto, evaluate, sensitivity, alternatives) on stderr:
    its description, then a bar, done/total and the elapsed (and with ``remaining``, the remaining)
    time; without ``bar`` a spinner, the description and the elapsed time. A description wider than
    its room wraps onto more lines (a word longer than the room folds): never cut, so the ids and
    numbers in it stay whole at 80 columns, piped or on a terminal. ``to``: another console (tests)."""
    text = TextColumn("{task.description}", markup=False, table_column=Column(overflow="fold"))
    columns: tuple[ProgressColumn, ...] = (
        (text, BarColumn(bar_width=PROGRESS_BAR), MofNCompleteColumn(), TimeElapsedColumn())
        if bar
        else (SpinnerColumn(), text, TimeElapsedColumn())
    )
    if remaining:
        columns += (TimeRemainingColumn(),)
    return Progress(*columns, console=to or err_console)
