"""The editing stages of the pipeline: track -> edit -> compose.

The tracker alone decides when a track starts and ends (its lost timeout); ``TrackStage`` writes
those events on the frame (``tracks_started`` / ``tracks_ended``) and every per-track state
downstream (editor smoothing, compositor fades) resets only on them: one missed detection
resets nothing. A failing edit degrades to the real face for that frame and is recorded on the
frame (``frame.errors``), from where the runner counts it; it never kills the stream.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.record import Frame, StageError

log = logging.getLogger(__name__)


class TrackStage:
    """Finds, tracks and aligns faces; adds ``frame.faces`` and the track events."""

    name = "track"

    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker
        self._last_ms = -1

    def timestamp_ms(self, frame: Frame) -> int:
        """The frame's time in ms, strictly after the previous one (MediaPipe's video mode
        needs strictly increasing times; pts may repeat or go back after a reconnect)."""
        t = frame.pts if frame.pts is not None else frame.t_capture
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def process(self, frame: Frame) -> Frame:
        frame.faces = list(self.tracker.track(frame.image, self.timestamp_ms(frame)))
        frame.tracks_started = list(self.tracker.started)
        frame.tracks_ended = list(self.tracker.ended)
        return frame

    def close(self) -> None:
        self.tracker.close()


class EditStage:
    """Runs the editor backend on the frame's faces (one batch); adds ``frame.edits``.

    camera: a fixed 25-number EG3D label to render every face at (pose correction), or None.
    Sub-stage times of the backend (``FaceEdit.timings``) go to ``frame.timings["edit/NAME"]``,
    summed over the frame's faces.
    """

    name = "edit"

    def __init__(self, backend: EditorBackend, camera: np.ndarray | None = None) -> None:
        self.backend = backend
        self.camera = camera

    def process(self, frame: Frame) -> Frame:
        frame.editor = self.backend.name
        for tid in frame.tracks_ended:
            self.backend.reset(tid)
        faces = frame.faces
        if not faces:
            return frame
        try:
            edits = self.backend.edit_faces(frame.image, faces, [self.camera] * len(faces))
        except Exception as exc:  # degrade: the real faces show on this frame
            message = f"{type(exc).__name__}: {exc}"
            frame.errors.append(StageError(self.name, message))
            return frame
        for face, edit in zip(faces, edits, strict=True):
            frame.edits[face.track_id] = edit
            for sub, seconds in edit.timings.items():
                key = f"{self.name}/{sub}"
                frame.timings[key] = frame.timings.get(key, 0.0) + seconds
        return frame

    def close(self) -> None:
        self.backend.close()


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
