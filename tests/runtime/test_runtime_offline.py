"""The offline runner, the pipeline's timing and degrading, the hand-off and the stats table."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest

from streamfx.capture.synthetic import pattern_index, write_clip
from streamfx.capture.video import VideoSource
from streamfx.errors import PipelineError
from streamfx.outputs import FileSink
from streamfx.record import Frame, StageError
from streamfx.runtime import (
    LatestSlot,
    OfflineRunner,
    PassthroughStage,
    Pipeline,
    RunStats,
    format_timings,
)


class Invert:
    name = "invert"

    def process(self, frame: Frame) -> Frame:
        frame.output = 255 - frame.image
        return frame


def test_offline_runner_processes_every_frame_in_order_with_audio(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "in.mp4", frames=30, audio="aac")
    out = tmp_path / "out.mp4"
    stats = OfflineRunner(
        VideoSource(clip),
        Pipeline([Invert(), PassthroughStage()]),
        FileSink(out, audio_from=str(clip)),
        progress=False,
    ).run()
    assert (stats.captured, stats.processed, stats.sent, stats.dropped) == (30, 30, 30, 0)
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with av.open(str(out)) as c:
        audio_s = sum(f.samples for f in c.decode(audio=0)) / 16000
    assert [pattern_index(255 - f) for f in frames] == list(range(30))  # inverted, in order
    assert abs(audio_s - 30 / 25) < 0.15
    assert "edit (passthrough)" in format_timings(stats)


def test_offline_runner_max_frames_and_progress(tmp_path: Path, capsys) -> None:
    clip = write_clip(tmp_path / "in.mp4", frames=10, audio=None)
    stats = OfflineRunner(
        VideoSource(clip), Pipeline(), FileSink(tmp_path / "o.mkv"), max_frames=4
    ).run()
    assert stats.sent == 4
    assert "4/4" in capsys.readouterr().err  # the tqdm bar


def test_pipeline_times_every_stage_and_degrades_failures() -> None:
    class Boom:
        name = "boom"

        def process(self, frame: Frame) -> Frame:
            frame.output = np.zeros_like(frame.image)
            raise ValueError("bad landmarks")

    pipe = Pipeline([Invert(), Boom(), PassthroughStage()])
    frame = pipe.process(Frame(image=np.full((4, 4, 3), 10, np.uint8), pts=0.0, t_capture=0.0))
    assert set(frame.timings) == {"invert", "boom", "edit"}
    assert all(t >= 0 for t in frame.timings.values())
    assert int(frame.result[0, 0, 0]) == 245  # Invert's output kept, Boom's partial work undone
    assert frame.errors == [StageError("boom", "ValueError: bad landmarks")]
    assert frame.editor == "passthrough"
    assert pipe.describe() == "invert -> boom -> edit"

    class Fatal:
        name = "fatal"

        def process(self, frame: Frame) -> Frame:
            raise PipelineError("cannot continue")

    with pytest.raises(PipelineError):
        Pipeline([Fatal()]).process(frame)
    with pytest.raises(TypeError, match="needs a name"):
        Pipeline([object()])


def test_latest_slot_is_bounded_and_counts_replacements() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is False and slot.put(2) is True and slot.put(3) is True
    assert len(slot) == 1 and slot.replaced == 2
    assert slot.get(timeout=0) == 3 and slot.get(timeout=0.01) is None
    got = []
    t = threading.Thread(target=lambda: got.append(slot.get(timeout=2.0)))
    t.start()
    slot.put(7)
    t.join(1.0)
    assert got == [7]


def test_format_timings_table() -> None:
    stats = RunStats()
    stats.captured, stats.sent = 10, 10
    for ms in (10, 20, 30):
        frame = Frame(image=np.zeros((2, 2, 3), np.uint8), pts=None, t_capture=0.0)
        frame.timings = {"track": ms / 1e3, "edit": 0.001, "edit/render": 0.0005}
        frame.editor = "passthrough"
        stats.add_frame(frame)
    stats.add_latency(0.05)
    table = format_timings(stats)
    lines = table.splitlines()
    assert lines[0].split() == ["stage", "mean", "ms", "p50", "ms", "p95", "ms", "fps", "frames"]
    track = lines[1].split()
    assert track[0] == "track" and float(track[1]) == pytest.approx(20.0)
    assert float(track[2]) == pytest.approx(20.0) and float(track[4]) == pytest.approx(50.0)
    assert lines[2].startswith("edit (passthrough)")
    assert lines[3].startswith("  render")  # a sub-stage, indented under its stage
    assert "no face in 3 of 3 frames" in table  # the track stage ran and found no face
    assert "processed 3" in table and "p50 50.0" in table
