"""A minimal paste-back of a FaceEdit into the frame (warp + alpha blend inside a box).

The project's compositor (``streamfx.compose``) adds feathering, colour matching and
cross-fades; this is what the mesh bench, thumbnails and demo use when it is not importable.
"""

from __future__ import annotations

import cv2
import numpy as np

from streamfx.face.align import invert_affine, resize_affine
from streamfx.face.types import CROP_SIZE
from streamfx.record import FaceEdit


def paste_edit(frame: np.ndarray, edit: FaceEdit, from_crop: np.ndarray) -> np.ndarray:
    """Return a copy of ``frame`` (uint8 [H,W,3]) with ``edit`` warped in by ``from_crop``
    (2x3, 512 crop -> frame; an edit of fewer pixels is the same crop resampled) and blended
    with ``edit.alpha`` (pixels with alpha 0 are untouched)."""
    out = frame.copy()
    side = edit.image.shape[0]
    if side != CROP_SIZE:
        from_crop = invert_affine(resize_affine(invert_affine(from_crop), side))
    alpha = edit.alpha
    if alpha is None:
        alpha = np.ones(edit.image.shape[:2], np.float32)
    elif alpha.shape != edit.image.shape[:2]:
        alpha = cv2.resize(alpha, (edit.image.shape[1], edit.image.shape[0]))
    on = alpha > 1e-3
    ys, xs = np.flatnonzero(on.any(1)), np.flatnonzero(on.any(0))
    if len(xs) == 0:
        return out
    m = np.asarray(from_crop, np.float64)
    box = np.array([[xs[0], ys[0]], [xs[-1], ys[0]], [xs[0], ys[-1]], [xs[-1], ys[-1]]], np.float64)
    pts = box @ m[:, :2].T + m[:, 2]
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + 2, [w, h])
    if x1 <= x0 or y1 <= y0:
        return out
    roi = m.copy()
    roi[:, 2] -= (x0, y0)
    dsize = (int(x1 - x0), int(y1 - y0))
    img = cv2.warpAffine(edit.image, roi, dsize, flags=cv2.INTER_LINEAR)
    a = cv2.warpAffine(alpha.astype(np.float32), roi, dsize, flags=cv2.INTER_LINEAR)[..., None]
    region = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = (region + (img.astype(np.float32) - region) * a + 0.5).astype(np.uint8)
    return out
