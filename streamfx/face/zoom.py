"""Zoomed detection for small faces: tiles, crops around tracks, and mapping results back.

MediaPipe's short-range face detector misses faces narrower than ~15% of the picture (in a
1280x720 frame: a 136 px face is missed, a 168 px one found). The fallback runs the landmarker on
square windows of the frame (overlapping tiles, or a crop around a known small face), each
resized to ``size`` x ``size``, and maps the results back to frame pixels.

The pose from a window is relative to that window's virtual camera. MediaPipe's camera is a
pinhole with a fixed vertical field of view (63 degrees) over the picture height, principal point
at the picture centre, OpenGL axes (x right, y up, looking down -z). A window is a zoom plus a
shift of the frame, so the same face seen in it has (a) the same rotation R (the landmark shape
is the same, only scaled), but (b) a translation t that points along the *window's* ray to the
face and a depth scaled by the zoom. The EG3D camera uses the direction of -R^T t, so t must be
put back into the frame camera: project t to window pixels, map those to frame pixels, and
unproject along the frame camera's ray at the depth the frame camera would see (the face keeps
its size in frame pixels, and the window's focal length in frame pixels is ``side / H`` times the
frame's, so the depth scales by ``H / side``).

MediaPipe's own full-frame pose of an off-centre face is not that pure pinhole answer: it also
turns the head rotation toward the ray by about 30% of the ray's angle (measured on the astronaut
pasted at several places of a 1280x720 frame: ray 32 degrees off-axis -> R turned by 8.7 degrees;
20 degrees -> 6.3). ``RAY_TURN`` = 0.3 reproduces that, so a face keeps its camera when it moves
from the fallback to the direct path: measured on a 230 px face at six places of a 1280x720
frame (up to ~35 degrees off-axis): yaw and pitch within 0.3-3.8 degrees of the direct path, roll
within 4.7 (gated in tests/face/test_face_zoom.py: viewing direction within 3 degrees, at the
centre and 390 px left of it). The exact way would be to
rerun MediaPipe's geometry pipeline (its metadata is in the .task bundle) on the mapped-back
landmarks; not done.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

Box = tuple[float, float, float, float]
TAN_HALF_FOV = math.tan(math.radians(63.0) / 2.0)
RAY_TURN = 0.3
"""Fraction of the ray's off-axis angle by which the head rotation is turned (module docstring)."""


def tile_windows(w: int, h: int, frac: float, overlap: float) -> list[Box]:
    """Square windows (x0, y0, x1, y1) of side ``frac`` * min(w, h) covering a (w, h) frame.

    Neighbours overlap by ``overlap`` of the side; windows stay inside the frame.
    """
    side = max(1.0, frac * min(w, h))
    stride = max(1.0, side * (1.0 - overlap))

    def starts(n: int) -> list[float]:
        if side >= n:
            return [0.0]
        k = math.ceil((n - side) / stride) + 1
        return [i * (n - side) / (k - 1) for i in range(k)]

    return [(x, y, x + side, y + side) for y in starts(h) for x in starts(w)]


def roi_window(bbox: Box, factor: float) -> Box:
    """Square window (x0, y0, x1, y1) of side ``factor`` * the box's larger side, same centre,
    on whole pixels (a window inside the frame is then a plain slice of it, see
    ``window_image``)."""
    side = float(round(factor * max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1.0)))
    x0 = float(round((bbox[0] + bbox[2] - side) / 2.0))
    y0 = float(round((bbox[1] + bbox[3] - side) / 2.0))
    return (x0, y0, x0 + side, y0 + side)


def window_image(img: np.ndarray, win: Box, size: int) -> np.ndarray:
    """The window of ``img`` resampled to uint8 [size, size, 3] (grey-padded outside). A window
    on whole pixels inside the frame is a slice, resized (bilinear, as the warp; several times
    cheaper); others are warped (the same pixel-centre mapping)."""
    x0, y0, x1, y1 = win
    h, w = img.shape[:2]
    whole = all(float(v).is_integer() for v in win)
    if whole and 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h and x1 - x0 == y1 - y0:
        patch = img[int(y0) : int(y1), int(x0) : int(x1)]
        return cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)
    s = size / (win[2] - win[0])
    m = np.array([[s, 0.0, -win[0] * s + 0.5 * s - 0.5], [0.0, s, -win[1] * s + 0.5 * s - 0.5]])
    flags = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(img, m, (size, size), flags=flags, borderValue=(118, 118, 118))


def landmarks_to_frame(lm: np.ndarray, win: Box, size: int) -> np.ndarray:
    """Landmarks [N,3] in window-image pixels -> frame pixels (z scaled like x)."""
    k = (win[2] - win[0]) / size
    out = lm * k
    out[:, 0] += win[0] + 0.5 * k - 0.5
    out[:, 1] += win[1] + 0.5 * k - 0.5
    return out


def pose_to_frame(pose: np.ndarray, win: Box, size: int, frame_wh: tuple[int, int]) -> np.ndarray:
    """MediaPipe head pose [4,4] seen in a window -> the pose the frame camera would see.

    Rotation kept; translation re-aimed along the frame camera's ray (module docstring).
    """
    w, h = frame_wh
    t = pose[:3, 3]
    if t[2] >= -1e-9:
        return pose.copy()
    f_win = (size / 2.0) / TAN_HALF_FOV  # window camera focal, window pixels
    u = size / 2.0 + f_win * t[0] / -t[2]
    v = size / 2.0 - f_win * t[1] / -t[2]
    k = (win[2] - win[0]) / size
    uf, vf = win[0] + u * k, win[1] + v * k
    f = (h / 2.0) / TAN_HALF_FOV
    z = t[2] * h / (win[2] - win[0])
    out = pose.copy()
    out[:3, 3] = [(uf - w / 2.0) / f * -z, -(vf - h / 2.0) / f * -z, z]
    out[:3, :3] = _turn_toward(out[:3, 3], RAY_TURN) @ pose[:3, :3]
    return out


def _turn_toward(ray: np.ndarray, k: float) -> np.ndarray:
    """Rotation [3,3] by ``k`` times the angle from the optical axis (0, 0, -1) to ``ray``."""
    r = ray / np.linalg.norm(ray)
    axis = np.cross([0.0, 0.0, -1.0], r)
    sin = float(np.linalg.norm(axis))
    if sin < 1e-9:
        return np.eye(3)
    angle = k * math.atan2(sin, -float(r[2]))
    axis /= sin
    kx = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + math.sin(angle) * kx + (1.0 - math.cos(angle)) * kx @ kx


def same_face(a: Box, b: Box, max_dist: float = 0.5) -> bool:
    """Whether two boxes are one face: centres closer than ``max_dist`` of the larger size."""
    size = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1], 1e-6)
    d = math.hypot((a[0] + a[2] - b[0] - b[2]) / 2.0, (a[1] + a[3] - b[1] - b[3]) / 2.0)
    return d < max_dist * size
