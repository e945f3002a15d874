"""The offline runner: every frame, in order, no drops, with a progress bar.

Used by ``streamfx edit`` (file in, file out). Ctrl-C and end of stream both end cleanly: the
sink is closed (so a file sink writes a playable file with what was done so far).
"""

from __future__ import annotations

import sys
import time

from streamfx.capture.base import Source
from streamfx.outputs.base import Sink
from streamfx.runtime.pipeline import Pipeline, close_run, open_run
from streamfx.runtime.stats import RunStats


class OfflineRunner:
    """Runs ``source -> pipeline -> sink`` frame by frame; ``run()`` returns the ``RunStats``.

    progress: show a tqdm bar on stderr (total = the source's frame count when known).
    max_frames: stop after this many frames (None: the whole source).
    fps: the sink's nominal rate (default: the source's fps, else ``default_fps``).
    t_origin: ``time.monotonic()`` of the command's start, for ``stats.first_output_s``.
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
    ) -> None:
        self.source, self.pipeline, self.sink = source, pipeline, sink
        self.progress = progress
        self.max_frames = max_frames
        self.fps = fps
        self.default_fps = default_fps
        self.t_origin = t_origin
        self.stats = RunStats()

    def run(self) -> RunStats:
        """Process every frame; the first error from the source, pipeline or sink propagates
        after everything is closed. Ctrl-C ends early with ``stats.interrupted`` set."""
        from tqdm import tqdm

        info, _ = open_run(self.source, self.pipeline, self.sink, self.fps, self.default_fps)
        self.stats = RunStats(source=info.description, sink=self.sink.name, t_origin=self.t_origin)
        total = info.frame_count
        if self.max_frames is not None:
            total = min(total, self.max_frames) if total else self.max_frames
        bar = tqdm(total=total, unit="frame", disable=not self.progress, file=sys.stderr)
        try:
            self._loop(bar)
        except KeyboardInterrupt:
            self.stats.interrupted = True
        finally:
            bar.close()
            self.stats.t_end = time.monotonic()
            close_run(self.sink, self.pipeline, self.source)
        return self.stats

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
            self.sink.write(frame)
            stats.add_time("write", time.perf_counter() - t1)
            stats.add_latency(time.monotonic() - frame.t_capture)
            stats.sent += 1
            stats.add_output()
            bar.update(1)
