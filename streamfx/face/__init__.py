"""Faces: MediaPipe tracking (the only mediapipe import), EG3D crop and camera, per face.

``FaceTracker`` imports mediapipe lazily (on first use of this name); the geometry
(``five_points``, ``eg3d_crop_transform``, ``warp_crop``, ``camera_from_pose``) is pure
numpy/OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamfx.face.align import eg3d_crop_transform, five_points, warp_crop
from streamfx.face.config import FaceConfig
from streamfx.face.pose import camera_angles, camera_from_pose
from streamfx.face.types import CROP_SIZE, Face

if TYPE_CHECKING:
    from streamfx.face.tracker import FaceTracker

__all__ = [
    "CROP_SIZE",
    "Face",
    "FaceConfig",
    "FaceTracker",
    "camera_angles",
    "camera_from_pose",
    "eg3d_crop_transform",
    "five_points",
    "warp_crop",
]


def __getattr__(name: str) -> Any:
    if name == "FaceTracker":
        from streamfx.face.tracker import FaceTracker

        return FaceTracker
    raise AttributeError(f"module 'streamfx.face' has no attribute {name!r}")
