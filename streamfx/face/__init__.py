"""Faces: MediaPipe tracking (the only mediapipe import), EG3D crop and camera, per face.

Names are imported on first use (PEP 562), so ``streamfx.face.config`` and
``streamfx.face.types`` stay light: ``FaceTracker`` loads mediapipe, the geometry
(``five_points``, ``eg3d_crop_transform``, ``warp_crop``, ``camera_from_pose``) numpy/OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamfx.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "CROP_SIZE": "streamfx.face.types",
    "Face": "streamfx.face.types",
    "FaceConfig": "streamfx.face.config",
    "FaceTracker": "streamfx.face.tracker",
    "camera_angles": "streamfx.face.pose",
    "camera_from_pose": "streamfx.face.pose",
    "eg3d_crop_transform": "streamfx.face.align",
    "five_points": "streamfx.face.align",
    "warp_crop": "streamfx.face.align",
}
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

if TYPE_CHECKING:
    from streamfx.face.align import eg3d_crop_transform, five_points, warp_crop
    from streamfx.face.config import FaceConfig
    from streamfx.face.pose import camera_angles, camera_from_pose
    from streamfx.face.tracker import FaceTracker
    from streamfx.face.types import CROP_SIZE, Face

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
