"""MeshEditor: identity fidelity, pose correction direction, hard poses, bad input."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from streamfx.backends.base import EditorBackend, get_backend_factory
from streamfx.backends.mesh import MeshConfig, MeshEditor
from streamfx.backends.mesh.assets import astronaut, face_from_landmarks
from streamfx.backends.mesh.gbuffer import render_gbuffer
from streamfx.backends.mesh.lift import lift, repose, rotation_from_euler
from streamfx.backends.mesh.paste import paste_edit
from streamfx.errors import ConfigError, InputError
from streamfx.geometry.camera import camera_from_angles

FULL_CROP = MeshConfig(output_size=512)  # edits compared pixel for pixel with face.crop


@pytest.fixture(scope="module")
def photo():
    img, lm = astronaut()
    return img, lm, face_from_landmarks(img, lm)


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2)[mask].mean()
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def test_registered_and_implements_the_protocol() -> None:
    ed = get_backend_factory("mesh")(style="cartoon")
    assert isinstance(ed, EditorBackend) and ed.name == "mesh"


def test_identity_at_own_camera_reproduces_the_face(photo) -> None:
    img, _, face = photo
    edit = MeshEditor("identity", FULL_CROP).edit(img, face)
    assert edit.image.shape == (512, 512, 3) and edit.image.dtype == np.uint8
    assert edit.alpha.shape == (512, 512) and edit.alpha.dtype == np.float32
    assert edit.depth is not None and edit.depth.dtype == np.float32
    mask = edit.alpha > 0.5
    assert mask.sum() > 0.1 * 512 * 512  # the face covers a good part of the crop
    assert psnr(edit.image, face.crop, mask) >= 25.0
    assert edit.alpha.max() <= 1.0 and edit.alpha[0, 0] == 0.0  # fades out, crop corner empty


def _marker_x(img: np.ndarray) -> float:
    """x centroid of the pure-green marker."""
    g = img.astype(np.int32)
    m = (g[..., 1] > 200) & (g[..., 0] < 60) & (g[..., 2] < 60)
    assert m.sum() > 5, "marker not visible"
    return float(np.nonzero(m)[1].mean())


def test_yaw_plus_15_moves_the_nose_tip_to_image_left(photo) -> None:
    """camera_from_angles(yaw>0) moves the camera toward world +x (the subject's left, image
    right), so the face is seen from that side and the nose tip moves toward image left."""
    img, lm, face = photo
    marked = img.copy()
    cv2.circle(marked, (round(lm[1, 0]), round(lm[1, 1])), 2, (0, 255, 0), -1)
    ed = MeshEditor("identity")
    xs = {}
    for deg in (-15, 0, 15):
        cam = camera_from_angles(math.radians(deg), 0.0)
        xs[deg] = _marker_x(ed.edit(marked, face, camera=cam).image)
    # the nose sits ~7.5 cm in front of the head pivot: ~ scale * 7.5 * sin(15 deg) px
    assert xs[15] < xs[0] - 5 and xs[-15] > xs[0] + 5
    assert abs((xs[0] - xs[15]) - (xs[-15] - xs[0])) < 0.5 * (xs[-15] - xs[15])


def _rotated_frame(img: np.ndarray, lm: np.ndarray, yaw: float, shift=(0.0, 0.0)):
    """Re-render the astronaut's face at ``yaw`` (radians) and shifted, like a new photo."""
    rot = rotation_from_euler(yaw)
    mesh = repose(lift(lm), rot, np.array([*shift, 0.0]))
    h, w = img.shape[:2]
    bg = np.float64([[1, 0, -shift[0]], [0, 1, -shift[1]]])
    moved = cv2.warpAffine(img, bg, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    g = render_gbuffer(mesh, img, (h, w), max(h, w), background=bg)
    a = g.alpha[..., None]
    frame = (moved * (1 - a) + g.image * a).astype(np.uint8)
    pivot = lift(lm).pivot
    new_lm = (lm - pivot) @ rot.T + pivot + [*shift, 0.0]
    return frame, new_lm.astype(np.float32)


@pytest.mark.parametrize("style", ["cartoon", "bronze", "neon"])
def test_profile_face_works(photo, style: str) -> None:
    img, lm, _ = photo
    frame, new_lm = _rotated_frame(img, lm, math.radians(70))
    face = face_from_landmarks(frame, new_lm)
    ed = MeshEditor(style)
    for cam in (None, camera_from_angles(0.0, 0.0)):  # as seen, and frontalised
        edit = ed.edit(frame, face, camera=cam)
        assert np.isfinite(edit.alpha).all() and 0 <= edit.alpha.min() <= edit.alpha.max() <= 1
        assert edit.alpha.max() > 0.5
        out = paste_edit(frame, edit, face.from_crop)
        assert out.shape == frame.shape


def test_face_at_the_frame_border_works(photo) -> None:
    img, lm, _ = photo
    cx = float(lm[:, 0].mean())
    frame, new_lm = _rotated_frame(img, lm, math.radians(10), shift=(-cx + 10.0, 380.0))
    assert new_lm[:, 0].min() < 0 and new_lm[:, 1].max() > img.shape[0]  # partly outside
    face = face_from_landmarks(frame, new_lm)
    edit = MeshEditor("cartoon").edit(frame, face, camera=camera_from_angles(0.2, 0.1))
    out = paste_edit(frame, edit, face.from_crop)
    assert out.shape == frame.shape
    assert np.array_equal(out[:, 200:], frame[:, 200:])  # far from the face: untouched


def test_bad_inputs_raise_clear_errors(photo) -> None:
    img, _, face = photo
    ed = MeshEditor("identity")
    with pytest.raises(InputError, match="uint8"):
        ed.edit(img.astype(np.float32), face)
    with pytest.raises(InputError, match="25"):
        ed.edit(img, face, camera=np.zeros(24, np.float32))
    with pytest.raises(InputError, match="478"):
        lift(np.zeros((10, 3)))
    with pytest.raises(ConfigError, match="available"):
        MeshEditor("no-such-style")


def test_set_style_switches_effect(photo) -> None:
    img, _, face = photo
    ed = MeshEditor("identity")
    a = ed.edit(img, face).image
    ed.set_style("bronze")
    assert ed.style == "bronze"
    b = ed.edit(img, face).image
    assert np.abs(a.astype(int) - b).mean() > 5
    ed.reset(0)  # stateless: no error


def test_end_to_end_with_the_face_tracker(face_model) -> None:
    """Real EG3D crop and camera from MediaPipe: identity fidelity and pose correction."""
    img, lm = astronaut()
    marked = img.copy()
    cv2.circle(marked, (round(lm[1, 0]), round(lm[1, 1])), 2, (0, 255, 0), -1)
    from streamfx.face import FaceTracker

    tracker = FaceTracker(model_path=face_model)
    faces = tracker.detect(img)
    tracker.close()
    assert len(faces) == 1
    face = faces[0]
    ed = MeshEditor("identity", FULL_CROP)
    edit = ed.edit(img, face)
    mask = edit.alpha > 0.5
    assert psnr(edit.image, face.crop, mask) >= 25.0
    x0 = _marker_x(ed.edit(marked, face, camera=camera_from_angles(0.0, 0.0)).image)
    x15 = _marker_x(ed.edit(marked, face, camera=camera_from_angles(math.radians(15), 0.0)).image)
    assert x15 < x0 - 5


def test_style_switch_cross_fades_per_track(photo) -> None:
    img, _, face = photo
    cut = MeshEditor("identity", MeshConfig(crossfade_frames=0))
    cut.set_style("neon")
    neon = cut.edit(img, face).image.astype(int)
    ed = MeshEditor("identity", MeshConfig(crossfade_frames=3))
    before = ed.edit(img, face).image.astype(int)
    ed.set_style("neon")
    dists = [np.abs(ed.edit(img, face).image.astype(int) - neon).mean() for _ in range(4)]
    assert dists[0] > dists[1] > dists[2] > 0.5  # morphing toward neon, frame by frame
    assert dists[3] < 0.5  # done
    assert np.abs(before - neon).mean() > dists[0]
    with pytest.raises(ConfigError):
        MeshEditor("identity", MeshConfig(crossfade_frames=-1))


def test_mirror_fill_borrows_texture_only_for_the_hidden_side(photo) -> None:
    from streamfx.backends.mesh.lift import mirror_fill
    from streamfx.backends.mesh.topology import load_topology

    _, lm, _ = photo
    frontal = mirror_fill(lift(lm))
    assert frontal.alt_weight.max() < 0.35
    turned = mirror_fill(repose(lift(lm), rotation_from_euler(math.radians(55))))
    x = load_topology().canonical[:, 0]  # canonical +x: image right in a frontal view
    # yaw > 0 moves the nose to image left: the image-left cheek (canonical -x) turns away
    far, near = turned.alt_weight[x < -3], turned.alt_weight[x > 3]
    assert far.mean() > 0.3 and near.max() < 0.05
    np.testing.assert_array_equal(turned.uv_alt, turned.uv[load_topology().mirror])
