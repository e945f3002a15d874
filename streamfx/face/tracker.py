"""Face tracking: finding faces, following them, ids, smoothing, EG3D crops and cameras.

MediaPipe itself runs in ``streamfx.face.landmarkers`` and ``streamfx.face.detector`` (the only
modules that call it).

``FaceTracker.track`` finds faces, gives each person a stable id, smooths landmarks and pose with
One-Euro filters and returns, per selected face, the EG3D crop, its transforms and the EG3D
camera label. ``FaceTracker.detect`` does the same for unrelated still images (no smoothing):
the landmarker on the whole frame, then (``full_range``) the detector for the faces it missed.

Finding faces (``FaceConfig.detector``):

- ``full_range`` (default): MediaPipe's full-range BlazeFace (``FullRangeDetector``) finds the
  faces, down to ~40 px in 720p; the landmarker (``FaceLandmarker``, one faces) runs on a square
  crop around each face. Between detector runs each followed face is landmarked in a crop around
  its last landmark box by its own video-mode landmarker (which then skips its own detector), so
  one face costs about one landmark model run per frame. The detector runs every
  ``detect_every`` frames on one of the frame's windows in turn (the whole frame, then square
  windows of its height), and on all of them at once when a followed face is lost or none is
  followed (at most every ``detect_every`` frames then). ``stats['detector_runs']`` counts
  detector calls, ``stats['follows']`` crops landmarked around followed faces.
- ``landmarker``: the landmarker in video mode on the whole frame (its own short-range
  detector), with the zoomed fallback of ``streamfx.face.zoom`` (tiles, crops around small
  tracks) for faces narrower than ~15% of the frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from streamfx.errors import InputError, ModelFileError
from streamfx.face.align import eg3d_crop_transform, five_points, warp_crop
from streamfx.face.config import FaceConfig, parse_policy
from streamfx.face.ids import TrackAssigner, select_faces
from streamfx.face.landmarkers import Landmarkers
from streamfx.face.pose import camera_from_pose, orthonormalize
from streamfx.face.quiet import quiet_native_stderr
from streamfx.face.types import CROP_SIZE, Face
from streamfx.face.zoom import (
    Box,
    roi_window,
    same_face,
    tile_windows,
)
from streamfx.temporal.config import TemporalConfig
from streamfx.temporal.one_euro import OneEuroFilter

MODEL_NAME = "face_landmarker.task"


def find_model(model_path: str | Path | None = None) -> Path:
    """The FaceLandmarker model file: ``model_path`` if given, else the model-file manager's."""
    if model_path is not None:
        p = Path(model_path)
        if not p.is_file():
            raise ModelFileError(f"face model {p} does not exist (expected {MODEL_NAME})")
        return p
    from streamfx.modelfiles import ensure

    return Path(ensure(MODEL_NAME))


