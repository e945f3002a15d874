"""The editing stages of the pipeline and ``build_pipeline``, shared by every command.

track (faces, crop, camera) -> edit (the chosen backend, per face) -> compose (paste back).
A failing edit degrades to the real face for that frame and is counted; it never kills the stream.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from typing import Any

import numpy as np

from streamfx.record import Frame

log = logging.getLogger(__name__)


class TrackStage:
    """Finds, tracks and aligns faces; adds ``frame.faces``."""

    name = "track"

    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker
        self._last_ms = -1

    def _timestamp_ms(self, frame: Frame) -> int:
        t = frame.pts if frame.pts is not None else frame.t_capture
        ms = int(round(t * 1000.0))
        ms = max(ms, self._last_ms + 1)  # MediaPipe's video mode needs strictly increasing times
        self._last_ms = ms
        return ms

    def process(self, frame: Frame) -> Frame:
        frame.faces = list(self.tracker.track(frame.image, self._timestamp_ms(frame)))
        return frame

    def close(self) -> None:
        self.tracker.close()


class EditStage:
    """Runs the editor backend on every selected face; adds ``frame.edits``."""

    name = "edit"

    def __init__(self, backend: Any, camera: np.ndarray | None = None) -> None:
        self.backend = backend
        self.camera = camera  # a fixed EG3D label for pose correction, or None
        self.failures: Counter[str] = Counter()
        self._live_ids: set[int] = set()

    def process(self, frame: Frame) -> Frame:
        ids = {f.track_id for f in frame.faces}
        for lost in self._live_ids - ids:
            self.backend.reset(lost)
        self._live_ids = ids
        for face in frame.faces:
            try:
                frame.edits[face.track_id] = self.backend.edit(frame.image, face, self.camera)
            except Exception as exc:  # degrade: this face shows the real face this frame
                key = f"{type(exc).__name__}: {exc}"
                if not self.failures[key]:
                    log.warning("edit failed for track %s: %s", face.track_id, key)
                self.failures[key] += 1
                frame.notes.setdefault("edit_errors", []).append(key)
        frame.notes["edit"] = self.backend.name
        return frame

    def close(self) -> None:
        close = getattr(self.backend, "close", None)
        if close:
            close()


class ComposeStage:
    """Pastes the edits back into the frame; sets ``frame.output``."""

    name = "compose"

    def __init__(self, compositor: Any) -> None:
        self.compositor = compositor

    def process(self, frame: Frame) -> Frame:
        frame.output = self.compositor.compose(frame.image, frame.faces, frame.edits)
        return frame


def build_stages(
    editor: str = "auto",
    style: str | None = None,
    weights: str | None = None,
    device: str = "cpu",
    max_faces: int = 4,
) -> tuple[list[Any], str]:
    """The track -> edit -> compose stages and the line saying which editor was picked and why."""
    from streamfx.backends.select import choose_backend
    from streamfx.compose import Compositor
    from streamfx.face import FaceTracker

    t0 = time.perf_counter()
    choice = choose_backend(editor, style, weights=weights, device=device)
    tracker = FaceTracker(config=_tracker_config(max_faces))
    stages = [TrackStage(tracker), EditStage(choice.backend), ComposeStage(Compositor())]
    log.info("pipeline ready in %.2fs", time.perf_counter() - t0)
    return stages, choice.reason


def _tracker_config(max_faces: int) -> Any:
    from streamfx.errors import ConfigError
    from streamfx.face.config import FaceConfig

    if max_faces < 1:
        raise ConfigError(f"--max-faces must be at least 1, got {max_faces}")
    return FaceConfig(max_faces=max_faces)


def build_pipeline(args: argparse.Namespace) -> Any:
    """The pipeline the ``camera``, ``edit`` and ``demo`` commands run, from their arguments."""
    from streamfx.runtime.pipeline import Pipeline

    stages, reason = build_stages(
        editor=getattr(args, "editor", "auto") or "auto",
        style=getattr(args, "style", None),
        weights=getattr(args, "weights", None),
        device=getattr(args, "device", "cpu") or "cpu",
        max_faces=getattr(args, "max_faces", 4),
    )
    print(f"streamfx: {reason}")
    return Pipeline(stages)
