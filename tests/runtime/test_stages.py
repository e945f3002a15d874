"""The pipeline stages on their own: track lifecycle, degrade path, MediaPipe time stamps.

Real MediaPipe tracking on the demo clip; the editor backend is a small real backend registered
the way a third-party package would register one.
"""

from __future__ import annotations

import numpy as np
import pytest

from streamfx.backends.base import EditorBackend, register_backend
from streamfx.compose.compositor import Compositor
from streamfx.compose.config import ComposeConfig
from streamfx.config import EditingConfig, PipelineConfig
from streamfx.demo.clip import DemoSource
from streamfx.face.config import FaceConfig
from streamfx.face.tracker import FaceTracker
from streamfx.record import FaceEdit, Frame, StageError
from streamfx.runtime.build import build_pipeline
from streamfx.runtime.stages import ComposeStage, EditStage, TrackStage


class Recorder(EditorBackend):
    """Paints every face white; remembers the resets it was asked for; can be told to fail."""

    name = "recorder"

    def __init__(self, style: str | None = None, fail: bool = False) -> None:
        self.style = style or ""
        self.fail = fail
        self.resets: list[int | None] = []
        self.edited: list[int] = []

    def edit(self, frame_rgb, face, camera=None) -> FaceEdit:
        if self.fail:
            raise RuntimeError("GPU on fire")
        self.edited.append(face.track_id)
        image = np.full((512, 512, 3), 255, np.uint8)
        return FaceEdit(image=image, backend=self.name, timings={"paint": 0.001})

    def set_style(self, style: str) -> None:
        self.style = style

    def reset(self, track_id: int | None = None) -> None:
        self.resets.append(track_id)


@pytest.fixture(scope="module")
def demo_frames() -> list[Frame]:
    src = DemoSource(seconds=1.2, fps=25.0)
    src.start()
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    src.close()
    return frames


@pytest.fixture
def clip(demo_frames) -> list[Frame]:
    """Fresh records of the demo frames (stages add fields to the records they get)."""
    return [Frame(image=f.image, pts=f.pts, t_capture=f.t_capture) for f in demo_frames]


def _blank(frame: Frame) -> Frame:
    return Frame(image=np.full_like(frame.image, 90), pts=frame.pts, t_capture=frame.t_capture)


def test_one_missed_detection_resets_nothing_and_only_the_tracker_ends_a_track(
    face_model, clip
) -> None:
    backend = Recorder()
    tracker = FaceTracker(FaceConfig(lost_timeout_ms=200.0), model_path=face_model)
    track, edit = TrackStage(tracker), EditStage(backend)
    compose = ComposeStage(Compositor(ComposeConfig(fade_frames=2, hold_frames=3)))
    events = []
    # frames 0-9 real, 10 blank (a hiccup), 11-19 real, 20-29 blank (the person left: 400 ms)
    sequence = clip[:10] + [_blank(clip[10])] + clip[11:20] + [_blank(f) for f in clip[20:30]]
    for frame in sequence:
        frame = compose.process(edit.process(track.process(frame)))
        events.append((frame.tracks_started, frame.tracks_ended, len(frame.faces)))
    started = [s for s, _, _ in events if s]
    ended = [e for _, e, _ in events if e]
    assert started == [[0]] and ended == [[0]]  # one track, started once, ended once
    assert events[10][2] == 0 and events[11][2] == 1  # the hiccup frame had no face
    assert backend.resets == [0]  # the hiccup reset nothing; the end reset track 0 only
    end_at = next(i for i, (_, e, _) in enumerate(events) if e)
    assert end_at > 20 + 200 / 40 - 1  # not before the tracker's lost timeout (200 ms)
    assert 0 not in compose.compositor.tracks  # the compositor forgot it on the end event
    tracker.close()


def test_a_failing_editor_degrades_to_the_real_face_and_says_so(face_model, clip) -> None:
    tracker = FaceTracker(model_path=face_model)
    track, edit = TrackStage(tracker), EditStage(Recorder(fail=True))
    compose = ComposeStage(Compositor())
    frame = compose.process(edit.process(track.process(clip[3])))
    assert frame.faces and not frame.edits
    assert frame.errors == [StageError("edit", "RuntimeError: GPU on fire")]
    assert frame.output is frame.image or np.array_equal(frame.output, frame.image)
    assert frame.editor == "recorder"
    tracker.close()


def test_sub_stage_times_reach_the_frame(face_model, clip) -> None:
    tracker = FaceTracker(model_path=face_model)
    frame = EditStage(Recorder()).process(TrackStage(tracker).process(clip[0]))
    assert frame.timings["edit/paint"] == pytest.approx(0.001 * len(frame.faces))
    tracker.close()


class _NoTracker:
    started: list[int] = []
    ended: list[int] = []
    helper_cpu_s = 0.0

    def track(self, image, ts):
        return []


def test_time_stamps_are_strictly_increasing_whatever_the_pts() -> None:
    stage = TrackStage(_NoTracker())
    image = np.zeros((8, 8, 3), np.uint8)
    pts = [0.0, 0.0, 0.04, 0.02, None, 5.0, 0.0]  # repeats, going back, unknown, a reconnect
    stamps = [
        stage.timestamp_ms(Frame(image=image, pts=p, t_capture=1.0 + i / 1e3))
        for i, p in enumerate(pts)
    ]
    assert all(b > a for a, b in zip(stamps, stamps[1:], strict=False)), stamps


def test_a_registered_backend_is_an_editor_choice(face_model, clip) -> None:
    register_backend("recorder-test", Recorder, replace=True)
    config = PipelineConfig(editor=EditingConfig(editor="recorder-test", style="anything"))
    built = build_pipeline(config)
    assert built.reason.startswith("editor recorder-test")
    frame = built.pipeline.process(clip[5])
    assert frame.editor == "recorder" and frame.edits
    assert not np.array_equal(frame.output, frame.image)  # the white faces were composited
    built.pipeline.close()


def test_the_tracker_skips_the_crop_an_editor_does_not_read(face_model) -> None:
    register_backend("recorder-test", Recorder, replace=True)
    for editor, style, wanted in (("mesh", "cartoon", False), ("recorder-test", "x", True)):
        built = build_pipeline(PipelineConfig(editor=EditingConfig(editor=editor, style=style)))
        track = built.pipeline.stages[0]
        assert isinstance(track, TrackStage) and track.tracker.config.compute_crop is wanted
        built.pipeline.close()
