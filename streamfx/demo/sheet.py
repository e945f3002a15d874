"""The demo's contact sheet: face close-ups of kept frames, the originals on top, then one
labelled row per style (re-running the edit and compose stages on the kept frames)."""

from __future__ import annotations

import copy

import numpy as np

from streamfx.outputs.base import Sink
from streamfx.record import Frame
from streamfx.runtime.pipeline import Pipeline

SHEET_TILE = 256


class KeepingSink(Sink):
    """Forwards to ``inner`` and keeps deep copies of the frames at ``indices``."""

    name = "file"

    def __init__(self, inner: Sink, indices: set[int]) -> None:
        self.inner, self.indices = inner, indices
        self.kept: list[Frame] = []

    def open(self, width: int, height: int, fps: float) -> None:
        self.inner.open(width, height, fps)

    def write(self, frame: Frame) -> None:
        if frame.index in self.indices:
            self.kept.append(copy.deepcopy(frame))
        self.inner.write(frame)

    def close(self) -> None:
        self.inner.close()


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    import cv2

    out = tile.copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(out, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def _tile(image: np.ndarray) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    s = SHEET_TILE / max(h, w)
    return cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def _face_box(frame: Frame, margin: float = 1.6) -> tuple[int, int, int, int]:
    """A square around the frame's faces (the whole frame when there is none)."""
    h, w = frame.image.shape[:2]
    if not frame.faces:
        return 0, 0, w, h
    x0 = min(f.bbox[0] for f in frame.faces)
    y0 = min(f.bbox[1] for f in frame.faces)
    x1 = max(f.bbox[2] for f in frame.faces)
    y1 = max(f.bbox[3] for f in frame.faces)
    side = min(max(x1 - x0, y1 - y0) * margin, w, h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(np.clip(cx - side / 2, 0, w - side))
    top = int(np.clip(cy - side / 2, 0, h - side))
    return left, top, left + int(side), top + int(side)


def contact_sheet(frames: list[Frame], rows: list[tuple[str, list[np.ndarray]]]) -> np.ndarray:
    """A grid of face close-ups: the originals on top, then one labelled row per style."""
    boxes = [_face_box(f) for f in frames]

    def cut(im: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        return _tile(im[box[1] : box[3], box[0] : box[2]])

    grid = [
        [
            _label(cut(f.image, b), f"original #{f.index}")
            for f, b in zip(frames, boxes, strict=True)
        ]
    ]
    for name, images in rows:
        grid.append([_label(cut(im, b), name) for im, b in zip(images, boxes, strict=True)])
    return np.concatenate([np.concatenate(r, axis=1) for r in grid], axis=0)


def restyle(pipeline: Pipeline, frames: list[Frame], style: str) -> list[np.ndarray]:
    """Re-run the edit and compose stages of ``pipeline`` on kept frames with another style."""
    edit = next(s for s in pipeline.stages if s.name == "edit")
    compose = next(s for s in pipeline.stages if s.name == "compose")
    edit.backend.set_style(style)
    out = []
    for f in frames:
        g = copy.copy(f)
        g.edits, g.output, g.errors, g.timings = {}, None, [], {}
        out.append(compose.process(edit.process(g)).result)
    return out


def styles_for(backend_name: str, current: str | None) -> list[str]:
    from streamfx.backends.styles_catalog import list_styles

    names = [s.name for s in list_styles() if s.editor == backend_name and s.name != "identity"]
    return names if names else [current or ""]
