"""The per-face record produced by the tracker (pure data, no mediapipe import)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CROP_SIZE = 512


@dataclass
class Face:
    """One tracked face in one frame.

    track_id: stable id of the person across frames (not the list order).
    landmarks: float32 [478,3], MediaPipe face-mesh points; x, y in frame pixels, z in pixels
        at the same scale as x (MediaPipe's relative depth times the frame width; smaller z is
        closer to the camera).
    bbox: (x0, y0, x1, y1) in frame pixels, the landmark extent.
    crop: uint8 [512,512,3] RGB, the EG3D-aligned crop (None if not computed yet).
    to_crop: float64 [2,3] affine, frame pixels -> crop pixels.
    from_crop: float64 [2,3] affine, crop pixels -> frame pixels (inverse of to_crop).
    camera: float32 [25], the EG3D camera label (cam2world 4x4 row-major + normalised K 3x3).
    pose: float64 [4,4] or None, MediaPipe's facial transformation matrix (canonical face model,
        cm, -> OpenGL camera), kept for backends that need metric head pose.
    score: detection confidence or presence in [0,1] when known.
    five_points: float64 [5,2] or None, the calibrated points (eyes, nose, mouth corners, frame
        pixels) the EG3D crop was fitted to.
    """

    track_id: int
    landmarks: np.ndarray
    bbox: tuple[float, float, float, float]
    crop: np.ndarray | None = None
    to_crop: np.ndarray | None = None
    from_crop: np.ndarray | None = None
    camera: np.ndarray | None = None
    pose: np.ndarray | None = None
    score: float = 1.0
    five_points: np.ndarray | None = None

    @property
    def size(self) -> float:
        """Face size in frame pixels: the larger side of the bbox."""
        x0, y0, x1, y1 = self.bbox
        return float(max(x1 - x0, y1 - y0))
