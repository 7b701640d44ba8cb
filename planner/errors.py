"""Error types of the planner, each carrying the process exit code the CLI returns.

Exit codes (see README):
    2  invalid input (scenario, catalog, run directory, command-line value)
    3  the scenario is infeasible (with an explanation)
    4  no feasible plan was found within the time limit
"""

from __future__ import annotations


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
