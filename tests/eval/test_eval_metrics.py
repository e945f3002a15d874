"""The metric functions on images with known answers (no face detector involved)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from streamfx.eval import metrics as mx
from streamfx.eval.flow import FlowEstimator, union_box, warp_error
from streamfx.eval.pose import angle_errors_deg, rotation_error_deg
from streamfx.eval.seams import border_points, composite_mask, measure_seam


@pytest.fixture(scope="module")
def astro():
    from streamfx.backends.mesh.assets import astronaut

    return astronaut()


def _shifted_face(img, alpha, shift=(40.0, -20.0, 10.0)):
    e = np.clip(img.astype(np.float32) + np.array(shift, np.float32), 0, 255)
    a = alpha[..., None]
    return (a * e + (1 - a) * img).round().astype(np.uint8)


def test_identical_images_score_zero(astro):
    img, lm = astro
    hull = mx.face_mask(lm, img.shape)
    assert mx.edit_strength(img, img, hull) == 0.0
    assert mx.background_change(img, img, hull) == (0.0, 1.0)
    assert mx.flicker(img, img, img, img, hull) == (0.0, 0.0, 0.0)
    seam = measure_seam(img, img, hull, mx.face_size(lm))
    assert seam is not None and seam.source == "hull"
    assert seam.colour == 0.0 and seam.gradient == pytest.approx(0.0, abs=1e-6)


def test_hard_paste_has_a_larger_seam_than_feathered(astro):
    img, lm = astro
    hull = mx.face_mask(lm, img.shape)
    size = mx.face_size(lm)
    hard = _shifted_face(img, hull.astype(np.float32))
    soft_alpha = cv2.GaussianBlur(cv2.erode(hull.astype(np.float32), np.ones((11, 11))), (0, 0), 5)
    soft = _shifted_face(img, soft_alpha)
    s_hard = measure_seam(img, hard, hull, size)
    s_soft = measure_seam(img, soft, hull, size)
    assert s_hard.source == s_soft.source == "change"
    # the hard edge steps by about the full shift (mean |40, -20, 10| ~ 23 levels)
    assert 15.0 < s_hard.colour < 30.0
    assert s_hard.colour > 3.0 * s_soft.colour
    assert s_hard.gradient > 2.0 * s_soft.gradient
    # the footprint of the hard paste is the hull itself
    fp, _ = composite_mask(img, hard, hull, size)
    assert np.mean(fp != hull) < 0.002


def test_border_normals_point_outward():
    mask = np.zeros((100, 100), bool)
    cv2.circle(mask.view(np.uint8), (50, 50), 30, 1, -1)
    pts, normals = border_points(mask)
    radial = (pts - 50.0) / np.linalg.norm(pts - 50.0, axis=1, keepdims=True)
    assert len(pts) > 40
    assert np.mean(np.sum(radial * normals, axis=1)) > 0.95


def test_flicker_of_a_jittering_face(astro):
    img, lm = astro
    hull = mx.face_mask(lm, img.shape)
    bright = img.copy()
    bright[hull] = np.clip(bright[hull].astype(int) + 10, 0, 255).astype(np.uint8)
    diff, edit_change, orig_change = mx.flicker(img, img, img, bright, hull)
    assert orig_change == 0.0
    assert diff == edit_change == pytest.approx(10.0, abs=0.5)


def test_warp_error_follows_real_motion(astro):
    img, lm = astro
    h, w = img.shape[:2]
    shift = np.float32([[1, 0, 3], [0, 1, 2]])
    moved = cv2.warpAffine(img, shift, (w, h), borderMode=cv2.BORDER_REFLECT)
    hull = mx.face_mask(lm, img.shape)
    box = union_box([hull], 40, img.shape)
    flow = FlowEstimator("medium").pair(img, moved, box)
    static_err = mx.masked_mean(mx.abs_diff(img, moved), hull)
    # the warp explains the motion: far below the plain frame difference
    err = warp_error(flow, img, moved, hull)
    assert err < 0.25 * static_err
    assert np.median(flow.backward[..., 0][flow.valid]) == pytest.approx(-3.0, abs=0.3)


def test_pose_angles_between_cameras():
    from streamfx.geometry.camera import camera_from_angles

    a = camera_from_angles(yaw=0.0)
    b = camera_from_angles(yaw=0.3)
    assert rotation_error_deg(a, a) == pytest.approx(0.0, abs=1e-3)
    assert rotation_error_deg(a, b) == pytest.approx(math.degrees(0.3), abs=0.05)
    yaw, pitch, roll = angle_errors_deg(a, b)
    assert yaw == pytest.approx(math.degrees(0.3), abs=0.05)
    assert abs(pitch) < 0.05 and abs(roll) < 0.05


def test_pose_error_against_a_corrected_pose(astro):
    from streamfx.eval.pose import pose_metrics
    from streamfx.face.types import Face
    from streamfx.geometry.camera import camera_from_angles

    _, lm = astro
    box = (*lm[:, :2].min(0), *lm[:, :2].max(0))
    ref = Face(track_id=0, landmarks=lm, bbox=box, camera=camera_from_angles(yaw=0.0))
    turned = Face(track_id=0, landmarks=lm, bbox=box, camera=camera_from_angles(yaw=0.3))
    assert pose_metrics(ref, turned)["pose_error_deg"] == pytest.approx(17.19, abs=0.05)
    corrected = pose_metrics(ref, turned, target=camera_from_angles(yaw=0.3))
    assert corrected["pose_error_deg"] == pytest.approx(0.0, abs=1e-3)
    assert corrected["landmark_error_px"] == 0.0
    assert all(v is None for v in pose_metrics(ref, None).values())
