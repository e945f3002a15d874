"""The typed per-frame record that flows through the pipeline.

Stages add fields; none reaches around the record. Images are uint8 HxWx3 RGB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from streamfx.face.types import Face


@dataclass
class FaceEdit:
    """What an editor backend returns for one face, in the face's crop space.

    image: uint8 [s,s,3] RGB, the edited crop sampled at s pixels a side: 512 (the EG3D crop),
        or fewer for a face smaller than that in the frame (the mesh editor returns it at the
        face's own resolution; crop pixel x is edit pixel (x + 0.5) * s / 512 - 0.5).
    alpha: float32 [h,w] in [0,1], coverage of the edited face (any resolution; the compositor
        resizes it to the image), or None to let the compositor use the landmark hull.
    depth: float32 [h,w] or None, depth along the camera ray (for occlusion ordering).
    backend: name of the backend that produced it ("3dpe", "mesh", ...).
    color_match: the compositor's colour matching for this edit ("lab" or "none"), or None for
        the compositor's own setting. A deliberate restyle (bronze, neon) says "none".
    timings: sub-stage name -> seconds for this face (mesh: lift, render, style; 3DPE: encode,
        render, superres); shown as indented rows under ``edit`` in the timing table.
    """

    image: np.ndarray
    alpha: np.ndarray | None = None
    depth: np.ndarray | None = None
    backend: str = ""
    color_match: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StageError:
    """A stage (or one face in it) that failed on a frame and was degraded around.

    stage: the stage name ("track", "edit", ...). message: ``"ErrorType: text"``.
    track_id: the face it concerns, or None for the whole frame.
    """

    stage: str
    message: str
    track_id: int | None = None


@dataclass
class Frame:
    """One frame of the stream.

    image: uint8 [H,W,3] RGB, the source frame (never modified in place).
    pts: presentation timestamp in seconds (source clock), or None when unknown.
    t_capture: time.monotonic() when the frame was captured.
    index: running frame number from the source.
    faces: per-face records added by the tracker.
    tracks_started / tracks_ended: track ids the tracker started / ended on this frame; the only
        events on which per-track state (editor smoothing, compositor fades) is created or reset.
    edits: track_id -> FaceEdit, added by the edit stage.
    editor: name of the editor that ran ("mesh", "3dpe", "passthrough"), set by the edit stage.
    output: uint8 [H,W,3] RGB, the composited result; None until the compose stage ran.
    timings: stage name -> seconds spent on this frame; sub-stages as ``"edit/render"``.
    cpu: stage name -> CPU seconds of the thread that ran the stage on this frame
        (``time.thread_time``; set by ``Pipeline.process``).
    errors: stages (or faces) that failed on this frame and were degraded around.
    slate: True for a "reconnecting" slate made by the live runner, not a source frame.
    """

    image: np.ndarray
    pts: float | None
    t_capture: float
    index: int = 0
    faces: list[Face] = field(default_factory=list)
    tracks_started: list[int] = field(default_factory=list)
    tracks_ended: list[int] = field(default_factory=list)
    edits: dict[int, FaceEdit] = field(default_factory=dict)
    editor: str = ""
    output: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    errors: list[StageError] = field(default_factory=list)
    slate: bool = False

    @property
    def result(self) -> np.ndarray:
        """The image a sink should show: the composited output, else the source image."""
        return self.output if self.output is not None else self.image

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])
