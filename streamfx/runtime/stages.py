"""The editing stages of the pipeline: track -> edit -> compose.

The tracker alone decides when a track starts and ends (its lost timeout); ``TrackStage`` writes
those events on the frame (``tracks_started`` / ``tracks_ended``) and every per-track state
downstream (editor smoothing, compositor fades) resets only on them: one missed detection
resets nothing. A failing edit degrades to the real face for that frame and is recorded on the
frame (``frame.errors``), from where the runner counts it; it never kills the stream.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.face.config import parse_policy
from streamfx.face.ids import select_faces
from streamfx.face.types import Face
from streamfx.record import FaceEdit, Frame, StageError

log = logging.getLogger(__name__)


class TrackStage:
    """Finds, tracks and aligns faces; adds ``frame.faces`` and the track events."""

    name = "track"

    def __init__(self, tracker: Any, controls: Any = None) -> None:
        self.tracker = tracker
        self.controls = controls
        self._last_ms = -1

    def timestamp_ms(self, frame: Frame) -> int:
        """The frame's time in ms, strictly after the previous one (MediaPipe's video mode
        needs strictly increasing times; pts may repeat or go back after a reconnect)."""
        t = frame.pts if frame.pts is not None else frame.t_capture
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def process(self, frame: Frame) -> Frame:
        if self.controls is not None and hasattr(self.tracker, "temporal"):
            self.tracker.temporal.smooth_landmarks = self.controls.snapshot().landmark_smoothing
        frame.faces = list(self.tracker.track(frame.image, self.timestamp_ms(frame)))
        frame.tracks_started = list(self.tracker.started)
        frame.tracks_ended = list(self.tracker.ended)
        if self.tracker.helper_cpu_s:  # its follow threads' CPU (the pipeline adds this one's)
            frame.cpu[self.name] = self.tracker.helper_cpu_s
        return frame

    def close(self) -> None:
        self.tracker.close()


class EditStage:
    """Runs the editor backend on the frame's faces (one batch); adds ``frame.edits``.

    camera: a fixed 25-number EG3D label to render every face at, or None.
    controls: live controls read on every frame (``streamfx.runtime.controls``): styles (the
    default and per track: handed to the backend, which prepares a new style off the frame
    path and cross-fades), which faces are edited (policy), strength (the edit's alpha is
    scaled), pose correction (each face rendered at a camera pulled toward frontal, eased in
    and out per track), smoothing and passthrough (no edits: the compositor fades back to the
    real face). None: the backend's own settings, every face edited.
    Sub-stage times of the backend (``FaceEdit.timings``) go to ``frame.timings["edit/NAME"]``,
    summed over the frame's faces.
    """

    name = "edit"

    def __init__(
        self, backend: EditorBackend, camera: np.ndarray | None = None, controls: Any = None
    ) -> None:
        self.backend = backend
        self.camera = camera
        self.controls = controls
        self._version = -1
        self._default: str | None = None
        self._tracks: dict[int, str] = {}  # track styles handed to the backend
        self._pose: dict[int, tuple[float, float, float]] = {}  # track -> (from, to, progress)
        self._seen: set[int] = set()

    def process(self, frame: Frame) -> Frame:
        frame.editor = self.backend.name
        for tid in frame.tracks_ended:
            self.backend.reset(tid)
            self._tracks.pop(tid, None)
            self._pose.pop(tid, None)
        state = self.controls.snapshot() if self.controls is not None else None
        if state is not None:
            self._events(frame)
            if state.version != self._version:
                self._apply(state)
        faces = _selected(frame, state)
        if not faces:
            return frame
        cameras = [self._camera(face, state) for face in faces]
        try:
            edits = self.backend.edit_faces(frame.image, faces, cameras)
        except Exception as exc:  # degrade: the real faces show on this frame
            message = f"{type(exc).__name__}: {exc}"
            frame.errors.append(StageError(self.name, message))
            return frame
        for face, edit in zip(faces, edits, strict=True):
            if state is not None and state.strength < 1.0:
                _weaken(edit, face, state.strength)
            frame.edits[face.track_id] = edit
            for sub, seconds in edit.timings.items():
                key = f"{self.name}/{sub}"
                frame.timings[key] = frame.timings.get(key, 0.0) + seconds
        if state is not None:
            self._swaps(faces, state)
        return frame

    def _apply(self, state: Any) -> None:
        """Hand changed controls to the backend (each call returns at once)."""
        b = self.backend
        self._version = state.version
        b.crossfade_frames = state.crossfade_frames
        b.smoothing = state.smoothing
        if state.default_style and state.default_style != self._default:
            b.set_style(state.default_style)
            self._default = state.default_style
        for tid in set(self._tracks) | set(state.track_styles):
            want = state.track_styles.get(tid)
            if self._tracks.get(tid) != want:
                b.set_track_style(tid, want)
                if want is None:
                    self._tracks.pop(tid, None)
                else:
                    self._tracks[tid] = want

    def _events(self, frame: Frame) -> None:
        for tid in frame.tracks_started:
            if tid not in self._seen:
                self._seen.add(tid)
                self.controls.emit("face", {"track": tid, "event": "appeared"})
        for tid in frame.tracks_ended:
            self._seen.discard(tid)
            self.controls.emit("face", {"track": tid, "event": "lost"})

    def _swaps(self, faces: list[Face], state: Any) -> None:
        """Tell the controls which pending style changes reached a face (swap latency)."""
        for face in faces:
            shown = self.backend.style_of(face.track_id)
            track = face.track_id if face.track_id in state.track_styles else None
            self.controls.swap_reached(track, shown)
            if track is not None:
                self.controls.swap_reached(None, shown)

    def _camera(self, face: Face, state: Any) -> np.ndarray | None:
        """The camera to render ``face`` at: the fixed one, else its pose-corrected camera."""
        if self.camera is not None or state is None:
            return self.camera
        value = self._ease(face.track_id, state.pose_fraction, state.pose_ease_frames)
        if value <= 1e-6 or face.camera is None:
            return None
        return corrected_camera(face.camera, value, math.radians(state.pose_max_deg))

    def _ease(self, tid: int, target: float, frames: int) -> float:
        """The track's pose-correction fraction this frame: it moves from where it was to
        ``target`` over ``frames`` frames along a smoothstep (no jump in value or speed)."""
        start, end, t = self._pose.get(tid, (0.0, 0.0, 1.0))
        value = start + (end - start) * t * t * (3.0 - 2.0 * t)
        if target != end:
            start, end, t = value, target, 0.0
        t = min(1.0, t + 1.0 / max(frames, 1))
        self._pose[tid] = (start, end, t)
        return start + (end - start) * t * t * (3.0 - 2.0 * t)

    def close(self) -> None:
        self.backend.close()


def corrected_camera(camera: np.ndarray, fraction: float, max_angle: float) -> np.ndarray:
    """``camera`` (a 25-number EG3D label) turned toward frontal ("look at the camera").

    Yaw and pitch of the camera about the head (read from its position on EG3D's orbit) are
    each reduced by ``fraction`` of themselves, at most ``max_angle`` radians; the camera is
    rotated about the world origin by the rotation between the look-at cameras of the old and
    new angles, so roll, distance and intrinsics stay as they were.
    """
    from streamfx.geometry.camera import look_at_cam2world, make_label, split_label

    c2w, k = split_label(camera)
    o = c2w[:3, 3].astype(np.float64)
    r = float(np.linalg.norm(o))
    if r < 1e-6:
        return np.asarray(camera, np.float32)
    phi = math.acos(float(np.clip(o[1] / r, -1.0, 1.0)))
    pitch = (1.0 - math.cos(phi)) / 2.0 * math.pi - math.pi / 2
    yaw = math.atan2(o[2], -o[0]) - math.pi / 2
    dy = float(np.clip(fraction * yaw, -max_angle, max_angle))
    dp = float(np.clip(fraction * pitch, -max_angle, max_angle))
    h, v = math.pi / 2 + yaw, math.pi / 2 + pitch
    old = look_at_cam2world(h, v, radius=r).astype(np.float64)
    new = look_at_cam2world(h - dy, v - dp, radius=r).astype(np.float64)
    delta = new @ np.linalg.inv(old)
    return make_label(delta @ c2w.astype(np.float64), k)


def _selected(frame: Frame, state: Any) -> list[Face]:
    """The faces the live policy edits (none in passthrough); the tracker's own selection."""
    if state is None or not frame.faces:
        return frame.faces
    if state.passthrough:
        return []
    return select_faces(frame.faces, parse_policy(state.policy), frame.image.shape)


def _weaken(edit: FaceEdit, face: Face, strength: float) -> None:
    """Blend the edit with the real face: its alpha scaled by ``strength`` (or, without an
    alpha, its image mixed with the real crop)."""
    if edit.alpha is not None:
        edit.alpha = np.asarray(edit.alpha, np.float32) * np.float32(strength)
    elif face.crop is not None and face.crop.shape == edit.image.shape:
        import cv2

        edit.image = cv2.addWeighted(edit.image, strength, face.crop, 1.0 - strength, 0.0)


class ComposeStage:
    """Pastes the edits back into the frame; sets ``frame.output``."""

    name = "compose"

    def __init__(self, compositor: Any) -> None:
        self.compositor = compositor

    def process(self, frame: Frame) -> Frame:
        frame.output = self.compositor.compose(
            frame.image, frame.faces, frame.edits, ended=frame.tracks_ended
        )
        return frame


class PassthroughStage:
    """The edit stage of ``--editor none``: leaves the frame as it is, says so."""

    name = "edit"

    def process(self, frame: Frame) -> Frame:
        frame.editor = "passthrough"
        return frame
