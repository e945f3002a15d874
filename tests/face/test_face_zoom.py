"""Small faces: the zoomed fallback (tiles, crops around tracks) on real photos.

These run the ``landmarker`` detector (the fallback's home); the default ``full_range`` path is
tested in test_face_full_range.py.

The astronaut (scikit-image, public domain) pasted small into 720p/1080p frames; MediaPipe's
full-frame detector misses faces narrower than ~15% of the frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from skimage import data

from streamfx.errors import ConfigError
from streamfx.face import FaceConfig
from streamfx.face.pose import camera_from_pose
from streamfx.face.zoom import roi_window, tile_windows

FACE_W = 105.0  # the astronaut's face width in the 512 photo; its centre is near (225, 125)


@pytest.fixture(scope="module")
def tracker(face_model):
    from streamfx.face import FaceTracker

    with FaceTracker(FaceConfig(max_faces=4, detector="landmarker"), model_path=face_model) as tr:
        yield tr


def _paste(frame: np.ndarray, px: float, cx: float, cy: float) -> np.ndarray:
    """The astronaut scaled so her face is ``px`` wide, face centred at (cx, cy), on ``frame``."""
    s = px / FACE_W
    m = np.array([[s, 0.0, cx - 225 * s], [0.0, s, cy - 125 * s]])
    h, w = frame.shape[:2]
    return cv2.warpAffine(
        data.astronaut(), m, (w, h), dst=frame.copy(), flags=cv2.INTER_AREA,
        borderMode=cv2.BORDER_TRANSPARENT,
    )  # fmt: skip


def _grey(w: int, h: int) -> np.ndarray:
    return np.full((h, w, 3), 118, np.uint8)


def _centre(face) -> np.ndarray:
    b = face.bbox
    return np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])


def test_tiles_cover_the_frame_and_overlap() -> None:
    wins = tile_windows(1280, 720, 0.5, 0.35)
    assert all(x0 >= 0 and y0 >= 0 and x1 <= 1280 and y1 <= 720 for x0, y0, x1, y1 in wins)
    assert min(w[0] for w in wins) == 0 and max(w[2] for w in wins) == 1280
    assert min(w[1] for w in wins) == 0 and max(w[3] for w in wins) == 720
    xs = sorted({w[0] for w in wins})
    assert all(b - a <= 360 * 0.65 + 1e-6 for a, b in zip(xs, xs[1:], strict=False))
    with pytest.raises(ConfigError):
        FaceConfig(zoom_scales=(1.5,))


def test_small_face_in_720p_is_found_by_detect(tracker) -> None:
    frame = _paste(_grey(1280, 720), 100, 900, 300)
    tracker.config.zoom = False
    try:
        assert tracker.detect(frame) == []  # the bug: the full-frame detector misses it
    finally:
        tracker.config.zoom = True
    (face,) = tracker.detect(frame)
    assert np.hypot(*(_centre(face) - [900, 300])) < 25
    assert 80 < face.size < 140
    assert face.crop.shape == (512, 512, 3) and face.camera.shape == (25,)


def test_small_face_is_tracked_with_a_stable_id(tracker) -> None:
    tracker.reset()
    runs = tracker.stats["roi_runs"]
    ids = []
    for i in range(8):
        cx, cy = 300 + 12 * i, 400 - 5 * i
        faces = tracker.track(_paste(_grey(1280, 720), 100, cx, cy), 1000.0 + 33.3 * i)
        assert len(faces) == 1, f"frame {i}: {len(faces)} faces"
        assert np.hypot(*(_centre(faces[0]) - [cx, cy])) < 25
        ids.append(faces[0].track_id)
    assert len(set(ids)) == 1
    assert tracker.stats["roi_runs"] - runs >= 6  # followed by crops around its last box


def test_one_followed_face_triggers_no_periodic_tile_scans() -> None:
    # a one-person call with max_faces=4 must not stall every zoom_every frames on a tile scan
    from streamfx.face import FaceTracker

    with FaceTracker(FaceConfig(max_faces=4, zoom_every=5, detector="landmarker")) as tr:
        frame = _paste(_grey(640, 480), 200, 320, 240)
        for i in range(16):
            assert len(tr.track(frame, 1000.0 + 40 * i)) == 1
        assert tr.stats["tile_scans"] == 0
    with FaceTracker(
        FaceConfig(max_faces=4, zoom_every=5, zoom_track_when_fewer=True, detector="landmarker")
    ) as tr:
        for i in range(16):
            tr.track(frame, 1000.0 + 40 * i)
        assert tr.stats["tile_scans"] >= 2  # group-call mode keeps looking for more people


def test_three_small_faces_in_1080p(tracker) -> None:
    where = [(300, 300, 110), (1000, 700, 130), (1600, 400, 90)]
    frame = _grey(1920, 1080)
    for cx, cy, px in where:
        frame = _paste(frame, px, cx, cy)
    faces = tracker.detect(frame)
    assert len(faces) == 3
    for cx, cy, _ in where:
        assert min(np.hypot(*(_centre(f) - [cx, cy])) for f in faces) < 25


def _view_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Degrees between the viewing directions (camera positions) of two labels."""
    pa, pb = a[:16].reshape(4, 4)[:3, 3], b[:16].reshape(4, 4)[:3, 3]
    c = float(pa @ pb / np.linalg.norm(pa) / np.linalg.norm(pb))
    return math.degrees(math.acos(min(1.0, c)))


@pytest.mark.parametrize("at", [(640, 360), (250, 360)])
def test_fallback_agrees_with_direct_detection(tracker, at) -> None:
    frame = _paste(_grey(1280, 720), 230, *at)
    (direct,) = tracker.detect(frame)
    lm0 = direct.landmarks.astype(np.float64)
    win = roi_window(direct.bbox, tracker.config.roi_factor)
    for name, found in (
        ("roi", tracker.landmarkers.window(frame, win)),
        ("tiles", tracker._tiles(frame)),
    ):
        assert len(found) == 1, name
        lm, pose = found[0]
        err = np.linalg.norm(lm[:, :2] - lm0[:, :2], axis=1).mean() / direct.size
        assert err < 0.02, f"{name}: landmarks differ by {err:.4f} face sizes"
        angle = _view_angle(camera_from_pose(pose), direct.camera)
        assert angle < 3.0, f"{name}: cameras differ by {angle:.2f} degrees"
