"""``evaluate`` end to end on synthetic edits whose answer is known (MediaPipe + dlib real)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import paste

from streamfx.eval import metrics as mx
from streamfx.eval.runner import EvalOptions, evaluate


def _face_paste(frame, lm, shift, dx=0.0, dy=0.0):
    """``frame`` with its face oval brightened by ``shift`` levels, the face moved by (dx, dy)."""
    import cv2

    hull = mx.face_mask(lm, frame.shape).astype(np.float32)
    face = np.clip(frame.astype(np.float32) + shift, 0, 255)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    h, w = frame.shape[:2]
    face = cv2.warpAffine(face, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    a = cv2.GaussianBlur(hull, (0, 0), 3)[..., None]
    return (a * face + (1 - a) * frame).round().astype(np.uint8)


def test_identical_clips(talking, write_clip, face_model):
    orig = write_clip(talking[:5], "orig")
    same = write_clip(talking[:5], "same")
    r = evaluate(orig, same, EvalOptions(face_model=str(face_model)))
    s = r.summary
    assert s["frames"] == s["face_frames"] == 5
    assert s["flicker"] == 0.0
    assert s["flicker_original"] > 0.5  # the clip moves; only the difference is zero
    assert s["identity_distance"] < 0.01
    assert s["edit_strength"] == 0.0 and s["seam"] == 0.0
    assert s["pose_error_deg"] < 0.05 and s["landmark_error_px"] < 0.05
    assert s["containment"] == 1.0 and s["edit_face_found"] == 1.0
    assert s["warp_error"] == pytest.approx(s["warp_error_original"])


def test_jittered_edit_flickers_more_than_a_steady_one(talking, tracker, write_clip, face_model):
    lms = [tracker.detect(f)[0].landmarks for f in talking[:6]]
    rng = np.random.default_rng(0)
    steady = [_face_paste(f, lm, 25.0) for f, lm in zip(talking, lms, strict=False)]
    jitter = [
        _face_paste(f, lm, 25.0 + rng.uniform(-10, 10), *rng.uniform(-1.5, 1.5, 2))
        for f, lm in zip(talking, lms, strict=False)
    ]
    orig = write_clip(talking[:6], "orig")
    opts = EvalOptions(identity_every=100, face_model=str(face_model))
    s_steady = evaluate(orig, write_clip(steady, "steady"), opts).summary
    s_jitter = evaluate(orig, write_clip(jitter, "jitter"), opts).summary
    assert abs(s_steady["flicker"]) < 1.0
    assert s_jitter["flicker"] > s_steady["flicker"] + 2.0
    assert s_jitter["warp_error"] > s_steady["warp_error"] + 2.0
    # both edits are about equally strong: only their stability differs
    assert s_jitter["edit_strength"] == pytest.approx(s_steady["edit_strength"], rel=0.3)


def _yawed(label: np.ndarray, yaw: float) -> np.ndarray:
    """The camera label turned by ``yaw`` radians about the world's vertical axis."""
    lab = np.asarray(label, np.float64).copy()
    c, s = math.cos(yaw), math.sin(yaw)
    ry = np.eye(4)
    ry[:3, :3] = [[c, 0, s], [0, 1, 0], [-s, 0, c]]
    lab[:16] = (ry @ lab[:16].reshape(4, 4)).reshape(-1)
    return lab.astype(np.float32)


@pytest.mark.parametrize("yaw_deg", [20.0, -20.0])
def test_yawed_render_shows_as_pose_error(yaw_deg, tracker, write_clip, face_model):
    from streamfx.backends.mesh.assets import astronaut
    from streamfx.backends.mesh.editor import MeshEditor

    img, _ = astronaut()
    face = tracker.detect(img)[0]
    editor = MeshEditor("identity")
    same = paste(img, face, editor.edit(img, face, face.camera))
    turned = paste(img, face, editor.edit(img, face, _yawed(face.camera, math.radians(yaw_deg))))
    orig = write_clip([img], "orig")
    opts = EvalOptions(face_model=str(face_model))
    s0 = evaluate(orig, write_clip([same], "same"), opts).summary
    s1 = evaluate(orig, write_clip([turned], "turned"), opts).summary
    assert s0["pose_error_deg"] < 1.0  # re-rendered at its own pose: the pose is kept
    # the paste covers the face but not the hair and ears, so MediaPipe sees most of the turn
    assert math.copysign(1.0, s1["yaw_error_deg"]) == math.copysign(1.0, yaw_deg)
    assert 0.5 * abs(yaw_deg) < abs(s1["yaw_error_deg"]) < 1.2 * abs(yaw_deg)
    assert s1["pose_error_deg"] > 10.0 * max(s0["pose_error_deg"], 0.5)
    assert s1["landmark_error_px"] > 4.0 * s0["landmark_error_px"]
    assert s0["identity_distance"] < 0.15


def test_talking_clip_opens_its_mouth(talking, tracker):
    """The built-in talking face really talks: MediaPipe sees the lips part and close."""
    gaps = []
    for frame in talking:
        lm = tracker.detect(frame)[0].landmarks
        gaps.append(float(lm[14, 1] - lm[13, 1]) / mx.face_size(lm))
    assert max(gaps) - min(gaps) > 0.04  # she smiles with parted lips at rest (~0.06)
