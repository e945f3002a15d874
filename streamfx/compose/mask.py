"""Face masks in a frame region: landmark hull or warped opacity, feathered (numpy + OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np

from streamfx.face.landmarks import FACE_OVAL


def hull_mask(landmarks: np.ndarray, origin: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """uint8 [h,w] mask (255 inside) of the face-oval polygon, in a region at ``origin`` (x, y).

    landmarks: [478, >=2] frame pixels; shape: (h, w) of the region.
    """
    pts = np.asarray(landmarks, dtype=np.float64)[list(FACE_OVAL), :2] - origin
    mask = np.zeros(shape, dtype=np.uint8)
    hull = cv2.convexHull(np.round(pts * 16).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 255, lineType=cv2.LINE_AA, shift=4)
    return mask


def feather(mask: np.ndarray, width: float) -> np.ndarray:
    """Soft float32 [h,w] mask in [0,1]: eroded by width/2 then blurred over ``width`` pixels.

    The soft edge lies inside the hard one, so nothing outside the mask changes. Large widths are
    blurred at a reduced resolution (the blur hides it) to keep the cost flat.
    """
    m = np.asarray(mask)
    soft = m.astype(np.float32) / 255.0 if m.dtype == np.uint8 else m.astype(np.float32)
    if width < 1.0:
        return soft
    h, w = soft.shape
    down = max(1, int(width / 8))
    small = cv2.resize(soft, (max(1, w // down), max(1, h // down)), interpolation=cv2.INTER_AREA)
    r = max(1, int(round(width / 2 / down)))
    small = cv2.erode(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    sigma = max(0.5, width / 4 / down)
    small = cv2.GaussianBlur(small, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    if down > 1:
        soft = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    else:
        soft = small
    return np.clip(soft, 0.0, 1.0)
