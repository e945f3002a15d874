"""Flow-warped temporal error: warp frame t-1 onto t with the original's optical flow.

The flow is computed once per frame pair on the original (OpenCV DIS), so the edit is held to
the motion that really happened: ``warp_error = mean |edit_t - warp(edit_{t-1})|`` inside the
face mask, over pixels whose flow passes a forward-backward consistency check (occluded or
disoccluded pixels have no valid correspondence). The same figure on the original itself is
the floor set by the flow's own accuracy and by real appearance change (lighting, speech).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from streamfx.errors import ConfigError

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


@dataclass
class FlowPair:
    """The original's motion between two frames, within a box of the frame.

    box: (x0, y0, x1, y1) frame pixels the flow covers. backward: float32 [h,w,2], for each pixel
    of frame t where it came from in frame t-1 (offsets). valid: bool [h,w], consistent flow.
    """

    box: tuple[int, int, int, int]
    backward: np.ndarray
    valid: np.ndarray

    def warp(self, image_prev: np.ndarray) -> np.ndarray:
        """Frame t-1 (full [H,W,3]) resampled onto frame t's pixels in ``box`` -> [h,w,3]."""
        x0, y0, x1, y1 = self.box
        h, w = self.backward.shape[:2]
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        mx = (gx + self.backward[..., 0] + np.float32(x0)).astype(np.float32)
        my = (gy + self.backward[..., 1] + np.float32(y0)).astype(np.float32)
        return cv2.remap(image_prev, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


class FlowEstimator:
    """DIS optical flow on grey frames, restricted to a box (the faces and their surroundings)."""

    def __init__(self, preset: str = "medium") -> None:
        if preset not in PRESETS:
            raise ConfigError(f"flow preset must be one of {sorted(PRESETS)}, got {preset!r}")
        self._dis = cv2.DISOpticalFlow_create(PRESETS[preset])

    def pair(self, prev: np.ndarray, cur: np.ndarray, box: tuple[int, int, int, int]) -> FlowPair:
        """The flow from ``cur`` (frame t) back to ``prev`` (t-1), uint8 RGB, inside ``box``."""
        x0, y0, x1, y1 = box
        a = cv2.cvtColor(np.ascontiguousarray(prev[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        b = cv2.cvtColor(np.ascontiguousarray(cur[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        back = self._dis.calc(b, a, None)  # b(x) ~ a(x + back(x))
        fwd = self._dis.calc(a, b, None)  # a(x) ~ b(x + fwd(x))
        h, w = back.shape[:2]
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        mx = np.ascontiguousarray(gx + back[..., 0])
        my = np.ascontiguousarray(gy + back[..., 1])
        fwd_at = cv2.remap(fwd, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        loop = back + fwd_at  # ~0 where the two flows agree
        bound = 0.01 * ((back**2).sum(-1) + (fwd_at**2).sum(-1)) + 0.5
        valid = (loop**2).sum(-1) < bound
        return FlowPair(box=box, backward=back, valid=valid)


def warp_error(flow: FlowPair, prev: np.ndarray, cur: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean |cur - warp(prev)| (levels, mean over channels) over ``mask`` (bool [H,W], frame
    size) and the valid flow; None when no pixel is left."""
    x0, y0, x1, y1 = flow.box
    sel = mask[y0:y1, x0:x1] & flow.valid
    n = int(np.count_nonzero(sel))
    if not n:
        return None
    warped = flow.warp(prev)
    diff = cv2.absdiff(np.ascontiguousarray(cur[y0:y1, x0:x1]), warped).astype(np.float32)
    return float(diff.mean(axis=2)[sel].sum() / n)


def union_box(
    masks: list[np.ndarray], margin: float, shape: tuple[int, ...]
) -> tuple[int, int, int, int] | None:
    """The box around all ``masks`` (bool [H,W]) grown by ``margin`` pixels; None if empty."""
    box = None
    for m in masks:
        ys, xs = np.nonzero(m)
        if not len(xs):
            continue
        b = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        box = (
            b
            if box is None
            else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
        )
    if box is None:
        return None
    h, w = shape[:2]
    m = int(np.ceil(margin))
    return max(box[0] - m, 0), max(box[1] - m, 0), min(box[2] + m, w), min(box[3] + m, h)
