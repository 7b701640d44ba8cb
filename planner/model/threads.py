"""HiGHS thread settings.

HiGHS keeps one global task scheduler per process; a solve that asks for a different thread
count than the scheduler was started with ends in an error unless the scheduler is reset.
"""

from __future__ import annotations

import highspy

_SCHEDULER_THREADS: list[int] = []


def use_threads(h: highspy.Highs, threads: int) -> None:
    """Set ``threads`` on ``h``, resetting the global scheduler when the count changes."""
    if _SCHEDULER_THREADS and _SCHEDULER_THREADS[-1] != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER_THREADS[:] = [threads]
    h.setOptionValue("threads", int(threads))
