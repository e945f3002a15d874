"""Stages and the pipeline that runs them in order, always timing each one.

A stage is any object with ``name: str`` and ``process(frame) -> Frame`` (and optionally
``close()``). The pipeline writes each stage's seconds into ``frame.timings[stage.name]`` and the
CPU seconds of the thread that ran it (``time.thread_time``) into ``frame.cpu[stage.name]``
(work a stage hands to other threads is not in it: MediaPipe runs its inference on its own
threads, so the track stage's CPU is mostly our side of it). A stage
that raises is degraded around: the frame continues without that stage's work and the failure
is recorded in ``frame.errors`` (the runner counts it in ``RunStats``, shows it in the summary
and, offline, in the exit code). Only ``PipelineError`` (a stage saying it cannot be degraded
around) propagates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from streamfx.errors import PipelineError
from streamfx.record import Frame, StageError

log = logging.getLogger(__name__)


@runtime_checkable
class Closable(Protocol):
    """A stage holding resources (a tracker, a backend)."""

    def close(self) -> None: ...


@runtime_checkable
class Stage(Protocol):
    """One step of the pipeline. ``close()`` is optional (released by ``Pipeline.close``)."""

    name: str

    def process(self, frame: Frame) -> Frame:
        """Add this stage's fields to ``frame`` and return it (never modify ``frame.image``)."""
        ...


class Pipeline:
    """Runs ``stages`` in order over a frame, timing each.

    stages: objects with ``name`` and ``process(frame) -> Frame`` (see ``Stage``).
    """

    def __init__(self, stages: Iterable[Stage] = ()) -> None:
        self.stages: list[Stage] = list(stages)
        for stage in self.stages:
            if not callable(getattr(stage, "process", None)) or not getattr(stage, "name", ""):
                raise TypeError(f"a stage needs a name and process(frame); got {stage!r}")

    @property
    def names(self) -> list[str]:
        """Stage names in order."""
        return [stage.name for stage in self.stages]

    def describe(self) -> str:
        """e.g. ``"track -> edit -> compose"``."""
        return " -> ".join(self.names) or "(empty)"

    def split_point(self) -> int | None:
        """Index of the expensive stage (the first named ``edit``) when stages run before it.

        The live runner overlaps ``stages[:k]`` (tracking) of one frame with ``stages[k:]``
        (editing, compositing) of the previous one; None when there is nothing to overlap.
        """
        k = next((i for i, stage in enumerate(self.stages) if stage.name == "edit"), None)
        return k if k else None

    def process(self, frame: Frame, start: int = 0, stop: int | None = None) -> Frame:
        """Run stages ``start..stop`` (default: all) on ``frame``; ``frame.timings[name]`` gets
        each stage's seconds, ``frame.cpu[name]`` the CPU seconds of this thread meanwhile (plus
        what the stage itself put there: the CPU of helper threads it ran work on)."""
        for stage in self.stages[start:stop]:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            output = frame.output
            try:
                frame = stage.process(frame)
            except PipelineError:
                raise
            except Exception as exc:  # degrade: continue without this stage's work
                frame.output = output
                frame.errors.append(StageError(stage.name, f"{type(exc).__name__}: {exc}"))
            frame.timings[stage.name] = time.perf_counter() - t0
            own = time.thread_time() - c0
            frame.cpu[stage.name] = frame.cpu.get(stage.name, 0.0) + own
        return frame

    def close(self) -> None:
        """Close every stage that has ``close()``; errors are logged, not raised."""
        for stage in self.stages:
            if not isinstance(stage, Closable):
                continue
            try:
                stage.close()
            except Exception as exc:
                log.warning("closing stage %s failed: %s", stage.name, exc)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_run(
    source: Any, pipeline: Pipeline, sink: Any, fps: float | None, default_fps: float
) -> tuple[Any, float]:
    """Start of a run: start the source (unless started) and open the sink at ``fps``, else the
    source's rate, else ``default_fps``; -> (source info, rate). When the sink cannot open,
    the source and the pipeline are closed before the error propagates."""
    info = source.info or source.start()
    rate = float(fps or info.fps or default_fps)
    try:
        sink.open(info.width, info.height, rate)
    except BaseException:
        source.close()
        source.info = None
        pipeline.close()
        raise
    return info, rate


def close_run(sink: Any, pipeline: Pipeline, source: Any) -> None:
    """End of a run: close the sink first (flushing a file), then the pipeline and the source,
    each even when the one before it failed."""
    try:
        sink.close()
    finally:
        pipeline.close()
        source.close()
        source.info = None


def passthrough_pipeline() -> Pipeline:
    """The pipeline of ``--editor none``: a single pass-through edit (I/O and timing only)."""
    from streamfx.runtime.stages import PassthroughStage

    return Pipeline([PassthroughStage()])
