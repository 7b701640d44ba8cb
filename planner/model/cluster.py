"""The dask.distributed engine shared by sweeps, Pareto frontiers and the decomposition.

One convention everywhere: a :class:`~distributed.LocalCluster` of processes with one thread
each on loopback by default, or an existing scheduler at ``tcp://host:port`` so that one large
solve (its site subproblems) or a sweep (its points) can use more machines than one. Kept at
the model layer, the lowest one that needs it (the Lagrangian bound); ``planner.studies``
re-exports it.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from planner.errors import InputError

MAX_WORKERS = 256
"""Most local Dask worker processes a command starts."""
SCHEDULER_ADDRESS = re.compile(
    r"^(tcp|tls|ucx)://[A-Za-z0-9_.\-]+:[0-9]{1,5}$|^(tcp|tls|ucx)://\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$"
)
"""A Dask scheduler address: ``tcp://host:port`` (also ``tls://``, ``ucx://``, ``[IPv6]`` hosts)."""


def check_cluster(scheduler: str | None, workers: int | None) -> None:
    """Refuse a malformed ``--scheduler`` address or a ``--workers`` count outside 1..MAX_WORKERS,
    before anything is solved or written."""
    if scheduler is not None and not SCHEDULER_ADDRESS.match(scheduler):
        raise InputError(
            f"--scheduler '{scheduler}': not a scheduler address; expected tcp://host:port, "
            "e.g. tcp://127.0.0.1:8786"
        )
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers {workers}: must be between 1 and {MAX_WORKERS}")


@contextlib.contextmanager
def main_not_reimported() -> Iterator[None]:
    """While open, processes started with ``spawn`` (dask's worker processes) do not re-run the
    caller's ``__main__`` module.

    A spawned child imports the parent's main script again (as ``__mp_main__``) when the parent's
    ``__main__`` names a file (``__file__``) or a module (``__spec__``): a script that calls
    ``planner.sweep`` at top level, without ``if __name__ == "__main__":``, would then sweep again
    in every worker, whose start fails (multiprocessing refuses a process started during that
    import) and the cluster dies with ``Nanny failed to start``. The planner's worker tasks are
    functions of the ``planner`` package, so the workers never need the caller's main module:
    both attributes are hidden from multiprocessing while the cluster lives (worker restarts
    included) and restored afterwards.
    """
    main = sys.modules.get("__main__")
    names = ("__file__", "__spec__")
    hidden = {k: main.__dict__[k] for k in names if main is not None and k in main.__dict__}
    for key in hidden:
        setattr(main, key, None)
    try:
        yield
    finally:
        for key, value in hidden.items():
            setattr(main, key, value)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (``tcp://host:port``) or to a new LocalCluster
    of ``workers`` processes with one thread each (closed on exit)."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError for a bad address
            reason = f"{type(exc).__name__}: {exc}"
            raise InputError(f"--scheduler {scheduler}: cannot connect ({reason})") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError(f"--workers {workers}: must be at least 1")
    with (
        main_not_reimported(),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,  # failures are reported by the caller; a stop prints one line
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
