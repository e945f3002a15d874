"""Lift a tracked face to a textured 3-D mesh, and re-pose it for another camera.

Coordinates: the mesh lives in an image space with OpenCV camera axes, x right, y down, z away
from the camera (MediaPipe's landmark z, in pixels at the scale of x). Projection is
orthographic (weak perspective), which is what MediaPipe's landmarks already are.

Head pose: a similarity fit (Umeyama) of MediaPipe's canonical face model to the landmarks gives
the head rotation ``R`` (canonical axes -> camera axes, with the canonical y and z flipped to
image axes), its scale (pixels per cm) and the image of the canonical origin, which sits about
7.5 cm behind the nose tip, near the middle of the head: that is the pivot for re-posing.

EG3D world vs. canonical face: both are y up with +z toward a frontal viewer, so the OpenCV
cam2world rotation of the camera that sees the head as ``R`` is ``F @ R.T`` with
``F = diag(1, -1, -1)`` (for a frontal head, ``R = I`` and cam2world = ``F``, which is exactly
``camera_from_angles(0, 0)``'s rotation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from streamfx.backends.mesh.topology import N_MESH, load_topology
from streamfx.errors import InputError
from streamfx.face.types import Face
from streamfx.geometry.camera import RADIUS, intrinsics, make_label, split_label

FLIP = np.diag([1.0, -1.0, -1.0])


@dataclass
class LiftedMesh:
    """A textured face mesh in some target image space.

    verts: float32 [468,3] positions (x, y in target pixels; z away from the camera, same scale).
    uv: float32 [468,2] texture coordinates: pixel positions in the source frame.
    opacity: float32 [468] per-vertex opacity (fades to 0 at the mesh border).
    pivot: float64 [3] the head centre in target space (rotation centre for re-posing).
    rotation: float64 [3,3] head rotation, canonical face axes (image-flipped) -> camera axes.
    scale: float target pixels per cm of the canonical face.
    uv_alt: float32 [468,2] or None, second texture coordinates (the mirror side's), blended in
        with ``alt_weight`` float32 [468] where the source view hid the surface.
    """

    verts: np.ndarray
    uv: np.ndarray
    opacity: np.ndarray
    pivot: np.ndarray
    rotation: np.ndarray
    scale: float
    uv_alt: np.ndarray | None = None
    alt_weight: np.ndarray | None = None


def rescale_mesh(mesh: LiftedMesh, k: float) -> LiftedMesh:
    """``mesh`` in a target image resampled by ``k`` (pixel centres kept aligned: x' =
    (x + 0.5) k - 0.5; depth scaled alike), e.g. the 512 crop at the face's own resolution."""
    verts = mesh.verts.astype(np.float64)
    pivot = np.asarray(mesh.pivot, np.float64).copy()
    for p in (verts, pivot[None]):
        p[..., :2] = (p[..., :2] + 0.5) * k - 0.5
        p[..., 2] *= k
    out = verts.astype(np.float32)
    return replace(mesh, verts=out, pivot=pivot, scale=float(mesh.scale) * k)


def fit_head_pose(points: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Similarity fit of the canonical face to ``points`` [>=468,3] (image axes).

    Returns (R [3,3], scale, t [3]) with ``points ≈ scale * R @ (F @ canonical) + t``.
    """
    src = load_topology().canonical.astype(np.float64) @ FLIP
    dst = np.asarray(points, np.float64)[:N_MESH]
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a)
    d = np.eye(3)
    d[2, 2] = np.sign(np.linalg.det(u @ vt))
    rot = u @ d @ vt
    scale = float((sig * np.diag(d)).sum() / (a**2).sum())
    return rot, scale, mu_d - scale * rot @ mu_s


def camera_from_rotation(rot: np.ndarray) -> np.ndarray:
    """EG3D label (float32 [25]) of the camera that sees the head with rotation ``rot``.

    The camera sits at radius 2.7 and looks at the world origin (the head centre).
    """
    c2w = np.eye(4)
    c2w[:3, :3] = FLIP @ np.asarray(rot, np.float64).T
    c2w[:3, 3] = c2w[:3, :3] @ np.array([0.0, 0.0, -RADIUS])
    return make_label(c2w, intrinsics())


def relative_rotation(cam_from: np.ndarray, cam_to: np.ndarray) -> np.ndarray:
    """Rotation [3,3] taking camera-space vectors of ``cam_from`` to those of ``cam_to``.

    Both are 25-number labels of cameras looking at the same (static) head:
    ``R_rel = R_to.T @ R_from`` with the cam2world rotations.
    """
    r_from = split_label(cam_from)[0][:3, :3].astype(np.float64)
    r_to = split_label(cam_to)[0][:3, :3].astype(np.float64)
    return r_to.T @ r_from


def affine_scale(m: np.ndarray) -> float:
    """Isotropic scale of a 2x3 affine (sqrt of |det| of its linear part)."""
    return float(np.sqrt(abs(np.linalg.det(np.asarray(m, np.float64)[:, :2]))))


def lift(landmarks: np.ndarray, to_target: np.ndarray | None = None) -> LiftedMesh:
    """Lift 478 (or 468) landmarks in frame pixels to a mesh in a target space.

    landmarks: float [478,3] (x, y, z) in frame pixels. to_target: 2x3 affine frame -> target
    pixels (e.g. ``face.to_crop``); None keeps frame pixels. z is scaled with the affine.
    """
    lm = np.asarray(landmarks, np.float64)
    if lm.ndim != 2 or lm.shape[0] < N_MESH or lm.shape[1] != 3:
        raise InputError(f"landmarks must be [478,3] (x, y, z), got shape {lm.shape}")
    lm = lm[:N_MESH]
    if not np.isfinite(lm).all():
        raise InputError("landmarks contain NaN or inf")
    m = np.array([[1.0, 0, 0], [0, 1.0, 0]]) if to_target is None else np.asarray(to_target)
    verts = np.empty_like(lm)
    verts[:, :2] = lm[:, :2] @ m[:, :2].T + m[:, 2]
    verts[:, 2] = lm[:, 2] * affine_scale(m)
    rot, scale, t = fit_head_pose(verts)
    return LiftedMesh(
        verts=verts.astype(np.float32),
        uv=lm[:, :2].astype(np.float32),
        opacity=load_topology().opacity,
        pivot=t,
        rotation=rot,
        scale=scale,
    )


def lift_face(face: Face, to_target: np.ndarray | None = None) -> LiftedMesh:
    """:func:`lift` for a :class:`Face` into its crop space (``face.to_crop``) by default."""
    m = face.to_crop if to_target is None else to_target
    if m is None:
        raise InputError("face.to_crop is None: the face has no crop transform")
    return lift(face.landmarks, m)


def repose(mesh: LiftedMesh, rot: np.ndarray, shift: np.ndarray | None = None) -> LiftedMesh:
    """Rotate the mesh about its pivot by ``rot`` [3,3] (camera axes), then shift it [3]."""
    r = np.asarray(rot, np.float64)
    piv = mesh.pivot
    new_pivot = piv + (0.0 if shift is None else np.asarray(shift, np.float64))
    verts = (mesh.verts.astype(np.float64) - piv) @ r.T + new_pivot
    return replace(
        mesh, verts=verts.astype(np.float32), pivot=new_pivot, rotation=r @ mesh.rotation
    )


def mirror_fill(mesh: LiftedMesh, lo: float = 0.05, hi: float = 0.4) -> LiftedMesh:
    """Borrow texture from the mirror side where the source view saw the surface edge-on.

    Uses the mesh's current (source) head rotation: a vertex whose canonical normal faces the
    camera less than ``hi`` (|n_z|, fading from ``lo``) while its mirror vertex faces it well
    gets the mirror's texture coordinates as ``uv_alt`` with that weight. Call before
    :func:`repose`; it makes frontalising a turned face show a plausible far cheek instead of
    a few stretched pixels.
    """
    topo = load_topology()
    facing = -(topo.normals @ (np.asarray(mesh.rotation) @ FLIP).T)[:, 2]
    vis = np.clip((facing - lo) / (hi - lo), 0.0, 1.0)
    vis = vis * vis * (3.0 - 2.0 * vis)
    weight = (1.0 - vis) * vis[topo.mirror]
    return replace(mesh, uv_alt=mesh.uv[topo.mirror], alt_weight=weight.astype(np.float32))


def rotation_from_euler(yaw: float, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """Head rotation [3,3] in camera axes (radians): yaw about y, pitch about x, roll about z.

    A plain ``Ry @ Rx @ Rz`` in image axes (x right, y down, z away). Applied with
    :func:`repose`, yaw > 0 moves the nose tip (in front of the pivot) toward image left, which
    matches a camera yaw > 0 of ``camera_from_angles``; pitch > 0 moves it down (the head
    nods down; a camera pitch > 0 moves it up).
    """
    cy, sy = np.cos(yaw), np.sin(yaw)
    cx, sx = np.cos(pitch), np.sin(pitch)
    cz, sz = np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return ry @ rx @ rz
