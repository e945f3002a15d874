"""The EG3D camera label of a face from MediaPipe's head pose (pure numpy).

MediaPipe's facial transformation matrix M (4x4) maps points of its canonical face model
(centimetres; x toward the picture's right for a frontal face, y up, +z out of the face toward
the viewer) into an OpenGL-style camera frame (x right, y up, the camera looking down -z):
``p_cam = R p_head + t``.

EG3D's label wants the opposite direction, the camera in the head's ("world") frame, with
OpenCV camera axes (x right, y down, z forward):

1. invert: cam-in-head rotation R^T, camera centre c = -R^T t (cm, head frame);
2. OpenGL -> OpenCV: flip the camera's y and z axes, i.e. right-multiply by diag(1, -1, -1);
3. head frame -> EG3D world: the canonical face and EG3D's world agree (y up, face looking
   toward +z, frontal camera on +z; an identity M gives rotation diag(1, -1, -1) at (0, 0, d),
   exactly EG3D's frontal camera), so no axis change is needed;
4. the crop already fixes scale and centring (it is a virtual camera aimed at the face), so only
   the direction of c matters: the centre goes to ``RADIUS`` * c / |c| (the official sphere about
   the origin) and the camera is turned by the smallest rotation that makes its forward axis look
   at ``LOOKAT``, which keeps MediaPipe's roll about the viewing axis;
5. intrinsics: the official helper's normalised K (focal ``FOCAL_OFFICIAL``, c = 0.5).

Head roll thus appears as camera roll (the EG3D crop keeps roll in the picture, the official
labels put it in the rotation); yaw and pitch appear as the camera's position on the sphere.
"""

from __future__ import annotations

import math

import numpy as np

from streamfx.errors import InputError
from streamfx.geometry.camera import FOCAL_OFFICIAL, LOOKAT, RADIUS, intrinsics, make_label

GL_TO_CV = np.diag([1.0, -1.0, -1.0])


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation [3,3] taking unit vector a to unit vector b (Rodrigues)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -1.0 + 1e-9:  # opposite: turn by pi about any axis orthogonal to a
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def orthonormalize(r: np.ndarray) -> np.ndarray:
    """The nearest rotation matrix [3,3] to ``r`` (SVD, determinant +1)."""
    u, _, vt = np.linalg.svd(np.asarray(r, dtype=np.float64))
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def cam2world_from_pose(
    pose: np.ndarray,
    radius: float = RADIUS,
    lookat: tuple[float, float, float] = LOOKAT,
) -> np.ndarray:
    """OpenCV cam2world [4,4] float64 in EG3D's world from MediaPipe's head->camera [4,4]."""
    m = np.asarray(pose, dtype=np.float64)
    if m.shape != (4, 4) or not np.all(np.isfinite(m)):
        raise InputError(f"expected a finite 4x4 head pose matrix, got shape {m.shape}")
    rot = orthonormalize(m[:3, :3])
    centre = -rot.T @ m[:3, 3]  # camera centre in the head frame (cm)
    norm = float(np.linalg.norm(centre))
    if norm < 1e-9:
        raise InputError("head pose puts the camera at the head's origin (zero translation)")
    cam_rot = rot.T @ GL_TO_CV  # columns: camera right, down, forward in the head/world frame
    position = radius * centre / norm
    forward = np.asarray(lookat, dtype=np.float64) - position
    forward /= np.linalg.norm(forward)
    cam_rot = _rotation_between(cam_rot[:, 2], forward) @ cam_rot
    c2w = np.eye(4)
    c2w[:3, :3] = cam_rot
    c2w[:3, 3] = position
    return c2w


def camera_from_pose(
    pose: np.ndarray,
    focal: float = FOCAL_OFFICIAL,
    radius: float = RADIUS,
    lookat: tuple[float, float, float] = LOOKAT,
) -> np.ndarray:
    """The 25-number EG3D label (float32 [25]) from MediaPipe's facial transformation matrix."""
    return make_label(cam2world_from_pose(pose, radius, lookat), intrinsics(focal))


def camera_angles(label: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in radians of a label, relative to the official frontal camera.

    yaw: azimuth of the camera centre, atan2(x, z) (> 0: camera toward +x);
    pitch: elevation, asin(y / |p|) (> 0: camera above the face);
    roll: rotation of the camera about its forward axis away from the no-roll look-at camera at
    the same place (the official sampler's), positive when the face appears turned
    counter-clockwise in the picture.
    """
    lab = np.asarray(label, dtype=np.float64).reshape(-1)
    c2w = lab[:16].reshape(4, 4)
    pos = c2w[:3, 3]
    yaw = math.atan2(pos[0], pos[2])
    pitch = math.asin(np.clip(pos[1] / np.linalg.norm(pos), -1.0, 1.0))
    fwd = c2w[:3, 2]
    ref_right = -np.cross([0.0, 1.0, 0.0], fwd)
    ref_right /= np.linalg.norm(ref_right)
    right = c2w[:3, 0]
    roll = math.atan2(float(np.dot(np.cross(ref_right, right), fwd)), float(ref_right @ right))
    return yaw, pitch, roll
