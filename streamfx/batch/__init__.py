"""Offline editing of one file or many: the per-file job (``edit_file``), the batch over a
folder or a glob with a resumable manifest (``run_batch``), local worker processes
(``--jobs N``) and Ray tasks for many machines (``--ray ADDRESS``, the ``streamfx[scale]``
extra)."""

from __future__ import annotations

from streamfx.batch.job import FileJob, FileResult, edit_file, run_job

__all__ = ["FileJob", "FileResult", "edit_file", "run_job"]
