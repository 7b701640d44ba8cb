"""Run HiGHS so that Ctrl-C and SIGTERM stop it within a fraction of a second.

Python runs signal handlers only in the main thread and only between bytecodes, so a signal
that arrives during a long ``Highs.run()`` would wait for the solve to end. Here the solve runs
in highspy's solver thread while the main thread waits in short joins; a KeyboardInterrupt (or
:class:`planner.errors.Terminated`) raised there asks HiGHS to stop (its interrupt callback),
waits for the solver thread, and is re-raised so the caller's cleanup runs.
"""

from __future__ import annotations

import threading

import highspy

POLL_S = 0.05
"""How often the main thread looks for signals while HiGHS runs [s]."""


def run_interruptible(h: highspy.Highs) -> None:
    """``h.run()``, interruptible by signals; the model status is read from ``h`` afterwards.

    Off the main thread (dask workers, thread pools) signals never arrive, and highspy's
    solver-thread lock is shared by all ``Highs`` objects, so a plain ``run()`` is used there.
    """
    if threading.current_thread() is not threading.main_thread():
        h.run()
        return
    h.HandleUserInterrupt = True
    thread = h.startSolve()
    try:
        while thread.is_alive():
            thread.join(POLL_S)
    except BaseException:
        h.cancelSolve()
        thread.join()
        raise
