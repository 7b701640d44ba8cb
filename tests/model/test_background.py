"""A function run in a forked child: its value or its error comes back; HiGHS works in the child
after HiGHS ran here; no fork off the main thread."""

from __future__ import annotations

import os
import threading

import highspy
import numpy as np
import pytest

from planner.model import background
from planner.model.background import BackgroundError


def boom(text: str) -> None:
    raise ValueError(text)


def lp_objective(threads: int) -> float:
    """min x + 2 y s.t. x + y >= 3, x <= 1 (optimum 1 + 2 * 2 = 5), solved on the calling thread."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    inf = highspy.kHighsInf
    h.addVars(2, np.array([0.0, 0.0]), np.array([1.0, inf]))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([1.0, 2.0]))
    h.addRow(3.0, inf, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
    h.run()
    return h.getInfo().objective_function_value


def test_value_comes_back_from_a_child_process() -> None:
    job = background.start(lambda: (os.getpid(), 2**10))
    assert job is not None
    pid, value = job.result(timeout_s=60)
    assert value == 1024 and pid != os.getpid()


def test_errors_come_back_as_background_errors() -> None:
    with pytest.raises(BackgroundError, match="ValueError: no site"):
        background.start(boom, "no site").result(timeout_s=60)
    with pytest.raises(BackgroundError, match="does not pickle"):
        background.start(lambda: threading.Lock()).result(timeout_s=60)


def test_highs_solves_in_the_child_after_highs_ran_here() -> None:
    """Two HiGHS threads on this thread's scheduler, then a child solve: it must not wait on worker
    threads the fork did not copy (start() stops this thread's scheduler first)."""
    assert lp_objective(2) == pytest.approx(5.0)
    assert background.start(lp_objective, 1).result(timeout_s=60) == pytest.approx(5.0)
    assert lp_objective(2) == pytest.approx(5.0)  # and here again, on a new scheduler


def test_cancel_stops_a_running_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped by a signal (negative exit code), not waited for, even when the child inherited a
    SIGTERM handler that does not exit (SIGKILL follows)."""
    import signal
    import time

    job = background.start(time.sleep, 600)
    job.cancel()
    assert job.exitcode is not None and job.exitcode < 0
    monkeypatch.setattr(background, "KILL_AFTER_S", 0.2)
    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # ignored in the child until it resets
    try:
        job = background.start(time.sleep, 600)
    finally:
        signal.signal(signal.SIGTERM, previous)
    job.cancel()
    assert job.exitcode is not None and job.exitcode < 0
    with pytest.raises(BackgroundError, match="cancelled"):
        job.result(timeout_s=5)


def test_no_fork_off_the_main_thread() -> None:
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(background.start(os.getpid)))
    worker.start()
    worker.join()
    assert seen == [None] and background.can_fork()
