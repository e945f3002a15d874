"""A batch on this machine: N worker processes (``--jobs N``, 1 by default).

Workers are spawned (not forked: MediaPipe and torch threads do not survive a fork), each runs
``run_job`` for one file (then a fresh process takes the next, so no state of one file's
pipeline can change another's bytes) and reports frame progress through a queue. Ctrl-C or
SIGTERM stop the batch: the workers abandon the file they are on (nothing under its final
name), files not started stay to do, and the manifest lets a re-run pick up there.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from streamfx.batch.job import FileJob, FileResult, run_job  # noqa: F401 (run_job: workers)

_progress = None  # the worker's queue to the parent


def _init(q) -> None:
    global _progress
    _progress = q
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the batch process dies (even by SIGKILL), so it
    abandons its file instead of finishing it behind a re-run's back."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _work(job: FileJob) -> FileResult:
    last = [0]

    def on_frame(n: int) -> None:
        if _progress is not None and n - last[0] >= 5:
            _progress.put(n - last[0])
            last[0] = n

    result = run_job(job, on_frame=on_frame)
    if _progress is not None:
        _progress.put(result.frames - last[0])
    return result


def run_local(
    jobs: list[FileJob], n: int, done: Callable[[FileResult], None], progress: bool
) -> list[FileResult]:
    """Run ``jobs`` on ``n`` processes (1: here); ``done`` is called as each file finishes."""
    from streamfx.batch.run import progress_bars
    from streamfx.runtime.offline import sigterm_as_interrupt

    files_bar, frames_bar = progress_bars(len(jobs), progress)
    results: list[FileResult] = []
    try:
        with sigterm_as_interrupt():
            _pool(jobs, max(1, n), done, results, files_bar, frames_bar)
    finally:
        frames_bar.close()
        files_bar.close()
    return results


def _pool(jobs, n, done, results, files_bar, frames_bar) -> None:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                frames_bar.update(q.get(timeout=0.2))
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    fresh = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
    pool = ProcessPoolExecutor(
        max_workers=n, mp_context=ctx, initializer=_init, initargs=(q,), **fresh
    )
    try:
        pending = {pool.submit(_work, job) for job in jobs}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                result = fut.result()
                results.append(result)
                done(result)
                files_bar.update(1)
                if result.state == "interrupted":
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        for proc in list(getattr(pool, "_processes", {}).values()):  # stop the files in hand
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)
        for fut in pending:
            fut.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        stop.set()
        reader.join(timeout=1.0)
