"""Video-mode tracking: stable ids over synthetic sequences, timeout, policies, many faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from streamfx.errors import ModelFileError
from streamfx.face import FaceConfig

GREY = (118, 118, 118)


def _tracker(smooth: bool = True, **kw):
    from streamfx.face import FaceTracker
    from streamfx.temporal.config import TemporalConfig

    try:
        return FaceTracker(FaceConfig(**kw), temporal=TemporalConfig(smooth_landmarks=smooth))
    except ModelFileError as exc:
        pytest.skip(f"face model unavailable: {exc}")


@pytest.fixture(scope="module")
def patch() -> np.ndarray:
    """The astronaut's head and shoulders, 210x180."""
    return np.ascontiguousarray(data.astronaut()[30:240, 140:320])


def _scene(size, items) -> np.ndarray:
    """A grey (W, H) frame with (patch, x, y, scale) items pasted in."""
    w, h = size
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = GREY
    for img, x, y, s in items:
        p = cv2.resize(
            img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        )
        frame[y : y + p.shape[0], x : x + p.shape[1]] = p[: h - y, : w - x]
    return frame


def _centre_x(face) -> float:
    return (face.bbox[0] + face.bbox[2]) / 2


def test_moving_face_keeps_its_id(patch) -> None:
    with _tracker() as tr:
        ids, xs = [], []
        for i in range(20):
            frame = _scene((640, 480), [(patch, 10 + 18 * i, 40 + 3 * i, 1.3)])
            faces = tr.track(frame, i * 33.3)
            assert len(faces) == 1, i
            ids.append(faces[0].track_id)
            xs.append(_centre_x(faces[0]))
        assert len(set(ids)) == 1
        assert xs[-1] - xs[0] == pytest.approx(18 * 19, abs=15)  # it did move
        assert faces[0].crop.shape == (512, 512, 3) and faces[0].camera.shape == (25,)


def test_two_faces_swapping_sides_keep_their_ids(patch) -> None:
    other = np.ascontiguousarray(patch[:, ::-1])
    with _tracker() as tr:
        per_row: dict[str, set[int]] = {"top": set(), "bottom": set()}
        orders = set()
        for i in range(24):
            xa, xb = 10 + 27 * i, 660 - 27 * i
            frame = _scene((960, 720), [(patch, xa, 0, 1.6), (other, xb, 380, 1.6)])
            faces = tr.track(frame, i * 33.3)
            assert len(faces) == 2, i
            for f in faces:
                per_row["top" if f.bbox[1] < 300 else "bottom"].add(f.track_id)
            orders.add(tuple(f.track_id for f in sorted(faces, key=_centre_x)))
        assert len(per_row["top"]) == 1 and len(per_row["bottom"]) == 1
        assert per_row["top"] != per_row["bottom"]
        assert len(orders) == 2  # they did swap sides


def test_lost_face_timeout_and_return(patch) -> None:
    blank = _scene((640, 480), [])
    face_frame = _scene((640, 480), [(patch, 200, 100, 1.3)])
    with _tracker(lost_timeout_ms=300.0) as tr:
        t = 0.0
        first = {f.track_id for f in tr.track(face_frame, t)}
        for _ in range(3):  # 100 ms away: same person
            t += 33.3
            assert tr.track(blank, t) == []
        t += 33.3
        assert {f.track_id for f in tr.track(face_frame, t)} == first
        for _ in range(15):  # 500 ms away: the track is dropped
            t += 33.3
            tr.track(blank, t)
        assert tr.stats["lost"] == 1
        t += 33.3
        assert {f.track_id for f in tr.track(face_frame, t)}.isdisjoint(first)


def test_five_faces_and_selection_policies(patch) -> None:
    head = np.ascontiguousarray(patch[20:185, 25:155])  # tight: 165x130
    spots = [(20, 10, 2.0), (460, 10, 2.0), (900, 10, 2.2), (240, 385, 2.0), (680, 385, 2.0)]
    frame = _scene((1280, 720), [(head, x, y, s) for x, y, s in spots])
    with _tracker(max_faces=5) as tr:
        faces = tr.track(frame, 0)
        assert len(faces) == 5 and len({f.track_id for f in faces}) == 5
        assert all(f.crop.shape == (512, 512, 3) for f in faces)
        largest = max(faces, key=lambda f: f.size)
        wanted = faces[3].track_id
        for policy, expect in [("largest", largest), (f"id:{wanted}", faces[3])]:
            tr.set_policy(policy)
            (got,) = tr.track(frame, 33.3 + len(policy))
            assert got.track_id == expect.track_id, policy
        tr.set_policy("central")
        (got,) = tr.track(frame, 200)
        cx, cy = (got.bbox[0] + got.bbox[2]) / 2, (got.bbox[1] + got.bbox[3]) / 2
        dists = [
            np.hypot((f.bbox[0] + f.bbox[2]) / 2 - 640, (f.bbox[1] + f.bbox[3]) / 2 - 360)
            for f in faces
        ]
        assert np.hypot(cx - 640, cy - 360) == pytest.approx(min(dists), abs=10)
        assert tr.stats["not_selected"] == 3 * 4


def test_smoothing_steadies_a_still_face(patch) -> None:
    frame = _scene((640, 480), [(patch, 200, 100, 1.3)])
    rng = np.random.default_rng(0)
    corners = {}
    for smooth in (False, True):
        with _tracker(smooth=smooth) as tr:
            pts = []
            for i in range(25):
                noisy = np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8)
                (f,) = tr.track(noisy, i * 33.3)
                pts.append(f.from_crop[:, 2].copy())
            corners[smooth] = np.std(np.array(pts[5:]), axis=0).max()
    assert corners[True] <= corners[False] + 1e-9
