"""Bundled demo assets: the astronaut portrait and its face-mesh landmarks.

``data/astronaut.npz`` holds scikit-image's ``astronaut()`` photo (Eileen Collins, NASA, public
domain) as JPEG bytes and its 478 MediaPipe landmarks (x, y, z in pixels, computed once with
MediaPipe's FaceLandmarker), so the demo needs neither scikit-image nor MediaPipe at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from streamfx.backends.mesh.lift import camera_from_rotation, fit_head_pose
from streamfx.errors import InputError
from streamfx.face.types import CROP_SIZE, Face

ASTRONAUT = Path(__file__).with_name("data") / "astronaut.npz"


@lru_cache(maxsize=1)
def _astronaut() -> tuple[np.ndarray, np.ndarray]:
    if not ASTRONAUT.is_file():
        raise InputError(f"demo asset missing: expected {ASTRONAUT}")
    with np.load(ASTRONAUT) as d:
        img = cv2.imdecode(d["jpeg"], cv2.IMREAD_COLOR)
        lm = d["landmarks"].astype(np.float32)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB), lm


def astronaut() -> tuple[np.ndarray, np.ndarray]:
    """(image uint8 [512,512,3] RGB, landmarks float32 [478,3]) — fresh copies."""
    img, lm = _astronaut()
    return img.copy(), lm.copy()


def simple_crop_transform(landmarks: np.ndarray, face_px: float = 260.0) -> np.ndarray:
    """A scale + shift (2x3) that frames the face like an EG3D crop: the landmark box's longer
    side becomes ``face_px`` crop pixels, its centre lands at (256, 270)."""
    lm = np.asarray(landmarks, np.float64)
    lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
    s = face_px / max(float((hi - lo).max()), 1e-6)
    c = (lo + hi) / 2.0
    return np.array([[s, 0.0, 256.0 - s * c[0]], [0.0, s, 270.0 - s * c[1]]])


def face_from_landmarks(
    image: np.ndarray, landmarks: np.ndarray, track_id: int = 0, with_crop: bool = True
) -> Face:
    """A :class:`Face` record from landmarks alone (no tracker): simple crop transform and the
    camera of the fitted head pose. For demos, tests and thumbnails."""
    lm = np.asarray(landmarks, np.float32)
    to_crop = simple_crop_transform(lm)
    from_crop = cv2.invertAffineTransform(to_crop)
    rot, _, _ = fit_head_pose(lm)
    crop = None
    if with_crop:
        crop = cv2.warpAffine(image, to_crop, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR)
    lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
    return Face(
        track_id=track_id,
        landmarks=lm,
        bbox=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
        crop=crop,
        to_crop=to_crop,
        from_crop=from_crop,
        camera=camera_from_rotation(rot),
    )
