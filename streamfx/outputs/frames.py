"""Small image helpers shared by the sinks (even sizes, fitting a frame to a fixed size)."""

from __future__ import annotations

import numpy as np


def even_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) rounded up to even numbers (H.264 4:2:0, v4l2loopback and browsers)."""
    return width + (width & 1), height + (height & 1)


def fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 [H,W,3] -> [height,width,3] C-contiguous.

    A frame at most one pixel smaller (odd -> even size) is padded by repeating its last row /
    column; any other size is resized with OpenCV.
    """
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(image)
    if 0 <= width - w <= 1 and 0 <= height - h <= 1:
        return np.pad(image, ((0, height - h), (0, width - w), (0, 0)), mode="edge")
    import cv2

    interp = cv2.INTER_AREA if w > width else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interp)
