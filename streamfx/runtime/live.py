"""The threaded live runner: capture -> pipeline -> paced output, never stalling on each other.

Threads and hand-offs (each hand-off is a depth-1 latest-wins ``LatestSlot``):

    capture thread --[capture slot]--> pipeline thread --[output slot]--> output loop (caller)

With ``overlap`` (the default) the pipeline runs in two threads split before its expensive stage
(``Pipeline.split_point``): tracking of frame N+1 overlaps editing of frame N, so throughput is
set by the slower half instead of the sum. The first half starts a frame only once the second
took the one before (pull), and just in time: it waits until it would finish about when the
second half does (running means of both), then tracks the freshest capture. No tracked frame is
thrown away (wasted CPU the editor needs), and none waits between the halves.

- capture never blocks: a frame the pipeline has not taken yet is replaced and counted as
  dropped (the only place frames are dropped: before the expensive stage);
- the last pipeline segment takes a new frame only once the output took its previous result,
  and waits up to about one output period before a put, so a processed frame is not thrown
  away (if it still is, it is counted as ``superseded``, shown in the table and status line);
- the output loop sends at the source fps (a credit refilled at that rate, +5%): a processed
  frame goes out as soon as it arrives (not at the next tick of a fixed clock, which held it up
  to a period), and when none comes for 1.5 periods the last one is re-sent, then every period
  (counted as repeated);
- a ``SourceError`` from ``read`` (camera unplugged) makes the capture thread reopen the source
  with exponential backoff; meanwhile the sink keeps getting the last good frame and, after
  ``slate_after_s``, a "reconnecting..." slate. The runner never dies of it;
- Ctrl-C, ``stop()``, end of stream, ``max_frames`` or ``duration_s`` end the run cleanly: the
  frame in flight is finished and written, then sink (flushed), pipeline and source are closed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import SourceError
from streamfx.outputs.base import Sink
from streamfx.outputs.signals import deferred_signals
from streamfx.record import Frame, StageError
from streamfx.runtime.handoff import LatestSlot
from streamfx.runtime.pipeline import Pipeline, close_run, open_run
from streamfx.runtime.slate import make_slate
from streamfx.runtime.stats import RunStats

#: A just-in-time start of the first segment aims to be ready this much before the second.
JIT_MARGIN_S = 0.004

log = logging.getLogger(__name__)

#: The output's pacing credit (sends) refills at REFILL x the output fps, is at most 1, and a
#: send needs it >= 0 and MIN_GAP periods since the previous send: a frame may go out up to a
#: period early, and the 5% headroom pays back a debt, so frames arriving at exactly the fps
#: are never locked to the phase of a clock (the long-run rate is at most 1.05 x fps); see
#: ``LiveRunner._output_loop``.
CREDIT_MAX, CREDIT_NEEDED, MIN_GAP, REFILL = 1.0, 0.0, 0.25, 1.05


class LiveRunner:
    """Runs ``source -> pipeline -> sink`` live; ``run()`` blocks and returns the ``RunStats``.

    fps: output clock rate (default: the source's fps, else ``default_fps``).
    reconnect: reopen the source after a ``SourceError`` (else the run ends with the error).
    backoff_s: (first, longest) wait between reopening attempts; doubles after each failure.
    slate_after_s: how long the last good frame is repeated before the "reconnecting" slate.
    max_frames / duration_s: stop after this many frames sent / seconds (None: no limit).
    pace: pace non-live sources (files, demo, images) at their pts, like a camera.
    overlap: run the stages before the expensive one in their own thread (see above).
    on_stats: called with the stats every ``stats_every_s`` seconds from the output loop.
    t_origin: ``time.monotonic()`` of the command's start, for ``stats.first_output_s``.
    controls: live controls (``streamfx.runtime.controls.LiveControls``) the stages read; the
    runner adds their style-swap latencies to the stats and sends them a ``stats`` event every
    ``stats_every_s``. ``last_output`` is the newest frame sent (for a preview).
    """

    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        sink: Sink,
        *,
        fps: float | None = None,
        reconnect: bool = True,
        backoff_s: tuple[float, float] = (0.2, 5.0),
        slate_after_s: float = 1.0,
        max_frames: int | None = None,
        duration_s: float | None = None,
        pace: bool = True,
        overlap: bool = True,
        on_stats: Callable[[RunStats], None] | None = None,
        stats_every_s: float = 1.0,
        default_fps: float = 30.0,
        t_origin: float | None = None,
        controls: Any = None,
    ) -> None:
        self.source, self.pipeline, self.sink = source, pipeline, sink
        self.fps = fps
        self.reconnect = reconnect
        self.backoff_s = backoff_s
        self.slate_after_s = slate_after_s
        self.max_frames = max_frames
        self.duration_s = duration_s
        self.pace = pace
        k = pipeline.split_point() if overlap else None
        n = len(pipeline.stages)
        self._segments = [(0, k), (k, n)] if k else [(0, n)]
        self.on_stats = on_stats
        self.stats_every_s = stats_every_s
        self.default_fps = default_fps
        self.t_origin = t_origin
        self.stats = RunStats()
        self._stop = threading.Event()
        self._capture_done = threading.Event()
        self._worker_done = threading.Event()
        self._capture_slot: LatestSlot[Frame] = LatestSlot()
        self._output_slot: LatestSlot[Frame] = LatestSlot()
        # hand-offs in order: capture slot, one between overlapped segments, output slot
        self._slots = [self._capture_slot]
        self._slots += [LatestSlot() for _ in self._segments[1:]] + [self._output_slot]
        self._done = [self._capture_done] + [threading.Event() for _ in self._segments[1:]]
        self._done.append(self._worker_done)
        self._error: BaseException | None = None
        self._lost_since: float | None = None
        self._info: SourceInfo | None = None
        self._period = 1.0 / 30.0  # output clock period, set by run()
        self._warned: set[str] = set()
        self._durations: list[float | None] = [None] * len(self._segments)
        self.controls = controls
        self.last_output: Frame | None = None

    @property
    def reconnecting(self) -> bool:
        """True while the source is lost and being reopened."""
        return self._lost_since is not None

    def stop(self) -> None:
        """Ask the run to end (thread-safe); ``run()`` returns after a clean shutdown."""
        self._stop.set()

    def run(self) -> RunStats:
        """Open source and sink, run until stopped or end of stream, close everything."""
        info, fps = open_run(self.source, self.pipeline, self.sink, self.fps, self.default_fps)
        self._info = info
        self._period = 1.0 / fps
        self.stats = RunStats(source=info.description, sink=self.sink.name, t_origin=self.t_origin)
        unsubscribe = None
        if self.controls is not None:
            unsubscribe = self.controls.subscribe(self._on_event)
        threads = [
            threading.Thread(target=self._capture_loop, name="streamfx-capture", daemon=True)
        ]
        for i in range(len(self._segments)):
            name = f"streamfx-pipeline-{i}"
            threads.append(threading.Thread(target=self._worker_loop, args=(i,), name=name))
            threads[-1].daemon = True
        for t in threads:
            t.start()
        try:
            self._output_loop(fps)
        except KeyboardInterrupt:
            self.stats.interrupted = True
        finally:
            if unsubscribe is not None:
                unsubscribe()
            self._shutdown(threads)
        if self._error is not None:
            raise self._error
        return self.stats

    # -- capture thread ---------------------------------------------------------------------

    def _capture_loop(self) -> None:
        pace = self.pace and not self._info.live
        origin: tuple[float, float] | None = None  # (monotonic, pts) of the first paced frame
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    frame = self.source.read()
                except SourceError as exc:
                    if not self.reconnect:
                        raise
                    self._reopen(exc)
                    origin = None
                    continue
                if frame is None:
                    break
                frame.timings["read"] = time.perf_counter() - t0
                if pace and frame.pts is not None:
                    origin = origin or (time.monotonic(), frame.pts)
                    wait = origin[0] + (frame.pts - origin[1]) - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        break
                    frame.t_capture = time.monotonic()
                if self.stats.t_first is None:
                    self.stats.t_first = frame.t_capture
                self.stats.count("captured")
                if self._capture_slot.put(frame):
                    self.stats.count("dropped")
        except BaseException as exc:
            self._fail(exc)
        finally:
            self._capture_done.set()

    def _reopen(self, exc: Exception) -> None:
        """Reopen the source with exponential backoff until it works or the run stops."""
        self.stats.count("source_errors")
        self._lost_since = time.monotonic()
        log.warning("source failed (%s); reconnecting", exc)
        delay, longest = self.backoff_s
        while not self._stop.is_set():
            try:
                self.source.close()
            except Exception:
                pass
            if self._stop.wait(delay):
                return
            try:
                self._info = self.source.start()
            except Exception as again:
                log.info("reopening the source failed (%s); next try in %.1fs", again, delay)
                delay = min(delay * 2, longest)
                continue
            self.stats.count("reconnects")
            self._lost_since = None
            log.warning("source back: %s", self._info.description)
            return

    # -- pipeline thread --------------------------------------------------------------------

    def _worker_loop(self, index: int) -> None:
        """Runs pipeline segment ``index`` between slot ``index`` and slot ``index + 1``."""
        inp, out = self._slots[index], self._slots[index + 1]
        upstream_done = self._done[index]
        last = index == len(self._segments) - 1
        try:
            while True:
                if last:  # take the freshest input only once the output can use its result
                    self._wait_taken(out)
                    if self._stop.is_set() and len(out):
                        break  # stopping, and the output slot is full: more would be thrown away
                else:  # start the next frame once the next segment took the previous one
                    self._wait_pulled(index)
                frame = inp.get(timeout=0.05)
                if frame is None:
                    drained = upstream_done.is_set() and not len(inp)
                    if self._stop.is_set() or drained:
                        break
                    continue
                t0 = time.perf_counter()
                frame = self._process(frame, index, last)
                self._note_duration(index, time.perf_counter() - t0)
                if last:  # the work is done: let the output take the previous frame first
                    self._wait_taken(out)
                if out.put(frame):
                    self.stats.count("superseded" if last else "dropped")
        except BaseException as exc:
            self._fail(exc)
        finally:
            self._done[index + 1].set()

    def _wait_pulled(self, index: int) -> None:
        """Wait until segment ``index + 1`` took the frame segment ``index`` handed it (or the
        run stops, or that segment ended). The early segment (tracking) then works on the
        freshest capture while the expensive one works on the previous frame: none of its
        results is thrown away (that work would only take CPU from the expensive stage) and
        none waits in the hand-off longer than the rest of the expensive stage's frame."""
        out, downstream_done = self._slots[index + 1], self._done[index + 1]
        while not (self._stop.is_set() or downstream_done.is_set()):
            if out.wait_empty(0.02):
                break
        # just in time: finish about when the next segment does, on a fresher capture
        ahead, mine = self._durations[index + 1], self._durations[index]
        if ahead is not None and mine is not None:
            lead = ahead - mine - JIT_MARGIN_S
            if lead > 0:
                self._stop.wait(min(lead, 4 * self._period))

    def _note_duration(self, index: int, seconds: float) -> None:
        """Running mean (exponential) of segment ``index``'s seconds per frame."""
        old = self._durations[index]
        self._durations[index] = seconds if old is None else old + 0.2 * (seconds - old)

    def _wait_taken(self, out: LatestSlot[Frame]) -> None:
        """Wait up to about one output period (never past stop) until the output took its frame.

        Drops then happen before the expensive stage (capture slot, hand-off between the
        segments), not after it; a frame still replaced here is counted as ``superseded``.
        """
        deadline = time.monotonic() + 1.5 * self._period  # a period, plus slack for jitter
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or out.wait_empty(min(left, 0.02)):
                return

    def _process(self, frame: Frame, index: int = 0, last: bool = True) -> Frame:
        start, stop = self._segments[index]
        try:
            frame = self.pipeline.process(frame, start, stop)
        except Exception as exc:  # degrade: show the raw frame, keep the stream alive
            frame.output = None
            frame.errors.append(StageError("pipeline", f"{type(exc).__name__}: {exc}"))
        for error in frame.errors:
            if error.stage not in self._warned:
                self._warned.add(error.stage)
                log.warning("%s failed (degraded, stream goes on): %s", error.stage, error.message)
        if last:
            self.stats.add_frame(frame)
        return frame

    # -- output loop (caller's thread) ------------------------------------------------------

    def _output_loop(self, fps: float) -> None:
        period = 1.0 / fps
        now = time.monotonic()
        next_report = now + self.stats_every_s
        last: Frame | None = None
        slate: Frame | None = None
        # Sends are paced by a credit that refills at ``fps`` (CREDIT_MAX, ..., REFILL): a
        # processed frame goes out as soon as it arrives and the credit allows (a fixed clock
        # tick would hold it up to a period), at least MIN_GAP periods after the previous send;
        # with no new frame for 1.5 periods the last one is repeated, then every period.
        credit, t_credit, last_send, gap = 1.0, now, -math.inf, period
        while not self._stop.is_set() and not self._limits_reached():
            now = time.monotonic()
            credit, t_credit = min(CREDIT_MAX, credit + (now - t_credit) * REFILL / period), now
            wait = max(0.0, CREDIT_NEEDED - credit) * period / REFILL
            go = max(now + wait, last_send + MIN_GAP * period)
            if go > now and self._stop.wait(go - now):
                break
            repeat_at = max(go, last_send + gap) if last is not None else go + period
            left = repeat_at - time.monotonic()
            if left > 0:
                frame = self._output_slot.get(timeout=left)
            else:
                frame = self._output_slot.take_nowait()
            now = time.monotonic()
            credit, t_credit = min(CREDIT_MAX, credit + (now - t_credit) * REFILL / period), now
            sent = True
            if frame is not None:
                self._send(frame, fresh=True)
                last, slate = frame, None
            elif self._worker_done.is_set():
                break  # end of stream (or a failed thread), everything sent
            elif self._lost_since is not None and self._lost_for() > self.slate_after_s:
                slate = slate or self._slate(last)
                self._send(slate, fresh=False)
                self.stats.count("slates")
            elif last is not None:
                self._send(last, fresh=False)
            else:
                sent = False  # nothing to show yet
            if sent:
                credit, last_send = credit - 1.0, now
                # a new frame is awaited 1.5 periods before the last one is repeated (arrival
                # jitter must not cost a repeat and then half a period); repeats: every period
                gap = 1.5 * period if frame is not None else period
            if time.monotonic() >= next_report:
                next_report += self.stats_every_s
                self._report()

    def _limits_reached(self) -> bool:
        if self.sink.wants_stop:
            return True
        if self.max_frames is not None and self.stats.sent >= self.max_frames:
            return True
        return self.duration_s is not None and self.stats.elapsed >= self.duration_s

    def _lost_for(self) -> float:
        lost = self._lost_since
        return 0.0 if lost is None else time.monotonic() - lost

    def _slate(self, last: Frame | None) -> Frame:
        w, h = self._info.width, self._info.height
        image = make_slate(last.result if last is not None else None, w, h)
        return Frame(image=image, pts=None, t_capture=time.monotonic(), slate=True)

    def _send(self, frame: Frame, fresh: bool) -> None:
        t0 = time.perf_counter()
        with deferred_signals():  # Ctrl-C never falls between a frame written and counted
            self.sink.write(frame)
            self.stats.count("sent")
        self.stats.add_time("write", time.perf_counter() - t0)
        self.stats.add_output(fresh)
        self.last_output = frame
        if fresh:
            self.stats.add_latency(time.monotonic() - frame.t_capture)
        else:
            self.stats.count("repeated")

    def _report(self) -> None:
        self.sink.set_overlay(self.stats.line())
        if self.on_stats is not None:
            self.on_stats(self.stats)
        if self.controls is not None:
            self.controls.emit("stats", self.stats.summary())

    def _on_event(self, event: str, data: dict) -> None:
        if event == "swap":
            self.stats.add_swap(data["latency_ms"] / 1e3)

    # -- shutdown ---------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self._stop.set()

    def _shutdown(self, threads: list[threading.Thread]) -> None:
        """Stop the threads, write the frame in flight, close sink (flush), pipeline, source."""
        self._stop.set()
        for slot in self._slots[:-1]:
            slot.close()
        for t in threads[1:]:
            t.join(timeout=30.0)  # each pipeline thread finishes the frame it is on
        leftover = self._output_slot.take_nowait()
        try:
            if leftover is not None and self._error is None:
                self._send(leftover, fresh=True)
        finally:
            threads[0].join(timeout=2.0)
            self.stats.t_end = time.monotonic()
            close_run(self.sink, self.pipeline, self.source)
