"""The typed per-frame record that flows through the pipeline.

Stages add fields; none reaches around the record. Images are uint8 HxWx3 RGB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class FaceEdit:
    """What an editor backend returns for one face, in the face's 512x512 crop space.

    image: uint8 [512,512,3] RGB, the edited crop.
    alpha: float32 [h,w] in [0,1], coverage of the edited face (any resolution; the compositor
        resizes it to the crop), or None to let the compositor use the landmark hull.
    depth: float32 [h,w] or None, depth along the camera ray (for occlusion ordering).
    backend: name of the backend that produced it ("3dpe", "mesh", "passthrough").
    """

    image: np.ndarray
    alpha: np.ndarray | None = None
    depth: np.ndarray | None = None
    backend: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Frame:
    """One frame of the stream.

    image: uint8 [H,W,3] RGB, the source frame (never modified in place).
    pts: presentation timestamp in seconds (source clock), or None when unknown.
    t_capture: time.monotonic() when the frame was captured.
    index: running frame number from the source.
    faces: per-face records added by the tracker (``streamfx.face.Face``).
    edits: track_id -> FaceEdit, added by the edit stage.
    output: uint8 [H,W,3] RGB, the composited result; None until the compose stage ran.
    timings: stage name -> seconds spent on this frame.
    notes: free-form flags from stages (e.g. "edit": "passthrough").
    """

    image: np.ndarray
    pts: float | None
    t_capture: float
    index: int = 0
    faces: list[Any] = field(default_factory=list)
    edits: dict[int, FaceEdit] = field(default_factory=dict)
    output: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def result(self) -> np.ndarray:
        """The image a sink should show: the composited output, else the source image."""
        return self.output if self.output is not None else self.image

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])
