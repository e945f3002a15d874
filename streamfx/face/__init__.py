"""Faces: MediaPipe tracking (the only mediapipe import), EG3D crop and camera, per face."""

from streamfx.face.types import CROP_SIZE, Face

__all__ = ["CROP_SIZE", "Face"]
