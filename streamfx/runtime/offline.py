"""The offline runner: every frame, in order, no drops, with a progress bar.

Used by ``streamfx edit`` (file in, file out). End of stream closes the sink (a file sink moves
its finished file into place). Ctrl-C and SIGTERM stop the run the same way: the frame in hand
is finished, the encoder is flushed completely and the sink is *abandoned* (a file sink leaves
nothing under its final name, or keeps ``NAME.partial``); ``stats.interrupted`` is set. Any
error from the source, the pipeline or the sink abandons the sink too before it propagates.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

from streamfx.capture.base import Source
from streamfx.outputs.base import Sink
from streamfx.outputs.signals import deferred_signals
from streamfx.runtime.pipeline import Pipeline, open_run
from streamfx.runtime.stats import RunStats


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` inside the block, like Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class OfflineRunner:
    """Runs ``source -> pipeline -> sink`` frame by frame; ``run()`` returns the ``RunStats``.

    progress: show a tqdm bar on stderr (total = the source's frame count when known).
    max_frames: stop after this many frames (None: the whole source).
    fps: the sink's nominal rate (default: the source's fps, else ``default_fps``).
    t_origin: ``time.monotonic()`` of the command's start, for ``stats.first_output_s``.
    on_frame: called with the number of frames done after each frame (batch progress).
    """

    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        sink: Sink,
        *,
        progress: bool = True,
        max_frames: int | None = None,
        fps: float | None = None,
        default_fps: float = 30.0,
        t_origin: float | None = None,
        on_frame: Callable[[int], None] | None = None,
    ) -> None:
        self.source, self.pipeline, self.sink = source, pipeline, sink
        self.progress = progress
        self.max_frames = max_frames
        self.fps = fps
        self.default_fps = default_fps
        self.t_origin = t_origin
        self.on_frame = on_frame
        self.stats = RunStats()

    def run(self) -> RunStats:
        """Process every frame; the first error from the source, pipeline or sink propagates
        after everything is closed (the sink abandoned). Ctrl-C / SIGTERM end early with
        ``stats.interrupted`` set."""
        from tqdm import tqdm

        with sigterm_as_interrupt():
            info, _ = open_run(self.source, self.pipeline, self.sink, self.fps, self.default_fps)
            self.stats = RunStats(
                source=info.description, sink=self.sink.name, t_origin=self.t_origin, live=False
            )
            total = info.frame_count
            if self.max_frames is not None:
                total = min(total, self.max_frames) if total else self.max_frames
            self.stats.expected = total
            bar = tqdm(total=total, unit="frame", disable=not self.progress, file=sys.stderr)
            complete = False
            try:
                self._loop(bar)
                complete = True
            except KeyboardInterrupt:
                self.stats.interrupted = True
            finally:
                bar.close()
                self.stats.t_end = time.monotonic()
                self.stats.skipped_packets = self.source.skipped_packets
                self._close(complete)
        return self.stats

    def _close(self, complete: bool) -> None:
        """Close (or, when the run did not complete, abandon) the sink, then the pipeline and
        the source, each even when the one before failed; a second Ctrl-C waits for it."""
        try:
            try:
                self.sink.close() if complete else self.sink.abandon()
            finally:
                self.pipeline.close()
                self.source.close()
                self.source.info = None
        except KeyboardInterrupt:  # pragma: no cover - a signal during the last closes
            self.stats.interrupted = True

    def _loop(self, bar) -> None:
        stats = self.stats
        while self.max_frames is None or stats.sent < self.max_frames:
            t0 = time.perf_counter()
            frame = self.source.read()
            if frame is None:
                break
            frame.timings["read"] = time.perf_counter() - t0
            stats.captured += 1
            frame = self.pipeline.process(frame)
            stats.add_frame(frame)
            t1 = time.perf_counter()
            with deferred_signals():  # Ctrl-C never falls between a frame written and counted
                self.sink.write(frame)
                stats.sent += 1
            stats.add_time("write", time.perf_counter() - t1)
            stats.add_latency(time.monotonic() - frame.t_capture)
            stats.add_output()
            bar.update(1)
            if self.on_frame is not None:
                self.on_frame(stats.sent)
