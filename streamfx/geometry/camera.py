"""EG3D camera labels (pure numpy): constants and helpers matching the official conventions.

A label is 25 float32 numbers: the row-major 4x4 OpenCV cam2world (x right, y down, z forward)
in EG3D's y-up world, then the row-major 3x3 intrinsics normalised by image size.
The official helper orbits the world origin at radius 2.7 and looks at (0, 0, 0.2).
"""

from __future__ import annotations

import math

import numpy as np

from streamfx.errors import InputError

#: Focal length of the official helper: 1 / (tan(18.837 * 3.14159 / 360) * 1.414), in float32.
FOCAL_OFFICIAL = float(np.float32(1.0 / (math.tan(18.837 * 3.14159 / 360.0) * 1.414)))
#: Focal length of EG3D's FFHQ dataset labels (2985.29 / 700).
FOCAL_DATASET = 4.2647
RADIUS = 2.7
LOOKAT = (0.0, 0.0, 0.2)


def intrinsics(focal: float = FOCAL_OFFICIAL, cx: float = 0.5, cy: float = 0.5) -> np.ndarray:
    """Normalised 3x3 intrinsics K (float32)."""
    return np.array([[focal, 0.0, cx], [0.0, focal, cy], [0.0, 0.0, 1.0]], dtype=np.float32)


def make_label(cam2world: np.ndarray, k: np.ndarray | None = None) -> np.ndarray:
    """Pack a 4x4 cam2world and a 3x3 K into the 25-number label (float32 [25])."""
    c2w = np.asarray(cam2world, dtype=np.float32).reshape(4, 4)
    kk = intrinsics() if k is None else np.asarray(k, dtype=np.float32).reshape(3, 3)
    return np.concatenate([c2w.reshape(-1), kk.reshape(-1)]).astype(np.float32)


def split_label(label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unpack a [25] label into (cam2world [4,4], K [3,3])."""
    lab = np.asarray(label, dtype=np.float32).reshape(-1)
    if lab.shape[0] != 25:
        raise InputError(f"camera label must have 25 numbers, got {lab.shape[0]}")
    return lab[:16].reshape(4, 4), lab[16:].reshape(3, 3)


def look_at_cam2world(
    yaw: float,
    pitch: float,
    radius: float = RADIUS,
    lookat: tuple[float, float, float] = LOOKAT,
) -> np.ndarray:
    """EG3D ``LookAtPoseSampler`` without noise: OpenCV cam2world [4,4] float32.

    ``yaw`` (horizontal) and ``pitch`` (polar angle from +y) are the official angles in radians:
    (pi/2, pi/2) is the frontal camera at (0, 0, radius). The camera sits on a sphere of
    ``radius`` about the world origin and looks at ``lookat``; world up is +y; no roll.
    Computed in float32 like the official torch code.
    """
    h = np.float32(yaw)
    v = np.clip(np.float32(pitch), np.float32(1e-5), np.float32(math.pi - 1e-5))
    theta = h
    v = np.float32(v / math.pi)
    phi = np.arccos(np.float32(1 - 2 * v))
    origin = np.array(
        [
            radius * np.sin(phi) * np.cos(math.pi - theta),
            radius * np.cos(phi),
            radius * np.sin(phi) * np.sin(math.pi - theta),
        ],
        dtype=np.float32,
    )
    forward = np.asarray(lookat, dtype=np.float32) - origin
    forward = forward / np.linalg.norm(forward)
    up = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    right = -np.cross(up, forward)
    right = right / np.linalg.norm(right)
    new_up = np.cross(forward, right)
    new_up = new_up / np.linalg.norm(new_up)
    c2w = np.eye(4, dtype=np.float32)
    c2w[:3, :3] = np.stack([right, new_up, forward], axis=-1)
    c2w[:3, 3] = origin
    return c2w


def camera_from_angles(
    yaw: float = 0.0,
    pitch: float = 0.0,
    *,
    radius: float = RADIUS,
    lookat: tuple[float, float, float] = LOOKAT,
    focal: float = FOCAL_OFFICIAL,
) -> np.ndarray:
    """The 25-number label of a camera turned ``yaw``/``pitch`` radians away from frontal.

    (0, 0) is the official frontal view; yaw > 0 is the official ``pi/2 + yaw`` (the
    ``yaw30`` fixture view is ``yaw=pi/6``); pitch > 0 raises the polar angle (camera lower).
    """
    c2w = look_at_cam2world(math.pi / 2 + yaw, math.pi / 2 + pitch, radius, lookat)
    return make_label(c2w, intrinsics(focal))
