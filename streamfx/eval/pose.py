"""Pose fidelity: head pose and landmarks re-detected on the edit against the original's.

Head pose is compared through EG3D camera labels (``Face.camera``, from MediaPipe's facial
transformation matrix): the error is the angle (degrees) of the rotation between the two views
(viewing direction and roll, ``view_rotation``), plus the signed yaw / pitch / roll differences
of ``streamfx.face.pose.camera_angles`` (edit minus reference). When the edit corrects the
pose to a fixed camera, that camera is the reference. Landmark error is the mean 2-D distance
over all landmarks, in pixels and in face sizes.
"""

from __future__ import annotations

import math

import numpy as np

from streamfx.eval.metrics import face_size
from streamfx.face.pose import camera_angles
from streamfx.face.types import Face

#: Faces in the edit farther than this (in face sizes) from an original face are not its edit.
MATCH_DISTANCE = 0.5


def view_rotation(label: np.ndarray) -> np.ndarray:
    """[3,3] rotation of the viewing direction and roll of a camera label: yaw about world y,
    then pitch, then roll about the view axis (``camera_angles``). Unlike the label's own
    rotation it ignores the tilt of aiming at the look-at point, so a pure yaw of a degrees
    between two labels is a rotation of exactly a degrees."""
    yaw, pitch, roll = camera_angles(label)
    cy, sy, cp, sp, cr, sr = (f(a) for a in (yaw, pitch, roll) for f in (math.cos, math.sin))
    ry = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
    rz = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]])
    return ry @ rx @ rz


def rotation_error_deg(reference: np.ndarray, label: np.ndarray) -> float:
    """Angle (degrees) of the rotation between the views of two 25-number EG3D labels (see
    ``view_rotation``)."""
    # ||R1 - R2||_F = 2 sqrt(2) sin(angle / 2): exact near 0, where acos of the trace is not
    chord = float(np.linalg.norm(view_rotation(reference) - view_rotation(label)))
    return math.degrees(2.0 * math.asin(min(1.0, chord / (2.0 * math.sqrt(2.0)))))


def angle_errors_deg(reference: np.ndarray, label: np.ndarray) -> tuple[float, float, float]:
    """Signed (yaw, pitch, roll) of ``label`` minus ``reference``, degrees, wrapped to +-180."""
    a = camera_angles(reference)
    b = camera_angles(label)
    return tuple(  # type: ignore[return-value]
        math.degrees(math.remainder(bi - ai, 2.0 * math.pi)) for ai, bi in zip(a, b, strict=True)
    )


def landmark_error(reference: np.ndarray, landmarks: np.ndarray) -> tuple[float, float]:
    """(mean 2-D landmark distance in pixels, the same divided by the reference face size)."""
    ref = np.asarray(reference, dtype=np.float64)[:, :2]
    lm = np.asarray(landmarks, dtype=np.float64)[:, :2]
    n = min(len(ref), len(lm))
    px = float(np.linalg.norm(ref[:n] - lm[:n], axis=1).mean())
    return px, px / max(face_size(ref), 1e-6)


def _centre(face: Face) -> np.ndarray:
    x0, y0, x1, y1 = face.bbox
    return np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])


def match_faces(reference: list[Face], edited: list[Face]) -> dict[int, Face]:
    """Original track id -> the edited face at its place (nearest centre within
    ``MATCH_DISTANCE`` face sizes; each edited face used once, larger faces first)."""
    out: dict[int, Face] = {}
    free = list(edited)
    for ref in sorted(reference, key=lambda f: -f.size):
        if not free:
            break
        dist = [float(np.linalg.norm(_centre(ref) - _centre(e))) for e in free]
        j = int(np.argmin(dist))
        if dist[j] <= MATCH_DISTANCE * max(ref.size, 1e-6):
            out[ref.track_id] = free.pop(j)
    return out


def pose_metrics(
    reference: Face, edited: Face | None, target: np.ndarray | None = None
) -> dict[str, float | None]:
    """Pose and landmark errors of the edited face against the original (or ``target``, a
    25-number label the edit was corrected to). All None when the edit shows no face."""
    keys = (
        "pose_error_deg",
        "yaw_error_deg",
        "pitch_error_deg",
        "roll_error_deg",
        "landmark_error_px",
        "landmark_error_rel",
    )
    out: dict[str, float | None] = dict.fromkeys(keys)
    if edited is None:
        return out
    ref_cam = target if target is not None else reference.camera
    if ref_cam is not None and edited.camera is not None:
        out["pose_error_deg"] = rotation_error_deg(ref_cam, edited.camera)
        yaw, pitch, roll = angle_errors_deg(ref_cam, edited.camera)
        out.update(yaw_error_deg=yaw, pitch_error_deg=pitch, roll_error_deg=roll)
    px, rel = landmark_error(reference.landmarks, edited.landmarks)
    out.update(landmark_error_px=px, landmark_error_rel=rel)
    return out
