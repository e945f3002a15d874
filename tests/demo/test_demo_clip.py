"""The demo source: a real head turn rendered through the mesh, fast, with timestamps."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from streamfx.demo.clip import YAW_DEG, DemoSource, head_motion
from streamfx.errors import ConfigError, SourceError


def test_frames_count_size_and_timestamps() -> None:
    src = DemoSource(seconds=0.4, fps=25.0, width=320, height=240)
    with src:
        info = src.info or src.open()
        frames = []
        while (f := src.read()) is not None:
            frames.append(f)
    assert (info.width, info.height, info.fps, info.frame_count) == (320, 240, 25.0, 10)
    assert len(frames) == 10
    assert [f.index for f in frames] == list(range(10))
    np.testing.assert_allclose([f.pts for f in frames], np.arange(10) / 25.0)
    t = [f.t_capture for f in frames]
    assert all(b >= a for a, b in zip(t, t[1:], strict=False))
    assert all(f.image.shape == (240, 320, 3) and f.image.dtype == np.uint8 for f in frames)


def test_head_turns_and_background_stays() -> None:
    src = DemoSource()
    src.open()
    still, lm = src.reference()
    left, pose_l = src.render_at(1.0)  # yaw = +20 degrees
    right, pose_r = src.render_at(3.0)  # yaw = -20 degrees
    assert math.degrees(pose_l[0]) == pytest.approx(YAW_DEG, abs=0.5)
    assert math.degrees(pose_r[0]) == pytest.approx(-YAW_DEG, abs=0.5)
    x0, y0 = lm[:, :2].min(0).astype(int)
    x1, y1 = lm[:, :2].max(0).astype(int)
    face = (slice(y0, y1), slice(x0, x1))
    assert np.abs(left[face].astype(int) - right[face]).mean() > 10  # the face really moves
    # far from the head nothing moves (bottom corners: body and background)
    for img in (left, right):
        assert np.array_equal(img[-40:, :40], still[-40:, :40])
        assert np.array_equal(img[-40:, -40:], still[-40:, -40:])


def test_motion_is_smooth() -> None:
    a = np.array([head_motion(t) for t in np.arange(0, 6, 0.04)])
    assert np.abs(np.diff(a[:, 0])).max() < math.radians(2.0)  # < 2 degrees per frame
    assert np.abs(a[:, 0]).max() == pytest.approx(math.radians(YAW_DEG), rel=0.02)


def test_generation_is_fast() -> None:
    src = DemoSource(seconds=1.0)
    src.open()
    src.read()
    t0 = time.perf_counter()
    n = 10
    for _ in range(n):
        src.read()
    per_frame = (time.perf_counter() - t0) / n
    # the target is < 20 ms on an idle 2-core machine; leave room for a loaded CI runner
    assert per_frame < 0.08, f"{per_frame * 1e3:.1f} ms per frame"


def test_loop_and_errors() -> None:
    src = DemoSource(seconds=0.08, fps=25.0, loop=True)
    src.open()
    assert all(src.read() is not None for _ in range(5))
    with pytest.raises(ConfigError):
        DemoSource(seconds=0)
    with pytest.raises(SourceError, match="open"):
        DemoSource().render_at(0.0)


def test_mediapipe_sees_the_head_turn(face_model) -> None:
    """The real tracker finds the face in demo frames and its head yaw follows the demo's."""
    from streamfx.backends.mesh.lift import fit_head_pose
    from streamfx.face import FaceTracker

    tracker = FaceTracker(model_path=face_model)
    src = DemoSource()
    src.open()
    yaws = []
    for t in (1.0, 3.0):
        img, _ = src.render_at(t)
        faces = tracker.detect(img)
        assert len(faces) == 1
        rot = fit_head_pose(faces[0].landmarks)[0]
        yaws.append(math.degrees(math.atan2(rot[0, 2], rot[2, 2])))
    tracker.close()
    # rendered yaw +20 vs -20 degrees. MediaPipe's landmarks land within ~5 px of the rendered
    # geometry, but its head pose turns less (about +-6 degrees: the hair and head outline only
    # follow a 2-D warp), so ask for a clear turn in the right direction, not for 40 degrees
    assert yaws[0] - yaws[1] > 8, yaws


def test_ground_truth_landmarks_follow_the_rendered_head() -> None:
    """A marker painted on the nose tip of the photo lands where ``landmarks_at`` says."""
    import cv2

    src = DemoSource()
    src.open()
    still, lm = src.reference()
    cv2.circle(still, (round(lm[1, 0]), round(lm[1, 1])), 2, (0, 255, 0), -1)
    src._photo = still  # paint the marker into the texture the frames are rendered from
    for t in (1.0, 3.0):
        img, _ = src.render_at(t)
        g = img.astype(int)
        ys, xs = np.nonzero((g[..., 1] > 200) & (g[..., 0] < 80) & (g[..., 2] < 80))
        assert len(xs) > 3
        nose = src.landmarks_at(t)[1]
        assert abs(xs.mean() - nose[0]) < 2.0 and abs(ys.mean() - nose[1]) < 2.0
        assert abs(nose[0] - lm[1, 0]) > 5  # and it really moved
