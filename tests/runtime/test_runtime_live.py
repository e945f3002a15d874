"""The live runner with real threads: drops, bounded latency, reconnects, clean shutdown."""

from __future__ import annotations

import _thread
import threading
import time
from pathlib import Path

import av
import numpy as np

from streamfx.capture.base import Source, SourceInfo
from streamfx.capture.synthetic import pattern, pattern_index, write_clip
from streamfx.capture.video import VideoSource
from streamfx.errors import SourceError
from streamfx.outputs import FileSink, NullSink
from streamfx.record import Frame
from streamfx.runtime import LiveRunner, PassthroughStage, Pipeline, format_timings


class TickSource(Source):
    """A live source producing a 48x16 pattern frame every ``period`` seconds, forever."""

    def __init__(self, period: float = 0.002) -> None:
        self.period = period
        self.n = 0
        self.closed = 0
        self._t0 = 0.0

    def open(self) -> SourceInfo:
        self._t0 = self.now()
        return SourceInfo(width=48, height=16, fps=50.0, live=True, description="tick")

    def read(self) -> Frame | None:
        time.sleep(self.period)
        t = self.now()
        frame = Frame(image=pattern(self.n, 48, 16), pts=t - self._t0, t_capture=t, index=self.n)
        self.n += 1
        return frame

    def close(self) -> None:
        self.closed += 1


class FlakySource(TickSource):
    """Fails after ``fail_at`` frames (like an unplugged camera), refuses ``refusals`` reopen
    attempts, then works again."""

    def __init__(self, fail_at: int, refusals: int) -> None:
        super().__init__(period=0.01)
        self.fail_at, self.refusals = fail_at, refusals
        self.failed = False
        self.opens = 0

    def open(self) -> SourceInfo:
        self.opens += 1
        if self.failed and self.refusals > 0:
            self.refusals -= 1
            raise SourceError("camera 0 does not exist (test)")
        return super().open()

    def read(self) -> Frame | None:
        if self.n == self.fail_at and not self.failed:
            self.failed = True
            raise SourceError("camera 0 stopped delivering frames (test)")
        return super().read()


class SlowStage:
    def __init__(self, seconds: float, name: str = "slow") -> None:
        self.seconds, self.name = seconds, name
        self.closed = False
        self.busy = threading.Event()

    def process(self, frame: Frame) -> Frame:
        self.busy.set()
        time.sleep(self.seconds)
        frame.output = frame.image
        return frame

    def close(self) -> None:
        self.closed = True


class RecordingSink(NullSink):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[int, bool]] = []  # (pattern index or -1, slate)
        self.closed = False

    def write(self, frame: Frame) -> None:
        super().write(frame)
        slate = frame.slate
        self.log.append((-1 if slate else pattern_index(frame.result), slate))

    def close(self) -> None:
        self.closed = True


def test_fast_source_slow_pipeline_drops_before_pipeline_with_bounded_latency() -> None:
    source, sink = TickSource(period=0.002), RecordingSink()
    stage = SlowStage(0.04)
    stats = LiveRunner(source, Pipeline([stage, PassthroughStage()]), sink, duration_s=1.2).run()
    s = stats.summary()
    assert s["captured"] > 3 * s["processed"] > 0  # capture ran at its own pace
    assert s["dropped"] >= s["captured"] - s["processed"] - 2  # every unprocessed frame counted
    assert s["dropped"] > 0 and s["superseded"] <= 1  # (one at most, racing the shutdown)
    # latency stays near one pipeline pass; a queue of every frame would grow with the run
    assert s["latency_ms"]["max"] < 0.5 * s["elapsed_s"] * 1e3, s["latency_ms"]
    assert s["stages"]["slow"]["p50_ms"] >= 40
    assert s["fps_out"] > 35  # the output clock ran at the source fps, repeating frames
    # rates count from the first frame captured, so start-up does not lower them
    assert stats.t_start <= stats.t_first and 0 < s["streamed_s"] <= s["elapsed_s"]
    assert s["fps_in"] == s["captured"] / s["streamed_s"]
    assert s["repeated"] > 0 and s["edit"] == "passthrough"
    table = format_timings(stats)
    assert "edit (passthrough)" in table and "slow" in table and "dropped" in table
    assert sink.closed and stage.closed and source.closed


def test_source_failing_mid_stream_is_reopened_and_sink_never_starves() -> None:
    source, sink = FlakySource(fail_at=15, refusals=3), RecordingSink()
    runner = LiveRunner(
        source,
        Pipeline([PassthroughStage()]),
        sink,
        fps=50.0,
        backoff_s=(0.05, 0.2),
        slate_after_s=0.15,
        duration_s=1.6,
    )
    stats = runner.run()
    assert stats.source_errors == 1 and stats.reconnects == 1
    assert source.opens == 1 + 3 + 1
    indexes = [i for i, slate in sink.log]
    first_slate = next(k for k, (_, slate) in enumerate(sink.log) if slate)
    assert indexes[first_slate - 1] == 14  # last good frame repeated until the slate
    assert stats.slates > 0 and stats.repeated > stats.slates
    after = [i for i, slate in sink.log[first_slate:] if not slate]
    assert after and max(after) > 15  # new frames flow again after the reconnect
    # the sink got a frame at every tick of the outage (never a gap longer than a few ticks)
    assert len(sink.log) >= 0.6 * 50 * stats.elapsed


