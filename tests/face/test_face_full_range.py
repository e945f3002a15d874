"""The full-range path: BlazeFace full range finds small faces, the landmarker follows each face.

Scenes are the demo head (``streamfx.bench.scenes``): six faces 60-200 px wide in 1280x720, and
the one-face 1280x720 demo clip. Counts only (detector runs, follows), no wall-clock bounds.
"""

from __future__ import annotations

import numpy as np
import pytest

from streamfx.bench.scenes import FACE_WIDTHS, SceneSource
from streamfx.errors import ConfigError, ModelFileError
from streamfx.face import FaceConfig
from streamfx.face.detector import detect_windows

EVERYWHERE = len(detect_windows(1280, 720))  # detector runs of one full pass over 1280x720


def _tracker(face_model, **kw):
    from streamfx.face import FaceTracker

    try:
        return FaceTracker(FaceConfig(**kw), model_path=face_model)
    except ModelFileError as exc:
        pytest.skip(f"face model unavailable: {exc}")


@pytest.fixture(scope="module")
def six() -> SceneSource:
    src = SceneSource("six", seconds=2.0, fps=30.0)
    src.start()
    return src


def _nearest(face, centres) -> int:
    b = face.bbox
    c = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    return int(np.argmin([np.hypot(*(c - p)) for p in centres]))


def test_six_small_faces_found_that_the_bare_landmarker_misses(face_model, six) -> None:
    frame = six.render(0)
    with _tracker(face_model, max_faces=8, detector="landmarker", zoom=False) as bare:
        missed = len(FACE_WIDTHS) - len(bare.track(frame, 0.0))
    assert missed >= 3  # the short-range detector misses most of them
    try:
        tr = _tracker(face_model, max_faces=8)
        faces = tr.track(frame, 0.0)
    except ModelFileError as exc:
        pytest.skip(f"detector model unavailable: {exc}")
    with tr:
        assert len(faces) == 6
        centres = six.centres_at(0)
        assert sorted(_nearest(f, centres) for f in faces) == list(range(6))
        for f in faces:  # each face sits on a scene face of about its width
            k = _nearest(f, centres)
            assert abs((f.bbox[0] + f.bbox[2]) / 2 - centres[k][0]) < 0.3 * FACE_WIDTHS[k]
            assert 0.7 * FACE_WIDTHS[k] < f.bbox[2] - f.bbox[0] < 1.4 * FACE_WIDTHS[k]
        assert tr.stats["tile_scans"] == 0


def test_six_faces_keep_their_ids_over_a_moving_clip(face_model, six) -> None:
    n = 40
    try:
        tr = _tracker(face_model, max_faces=8)
    except ModelFileError as exc:
        pytest.skip(f"detector model unavailable: {exc}")
    with tr:
        ids: dict[int, set[int]] = {k: set() for k in range(6)}
        for i in range(n):
            faces = tr.track(six.render(i), i * 1000.0 / 30.0)
            assert len(faces) == 6, f"frame {i}: {len(faces)} faces"
            centres = six.centres_at(i)
            for f in faces:
                ids[_nearest(f, centres)].add(f.track_id)
        assert all(len(v) == 1 for v in ids.values()), ids
        assert len(set().union(*ids.values())) == 6
        assert tr.stats["lost"] == 0 and tr.stats["tile_scans"] == 0
        # followed from their landmarks between detector runs, not re-detected each frame
        assert tr.stats["follows"] >= 6 * (n - 1)
        assert tr.stats["detector_runs"] <= EVERYWHERE + n // tr.config.detect_every
        assert tr.started == [] and tr.ended == []


def test_six_faces_taking_turns_under_a_follow_budget(face_model, six) -> None:
    n = 20
    try:
        tr = _tracker(face_model, max_faces=8, follow_budget=3)
    except ModelFileError as exc:
        pytest.skip(f"detector model unavailable: {exc}")
    with tr:
        ids = set()
        for i in range(n):
            faces = tr.track(six.render(i), i * 1000.0 / 30.0)
            assert len(faces) == 6, f"frame {i}: {len(faces)} faces"
            ids |= {f.track_id for f in faces}
        assert len(ids) == 6 and tr.stats["lost"] == 0
        assert tr.stats["follows"] == 3 * (n - 1)  # three landmarked per frame ...
        assert tr.stats["held"] == 3 * (n - 1)  # ... three keep their last landmarks


def test_one_large_face_does_not_pay_for_the_detector_every_frame(face_model) -> None:
    src = SceneSource("one", seconds=1.0, fps=30.0, loop_s=1.0)
    src.start()
    n = 30
    try:
        tr = _tracker(face_model)  # max_faces 4: room for more faces, so it keeps looking
    except ModelFileError as exc:
        pytest.skip(f"detector model unavailable: {exc}")
    with tr:
        ids = set()
        for i in range(n):
            faces = tr.track(src.render(i), i * 1000.0 / 30.0)
            assert len(faces) == 1, i
            ids.add(faces[0].track_id)
        assert len(ids) == 1
        runs = tr.stats["detector_runs"]
        # first frame: a full pass; then one window every detect_every frames
        assert runs <= EVERYWHERE + n // tr.config.detect_every
        assert (runs - EVERYWHERE) / n <= 0.25  # detector runs per frame after the first
        assert tr.stats["follows"] == n - 1 and tr.stats["follow_lost"] == 0


def test_a_face_that_leaves_is_looked_for_everywhere_then_ends(face_model) -> None:
    src = SceneSource("one", seconds=1.0, fps=30.0, loop_s=0.5)
    src.start()
    blank = np.full_like(src.render(0), 118)
    try:
        tr = _tracker(face_model, lost_timeout_ms=200.0)
    except ModelFileError as exc:
        pytest.skip(f"detector model unavailable: {exc}")
    with tr:
        (face,) = tr.track(src.render(0), 0.0)
        assert tr.started == [face.track_id]
        runs = tr.stats["detector_runs"]
        assert tr.track(blank, 33.0) == []
        assert tr.stats["detector_runs"] - runs == EVERYWHERE  # lost: looked for everywhere
        ended = []
        for i in range(2, 12):
            tr.track(blank, 33.0 * i)
            ended += tr.ended
        assert ended == [face.track_id] and tr.stats["lost"] == 1


def test_faces_followed_on_threads_give_the_same_tracks(face_model, six) -> None:
    """Landmarking the followed faces on several threads at once changes nothing but time:
    each face has its own landmarker fed the same crops in the same order."""
    runs = {}
    for threads in (1, 3):
        with _tracker(face_model, max_faces=8, follow_threads=threads) as tr:
            runs[threads] = [tr.track(six.render(i), i * 1000.0 / 30.0) for i in range(8)]
            assert tr.stats["follows"] >= 6 * 7
            # CPU spent on follow threads is reported (the caller's own is not in it)
            assert (tr.helper_cpu_s > 0) == (threads > 1)
    for one, many in zip(runs[1], runs[3], strict=True):
        assert [f.track_id for f in one] == [f.track_id for f in many] and len(one) == 6
        for a, b in zip(one, many, strict=True):
            np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_detector_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="face.detector"):
        FaceConfig(detector="yolo")
    with pytest.raises(ConfigError, match="face.detect_every"):
        FaceConfig(detect_every=0)
    with pytest.raises(ConfigError, match="face.follow_budget"):
        FaceConfig(follow_budget=-1)
    with pytest.raises(ConfigError, match="face.follow_threads"):
        FaceConfig(follow_threads=-1)
    with pytest.raises(ConfigError, match="face.follow_factor"):
        FaceConfig(follow_factor=1.0)