def check_image(image: Any) -> np.ndarray:
    """Return ``image`` as a C-contiguous uint8 [H,W,3] array or raise InputError."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise InputError(f"expected a uint8 RGB image [H,W,3], got {img.dtype} {img.shape}")
    return np.ascontiguousarray(img)


class FaceTracker:
    """Faces in frames: landmarks, stable ids, EG3D crops and cameras.

    Each returned ``Face`` also carries ``five_points`` ([5,2] pixels, the calibrated
    points the crop was fitted to).

    ``stats`` counts frames, frames without a face (``no_face``), faces returned and faces
    skipped by reason (``too_small``, ``not_selected``), and tracks dropped (``lost``);
    ``largest_too_small_px`` is the largest face skipped as too small (0: none).
    """

    def __init__(
        self,
        config: FaceConfig | None = None,
        model_path: str | Path | None = None,
        temporal: TemporalConfig | None = None,
    ) -> None:
        self.config = config or FaceConfig()
        self.temporal = temporal or TemporalConfig()
        self.policy = parse_policy(self.config.policy)
        self.model_path = find_model(model_path)
        self.landmarkers = Landmarkers(self.config, self.model_path)
        self._detector: Any = None
        self._since_detect = 1 << 30
        self._next_window = 0
        self._last_raw: dict[int, tuple] = {}  # track id -> its last (landmarks, pose)
        self._turn = 0
        self._last_ts = -1
        self._prev_ts = -1
        self._since_scan = 1 << 30
        self._last_count = 0
        self.assigner = TrackAssigner(self.config.lost_timeout_ms, self.config.match_max_distance)
        self._filters: dict[int, tuple[OneEuroFilter, OneEuroFilter]] = {}
        self.started: list[int] = []
        """Track ids that started on the last ``track`` call."""
        self.ended: list[int] = []
        """Track ids that ended (lost timeout, or ``reset``) on the last ``track`` call."""
        self._pending_ended: list[int] = []
        self.stats: dict[str, int] = {
            "frames": 0,
            "faces": 0,
            "too_small": 0,
            "largest_too_small_px": 0,
            "not_selected": 0,
            "lost": 0,
            "no_face": 0,
            "zoomed": 0,
            "tile_scans": 0,
            "roi_runs": 0,
            "detector_runs": 0,
            "detections": 0,
            "follows": 0,
            "follow_lost": 0,
            "held": 0,
        }

    # -- public ------------------------------------------------------------------------------
    def track(self, image_rgb: np.ndarray, timestamp_ms: float) -> list[Face]:
        """Faces in one video frame (uint8 [H,W,3] RGB) at ``timestamp_ms`` (increasing).

        Ids are stable per person; landmarks and poses are smoothed; [] when no face.
        A time stamp not after the previous one is moved 1 ms past it (MediaPipe needs that).
        """
        img = check_image(image_rgb)
        self.landmarkers.helper_cpu_s = 0.0
        ts = max(int(round(float(timestamp_ms))), self._last_ts + 1)
        self._last_ts = ts
        if self.config.detector == "full_range":
            raw = self._keep_large(self._follow_and_detect(img, ts))
        else:
            raw = self._keep_large(self.landmarkers.whole(img, ts))
            if self.config.zoom:
                raw = self._zoom_track(img, raw)
        known = set(self.assigner.tracks)
        ids, dropped = self.assigner.assign([_bbox(lm) for lm, _ in raw], float(ts))
        for tid in dropped:
            self._filters.pop(tid, None)
            self.landmarkers.release(tid)
            self._last_raw.pop(tid, None)
            self.stats["lost"] += 1
        if self.config.detector == "full_range" and self.config.follow_budget:
            self._last_raw.update(zip(ids, raw, strict=True))
        self.started = [i for i in ids if i not in known]
        self.ended = self._pending_ended + dropped
        self._pending_ended = []
        if self.temporal.smooth_landmarks:
            t = ts / 1000.0
            raw = [self._smooth(i, lm, pose, t) for i, (lm, pose) in zip(ids, raw, strict=True)]
        return self._finish(img, raw, ids)

    def detect(self, image_rgb: np.ndarray) -> list[Face]:
        """Faces in an unrelated still image (uint8 [H,W,3] RGB); ids 0.. by decreasing size."""
        img = check_image(image_rgb)
        c = self.config
        raw = self.landmarkers.whole(img, None)
        if c.detector == "full_range" and len(raw) < c.max_faces:  # faces the direct path missed
            raw = self._detect_new(img, raw, self._windows(img), None)
        raw = self._keep_large(raw)
        if c.zoom and (not raw or (c.zoom_detect_when_fewer and len(raw) < c.max_faces)):
            raw = self._merge(raw, self._tiles(img), count=True)
        raw.sort(key=lambda r: -_size(_bbox(r[0])))
        return self._finish(img, raw, list(range(len(raw))))

    def set_policy(self, policy: str) -> None:
        """Change the selection policy (``largest``, ``central``, ``all`` or ``id:N``)."""
        self.policy = parse_policy(policy)
        self.config.policy = policy

    def reset(self) -> None:
        """Forget tracks and filter state (e.g. after a scene cut or a source change); the
        forgotten tracks are reported as ended by the next ``track`` call."""
        self._pending_ended += sorted(self.assigner.tracks)
        self.assigner.reset()
        self._filters.clear()
        self.landmarkers.release()
        self._last_raw.clear()
        self._since_scan = 1 << 30
        self._since_detect = 1 << 30
        self._last_count = 0

    def close(self) -> None:
        """Release MediaPipe's graphs (call it; their finaliser fails at interpreter exit)."""
        self.landmarkers.close()
        if self._detector is not None:
            with quiet_native_stderr():  # closing a graph logs too
                self._detector.close()
        self._detector = None

    @property
    def helper_cpu_s(self) -> float:
        """CPU seconds the last ``track`` spent on its follow threads (not the caller's)."""
        return self.landmarkers.helper_cpu_s

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- full-range detection and following (streamfx.face.detector) -------------------------
    def _windows(self, img: np.ndarray) -> list[Box | None]:
        from streamfx.face.detector import detect_windows

        return detect_windows(img.shape[1], img.shape[0], self.config.detect_window)

    def _detect_boxes(self, img: np.ndarray, windows: list[Box | None]) -> list:
        if self._detector is None:
            from streamfx.face.detector import FullRangeDetector

            self._detector = FullRangeDetector(min_confidence=self.config.min_detection_confidence)
        self.stats["detector_runs"] += len(windows)
        return self._detector.detect_all(img, windows)

    def _detect_new(
        self, img: np.ndarray, raw: list, windows: list[Box | None], ts: int | None
    ) -> list:
        """``raw`` plus the faces the detector finds in ``windows`` that are not in it yet,
        each landmarked in a crop around its box (image mode)."""
        c = self.config
        for box in self._detect_boxes(img, windows):
            if len(raw) >= c.max_faces:
                break
            if any(same_face(box[:4], _bbox(r[0])) for r in raw):
                continue
            found = self.landmarkers.window(img, roi_window(box[:4], c.follow_factor), crop=True)
            found = [f for f in found if same_face(box[:4], _bbox(f[0]), 1.0)][:1]
            self.stats["detections"] += len(found)
            raw = self._merge(raw, found)
        return raw

    def _follow_and_detect(self, img: np.ndarray, ts: int) -> list:
        """This frame's faces: each live track followed in a crop around its last box, then the
        detector when due (module docstring)."""
        c = self.config
        raw: list = []
        newly_lost = False
        tracks = list(self.assigner.tracks.items())
        turn: set[int] = {tid for tid, _ in tracks}
        if 0 < c.follow_budget < len(tracks):  # faces take turns (FaceConfig.follow_budget)
            k = self._turn % len(tracks)
            turn = {tid for tid, _ in (tracks[k:] + tracks[:k])[: c.follow_budget]}
            self._turn += c.follow_budget

        def is_held(tid: int, tr: Any) -> bool:
            held = tid not in turn and self._last_raw.get(tid) is not None
            return held and tr.last_seen_ms >= self._prev_ts

        boxes = {t: tr.bbox for t, tr in tracks if not is_held(t, tr)}
        followed = self.landmarkers.follow_all(img, boxes, ts)
        for tid, tr in tracks:
            if tid not in followed:
                self.stats["held"] += 1
                raw.append(self._last_raw[tid])
                continue
            self.stats["follows"] += 1
            found = [f for f in followed[tid] if same_face(tr.bbox, _bbox(f[0]), 1.0)][:1]
            if found and not any(same_face(_bbox(found[0][0]), _bbox(r[0])) for r in raw):
                raw.append(found[0])
            elif not found:
                self.stats["follow_lost"] += 1
                newly_lost |= tr.last_seen_ms >= self._prev_ts
        self._prev_ts = ts
        self._since_detect += 1
        everywhere = newly_lost or not raw
        if len(raw) < c.max_faces and (newly_lost or self._since_detect >= c.detect_every):
            self._since_detect = 0
            windows = self._windows(img)
            if not everywhere:  # one window per run, in turn
                windows = [windows[self._next_window % len(windows)]]
                self._next_window += 1
            raw = self._detect_new(img, raw, windows, ts)
        return raw

    # -- zoomed windows (streamfx.face.zoom) --------------------------------------------------
    def _tiles(self, img: np.ndarray) -> list:
        """Faces found in overlapping tiles (coarse scales first), de-duplicated."""
        c = self.config
        h, w = img.shape[:2]
        self.stats["tile_scans"] += 1
        found: list = []  # (margin, landmarks, pose): faces cut by a tile edge rank last
        for frac in c.zoom_scales:
            if frac * min(w, h) < c.zoom_min_side:
                continue
            for win in tile_windows(w, h, frac, c.zoom_overlap):
                found += [(_margin(r[0], win), *r) for r in self.landmarkers.window(img, win)]
        found.sort(key=lambda f: -f[0])
        return self._merge([], [(lm, pose) for _, lm, pose in found])

    def _merge(self, raw: list, extra: list, count: bool = False) -> list:
        """``raw`` plus the faces of ``extra`` that are large enough and not already in it."""
        out = list(raw)
        for lm, pose in extra:
            box = _bbox(lm)
            if _size(box) < self.config.min_face_px:
                self._note_small(_size(box))
                continue
            if not any(same_face(box, _bbox(o[0])) for o in out):
                out.append((lm, pose))
                self.stats["zoomed"] += count
        return out

    def _zoom_track(self, img: np.ndarray, raw: list) -> list:
        """Add small followed faces (crops around their last box) and, rate-limited, tiles."""
        c = self.config
        w = img.shape[1]
        for tr in list(self.assigner.tracks.values()):
            box = tr.bbox
            small = _size(box) < c.roi_below * w
            if small and not any(same_face(box, _bbox(r[0])) for r in raw):
                self.stats["roi_runs"] += 1
                found = self.landmarkers.window(img, roi_window(box, c.roi_factor))
                found = [f for f in found if same_face(box, _bbox(f[0]), 1.0)][:1]
                raw = self._merge(raw, found, count=True)
        self._since_scan += 1
        dropped = len(raw) < self._last_count
        # periodic scans only while nobody is followed (a scan is one slow frame), unless asked
        want_more = not raw or c.zoom_track_when_fewer
        if len(raw) < c.max_faces and (dropped or (want_more and self._since_scan >= c.zoom_every)):
            self._since_scan = 0
            raw = self._merge(raw, self._tiles(img), count=True)
        self._last_count = len(raw)
        return raw

    # -- steps ---------------------------------------------------------------------------------
    def _keep_large(self, raw: list) -> list:
        sizes = [_size(_bbox(r[0])) for r in raw]
        keep = [r for r, s in zip(raw, sizes, strict=True) if s >= self.config.min_face_px]
        for s in sizes:
            if s < self.config.min_face_px:
                self._note_small(s)
        return keep

    def _note_small(self, size: float) -> None:
        """Count a face skipped for being under ``min_face_px`` (and the largest such size)."""
        self.stats["too_small"] += 1
        best = max(self.stats["largest_too_small_px"], int(round(size)))
        self.stats["largest_too_small_px"] = best

    def _smooth(self, tid: int, lm: np.ndarray, pose: Any, t: float) -> tuple:
        if tid not in self._filters:
            c = self.temporal
            self._filters[tid] = (OneEuroFilter(c.landmarks), OneEuroFilter(c.pose))
        f_lm, f_pose = self._filters[tid]
        lm = f_lm(lm, t, scale=_size(_bbox(lm)))
        if pose is not None:
            flat = np.concatenate([pose[:3, :3].reshape(-1), pose[:3, 3] / 10.0])
            flat = f_pose(flat, t)
            pose = np.eye(4)
            pose[:3, :3] = orthonormalize(flat[:9].reshape(3, 3))
            pose[:3, 3] = flat[9:] * 10.0
        return lm, pose

    def _select(self, faces: list[Face], shape: tuple[int, ...]) -> list[Face]:
        chosen = select_faces(faces, self.policy, shape)
        self.stats["not_selected"] += len(faces) - len(chosen)
        return chosen

    def _finish(self, img: np.ndarray, raw: list, ids: list[int]) -> list[Face]:
        self.stats["frames"] += 1
        self.stats["no_face"] += not raw
        faces = [
            Face(track_id=tid, landmarks=lm.astype(np.float32), bbox=_bbox(lm), pose=pose)
            for tid, (lm, pose) in zip(ids, raw, strict=True)
        ]
        faces = self._select(faces, img.shape)
        h, w = img.shape[:2]
        filt = self.config.crop_filter
        for face in faces:
            pts = five_points(face.landmarks)
            face.five_points = pts
            face.to_crop, face.from_crop = eg3d_crop_transform(
                pts, (w, h), truncate=self.config.crop_truncate
            )
            if self.config.compute_crop:
                face.crop = warp_crop(img, face.to_crop, CROP_SIZE, interpolation=filt)
            if face.pose is not None:
                face.camera = camera_from_pose(face.pose)
        self.stats["faces"] += len(faces)
        return faces


def _bbox(lm: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(lm[:, 0].min()),
        float(lm[:, 1].min()),
        float(lm[:, 0].max()),
        float(lm[:, 1].max()),
    )


def _margin(lm: np.ndarray, win: tuple) -> float:
    """Distance of the face box from the window's nearest edge, in face sizes (< 0: cut)."""
    b = _bbox(lm)
    gap = min(b[0] - win[0], b[1] - win[1], win[2] - b[2], win[3] - b[3])
    return gap / max(_size(b), 1e-6)


def _size(b: tuple[float, float, float, float]) -> float:
    return max(b[2] - b[0], b[3] - b[1])