def test_stop_with_frame_in_flight_finishes_it_and_flushes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "live.mkv"
    stage = SlowStage(0.25)
    runner = LiveRunner(TickSource(0.01), Pipeline([stage]), FileSink(out, codec="mpeg4"))
    threading.Timer(0.6, runner.stop).start()
    stats = runner.run()  # returns after stop(), with the frame in flight finished
    assert stage.closed
    with av.open(str(out)) as c:
        decoded = sum(1 for _ in c.decode(video=0))
    assert decoded == stats.sent > 0
    assert stats.processed >= 2  # including the one in flight at stop()


def test_ctrl_c_shuts_down_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "ctrlc.mp4"
    source = TickSource(0.005)
    runner = LiveRunner(source, Pipeline([SlowStage(0.02)]), FileSink(out))
    threading.Timer(0.5, _thread.interrupt_main).start()
    stats = runner.run()
    assert stats.interrupted and source.closed
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == stats.sent > 5


def test_end_of_file_ends_the_run_with_every_frame_paced(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "c.mp4", frames=12, fps=25, audio=None)
    sink = RecordingSink()
    t0 = time.monotonic()
    stats = LiveRunner(VideoSource(clip), Pipeline([PassthroughStage()]), sink).run()
    took = time.monotonic() - t0
    assert 0.35 < took < 2.0  # paced like a camera: 12 frames at 25 fps
    assert stats.captured == 12 and stats.dropped == 0
    fresh = [i for i, _ in sink.log]
    assert sorted(set(fresh)) == list(range(12))


def test_pipeline_failure_degrades_to_the_raw_frame() -> None:
    class Boom:
        name = "boom"

        def process(self, frame: Frame) -> Frame:
            frame.output = np.zeros_like(frame.image)
            raise RuntimeError("kaput")

    sink = RecordingSink()
    pipe = Pipeline([Boom()])
    stats = LiveRunner(TickSource(0.01), pipe, sink, duration_s=0.3).run()
    assert stats.processed > 0 and sink.frames > 0
    assert stats.stage_errors == stats.processed  # every degraded frame counted
    assert stats.errors["boom"] == ["RuntimeError: kaput", stats.processed]
    assert "DEGRADED: stage failed on" in stats.line()  # the status line says so
    assert f"stage boom failed on {stats.processed} frames: RuntimeError: kaput" in format_timings(
        stats
    )
    assert all(i >= 0 for i, _ in sink.log)  # the raw pattern frames, not black


def test_overlap_runs_tracking_and_editing_of_consecutive_frames_at_once() -> None:
    processed = {}
    for overlap in (False, True):
        stages = [SlowStage(0.04, "track"), SlowStage(0.04, "edit")]
        runner = LiveRunner(
            TickSource(period=0.005), Pipeline(stages), NullSink(), duration_s=1.2, overlap=overlap
        )
        s = runner.run().summary()
        processed[overlap] = s["processed"]
        # bounded either way: no queue grows with the run
        assert s["latency_ms"]["max"] < 0.5 * s["elapsed_s"] * 1e3, s["latency_ms"]
        assert all(stage.closed for stage in stages)
    # serial: one frame per 80 ms; overlapped: one per 40 ms (the slower half)
    assert processed[True] > 1.5 * processed[False], processed


class StampedStage(SlowStage):
    """A SlowStage that notes when each of its frames started."""

    def __init__(self, seconds: float, name: str) -> None:
        super().__init__(seconds, name)
        self.starts: list[float] = []

    def process(self, frame: Frame) -> Frame:
        self.starts.append(time.monotonic())
        return super().process(frame)


def test_overlapped_tracking_is_pulled_by_the_editor_just_in_time() -> None:
    """Tracking (cheap) never works on a frame the editor (slow) will not take, and starts a
    new frame late enough to finish about when the editor is free (a fresher capture)."""
    track, edit = StampedStage(0.005, "track"), StampedStage(0.03, "edit")
    runner = LiveRunner(
        TickSource(period=0.002), Pipeline([track, edit]), NullSink(), duration_s=1.0
    )
    s = runner.run().summary()
    assert s["processed"] >= 10
    assert len(track.starts) - len(edit.starts) <= 3  # pushed, it would track ~6 per edit
    # each track start, measured from the edit start just before it: well into that edit
    offsets = [t - max(e for e in edit.starts if e <= t) for t in track.starts[3:]]
    assert sorted(offsets)[len(offsets) // 2] > 0.3 * 0.03, offsets


def test_processed_frames_are_not_thrown_away_when_the_output_is_slower() -> None:
    # fast camera, cheap pipeline, slow output clock (10 fps): the excess must be dropped
    # before the pipeline, not replaced in the output slot after the work was done
    sink = RecordingSink()
    runner = LiveRunner(
        TickSource(0.005), Pipeline([SlowStage(0.01)]), sink, fps=10, duration_s=0.8
    )
    s = runner.run().summary()
    assert s["dropped"] > 0 and s["sent"] > 3, s
    assert s["superseded"] <= 1, s
    assert s["processed"] - s["superseded"] <= s["sent"] + 1, s  # processed frames reach the sink
    # about one 100 ms output period, not a growing queue
    assert s["latency_ms"]["p50"] < 0.4 * s["elapsed_s"] * 1e3, s["latency_ms"]


def test_superseded_frames_show_in_the_table_and_status_line() -> None:
    from streamfx.runtime.stats import RunStats

    stats = RunStats()
    assert "superseded" not in format_timings(stats) and "after processing" not in stats.line()
    stats.count("superseded")
    stats.count("superseded")
    assert "superseded after processing 2" in format_timings(stats)
    assert "(+2 after processing)" in stats.line()
