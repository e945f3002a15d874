"""A batch as Ray tasks, one per file (``--ray ADDRESS``; the ``streamfx[scale]`` extra).

``ADDRESS``: ``auto`` (the cluster this machine belongs to, after ``ray start``),
``ray://HOST:10001`` (a remote cluster through Ray Client) or ``local`` (a Ray started here,
for a test or one big machine). Each task runs ``run_job`` (the same function as a single
edit, so the same bytes) and writes its output atomically, so the output folder must be on
storage every node sees under the same path. A task lost with its worker (a node gone, a
killed process) is retried by Ray (``max_retries``); a file that fails is a failed result,
never retried, and never stops the batch. The driver alone writes the manifest.
"""

from __future__ import annotations

from collections.abc import Callable

from streamfx.batch.job import FileJob, FileResult, run_job
from streamfx.errors import require

MAX_RETRIES = 3


def _task(job: FileJob) -> FileResult:
    return run_job(job)


def connect(address: str):
    """The ``ray`` module, connected (an already connected driver is reused)."""
    ray = require("ray", extra="scale")
    if not ray.is_initialized():
        if address == "local":
            ray.init(log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    return ray


def run_ray(
    jobs: list[FileJob], address: str, done: Callable[[FileResult], None], progress: bool
) -> list[FileResult]:
    """Run ``jobs`` as Ray tasks; ``done`` is called (here, on the driver) as each finishes."""
    from streamfx.batch.run import progress_bars

    ray = connect(address)
    # max_calls=1: a fresh worker process per file, so no state of one file's pipeline can
    # change another's bytes
    task = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False, num_cpus=1, max_calls=1)(
        _task
    )
    files_bar, frames_bar = progress_bars(len(jobs), progress)
    results: list[FileResult] = []
    pending = [task.remote(job) for job in jobs]
    by_ref = dict(zip(pending, jobs, strict=True))
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                try:
                    result = ray.get(ref)
                except Exception as exc:  # the task could not run even after its retries
                    job = by_ref[ref]
                    result = FileResult(job.input, job.output, "failed", error=f"ray: {exc}")
                results.append(result)
                done(result)
                files_bar.update(1)
                frames_bar.update(result.frames)
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref)
        raise
    finally:
        frames_bar.close()
        files_bar.close()
    return results
