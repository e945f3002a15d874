"""``evaluate(original, edited)``: every metric, per frame and per face, and the summary.

Faces are found on both sides with MediaPipe (``FaceTracker.detect``: every frame on its own,
unsmoothed, so the figures hold each frame as it is); original faces get ids by following
them from frame to frame, and each one is matched to the edited face at its place.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from streamfx.eval import metrics as mx
from streamfx.eval.flow import FlowEstimator, FlowPair, union_box, warp_error
from streamfx.eval.frames import FramePair, read_pairs
from streamfx.eval.identity import Identity, load_identity
from streamfx.eval.pose import landmark_error, match_faces, pose_metrics
from streamfx.eval.seams import measure_seam
from streamfx.face.types import Face

#: Metrics whose worst frames go on the contact sheet (frame-level ones show the whole frame).
SHEET_METRICS = (
    "identity_distance",
    "flicker",
    "warp_error",
    "seam",
    "pose_error_deg",
    "edit_strength",
    "background_change",
)
#: The edited face's own landmarks align its identity crop only when they moved by more than
#: this many face sizes (a re-posed or moved face); else the original's are used, so detector
#: jitter is not counted as identity change.
REALIGN = 0.02
THUMB = 160


@dataclass
class EvalOptions:
    """How an evaluation runs (the command's ``EvalCommand`` fills it)."""

    max_frames: int | None = None
    identity_model: str | None = None
    """None or "dlib": dlib's ResNet; a path to an ``.onnx`` file: that ArcFace model."""
    identity_every: int = 1
    """Embed faces on every N-th frame only (the slowest metric, ~0.1 s per face)."""
    flow_preset: str = "medium"
    max_faces: int = 4
    fps: float = 25.0
    """Frame rate given to image folders."""
    target_camera: np.ndarray | None = None
    """25-number EG3D label the edit corrected every head to; pose error is measured to it."""
    worst: int = 3
    """Worst frames kept per metric for the contact sheet."""
    face_model: str | None = None
    """MediaPipe face_landmarker.task path (None: the model-file manager's)."""
    progress: Callable[[int], None] | None = None


@dataclass(order=True)
class Example:
    """A frame kept for the contact sheet: its metric ``value``, frame ``index``, ``track_id``
    and thumbnails (uint8 RGB) of the original and the edit around the face."""

    value: float
    index: int
    track_id: int = field(compare=False)
    original: np.ndarray = field(compare=False, repr=False)
    edited: np.ndarray = field(compare=False, repr=False)


@dataclass
class EvalResult:
    """Per-frame records (``frames``), the ``summary`` and ``meta`` of a run, and the ``worst``
    frames per metric (metric key -> Examples, worst first)."""

    frames: list[dict[str, Any]]
    summary: dict[str, Any]
    meta: dict[str, Any]
    worst: dict[str, list[Example]]

    def to_json(self) -> dict[str, Any]:
        """What ``metrics.json`` holds."""
        return {"summary": self.summary, "meta": self.meta, "frames": self.frames}


def _thumb_transform(box: tuple[float, float, float, float], pad: float) -> np.ndarray:
    """2x3 affine: frame pixels -> a THUMB x THUMB picture of ``box`` grown ``pad`` times."""
    x0, y0, x1, y1 = box
    c, half = ((x0 + x1) / 2.0, (y0 + y1) / 2.0), pad / 2.0 * max(x1 - x0, y1 - y0, 8.0)
    s = THUMB / (2.0 * half)
    return np.array([[s, 0.0, THUMB / 2.0 - s * c[0]], [0.0, s, THUMB / 2.0 - s * c[1]]])


def _outline(thumb: np.ndarray, mask: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``thumb`` with the border of ``mask`` (bool, frame pixels) drawn in yellow."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = thumb.copy()
    for c in contours:
        pts = c[:, 0, :].astype(np.float64) @ m[:, :2].T + m[:, 2]
        cv2.polylines(out, [np.round(pts).astype(np.int32)], True, (255, 220, 0), 1, cv2.LINE_AA)
    return out


class _Ids:
    """Stable ids for the original's faces: nearest face of the previous frame, else new."""

    def __init__(self) -> None:
        self.prev: list[Face] = []
        self.next_id = 0

    def assign(self, faces: list[Face]) -> list[Face]:
        free = list(self.prev)
        for f in sorted(faces, key=lambda f: -f.size):
            c = np.array([(f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2])
            dist = [
                np.hypot(*(c - [(p.bbox[0] + p.bbox[2]) / 2, (p.bbox[1] + p.bbox[3]) / 2]))
                for p in free
            ]
            j = int(np.argmin(dist)) if dist else -1
            if j >= 0 and dist[j] < 0.8 * f.size:
                f.track_id = free.pop(j).track_id
            else:
                f.track_id, self.next_id = self.next_id, self.next_id + 1
        self.prev = faces
        return faces


class Evaluator:
    """Holds the detectors, the embedder, the flow and the previous frame between frames."""

    def __init__(self, options: EvalOptions) -> None:
        from streamfx.face import FaceTracker
        from streamfx.face.config import FaceConfig

        self.options = o = options
        cfg = FaceConfig(max_faces=o.max_faces, compute_crop=False)
        cfg_edit = FaceConfig(max_faces=o.max_faces, compute_crop=False, zoom=False)
        self.identity: Identity = load_identity(o.identity_model)
        self.tracker = FaceTracker(config=cfg, model_path=o.face_model)
        self.tracker_edit = FaceTracker(config=cfg_edit, model_path=o.face_model)
        self.flow = FlowEstimator(o.flow_preset)
        self.ids = _Ids()
        self.prev: FramePair | None = None
        self.frames: list[dict[str, Any]] = []
        self.heaps: dict[str, list[Example]] = {k: [] for k in SHEET_METRICS}

    def close(self) -> None:
        """Release MediaPipe."""
        self.tracker.close()
        self.tracker_edit.close()

    def _keep(
        self,
        key: str,
        value: float | None,
        pair: FramePair,
        tid: int,
        box: Any,
        outline: np.ndarray | None = None,
    ) -> None:
        """Keep the frame for the contact sheet if ``value`` is among the worst so far;
        ``outline``: a mask whose border is drawn on the edit (the seam's composite mask)."""
        if value is None:
            return
        heap = self.heaps[key]
        if len(heap) >= self.options.worst and value <= heap[0].value:
            return
        pad = 1.5 if tid >= 0 else 1.0  # a face with its surroundings, or the whole frame
        m = _thumb_transform(box, pad)
        thumbs = [
            cv2.warpAffine(img, m, (THUMB, THUMB), flags=cv2.INTER_AREA)
            for img in (pair.original, pair.edited)
        ]
        if outline is not None:
            thumbs[1] = _outline(thumbs[1], outline, m)
        ex = Example(value, pair.index, tid, *thumbs)
        (heapq.heappushpop if len(heap) >= self.options.worst else heapq.heappush)(heap, ex)

    def _identity(self, pair: FramePair, face: Face, edited: Face | None) -> float | None:
        if pair.index % max(1, self.options.identity_every):
            return None
        lm = face.landmarks
        if edited is not None and landmark_error(lm, edited.landmarks)[1] > REALIGN:
            lm_e = edited.landmarks
        else:
            lm_e = lm
        a = self.identity.embed(pair.original, lm)
        return self.identity.distance(a, self.identity.embed(pair.edited, lm_e))

    def _temporal(
        self, pair: FramePair, hull: np.ndarray, flow: FlowPair | None
    ) -> dict[str, float | None]:
        """Flicker and flow-warped error of one face against the previous frame."""
        out: dict[str, float | None] = dict.fromkeys(
            ("flicker", "flicker_edited", "flicker_original", "warp_error", "warp_error_original")
        )
        p = self.prev
        if p is None:
            return out
        fl = mx.flicker(p.original, pair.original, p.edited, pair.edited, hull)
        if fl is not None:
            out.update(flicker=fl[0], flicker_edited=fl[1], flicker_original=fl[2])
        if flow is not None:
            out["warp_error"] = warp_error(flow, p.edited, pair.edited, hull)
            out["warp_error_original"] = warp_error(flow, p.original, pair.original, hull)
        return out

    def _face(
        self,
        pair: FramePair,
        face: Face,
        hull: np.ndarray,
        edited: Face | None,
        flow: FlowPair | None,
    ) -> dict[str, Any]:
        """Every per-face metric of one frame (hull: the face oval, bool [H,W])."""
        size = mx.face_size(face.landmarks)
        rec: dict[str, Any] = {"track_id": face.track_id, "size_px": size}
        rec["edit_found"] = edited is not None
        rec["edit_strength"] = mx.edit_strength(pair.original, pair.edited, hull)
        seam = measure_seam(pair.original, pair.edited, hull, size)
        rec["seam"] = seam.colour if seam else None
        rec["seam_gradient"] = seam.gradient if seam else None
        rec["seam_source"] = seam.source if seam else None
        rec.update(pose_metrics(face, edited, self.options.target_camera))
        rec["identity_distance"] = self._identity(pair, face, edited)
        rec.update(self._temporal(pair, hull, flow))
        for key in SHEET_METRICS[:-1]:
            mask = seam.mask if key == "seam" and seam is not None else None
            self._keep(key, rec[key], pair, face.track_id, face.bbox, mask)
        return rec

    def step(self, pair: FramePair) -> dict[str, Any]:
        """Measure one frame pair; returns (and keeps) its record."""
        shape = pair.original.shape
        faces = self.ids.assign(self.tracker.detect(pair.original))
        matched = match_faces(faces, self.tracker_edit.detect(pair.edited)) if faces else {}
        hulls = [mx.face_mask(f.landmarks, shape) for f in faces]
        flow = None
        if self.prev is not None and faces:
            box = union_box(hulls, 0.5 * max(f.size for f in faces), shape)
            if box is not None:
                flow = self.flow.pair(self.prev.original, pair.original, box)
        recs, fg = [], np.zeros(shape[:2], bool)
        for face, hull in zip(faces, hulls, strict=True):
            recs.append(self._face(pair, face, hull, matched.get(face.track_id), flow))
            fg |= mx.dilate(hull, mx.BACKGROUND_MARGIN * mx.face_size(face.landmarks))
        bg, kept = mx.background_change(pair.original, pair.edited, fg)
        h, w = pair.original.shape[:2]
        self._keep("background_change", bg, pair, -1, (0.0, 0.0, float(w), float(h)))
        frame = {
            "index": pair.index,
            "t_ms": round(pair.t_ms, 3),
            "faces": recs,
            "background_change": bg,
            "containment": kept,
        }
        self.frames.append(frame)
        self.prev = pair
        return frame


def summarise(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over frames with a face of the per-frame means over faces, for every metric; plus
    counts. A metric with no value anywhere is None."""
    with_face = [f for f in frames if f["faces"]]
    out: dict[str, Any] = {}
    for m in mx.METRICS:
        per_frame = [mx.mean_or_none([r[m.key] for r in f["faces"]]) for f in with_face]
        out[m.key] = mx.mean_or_none(per_frame)
    for m in mx.FRAME_METRICS:
        out[m.key] = mx.mean_or_none([f[m.key] for f in with_face])
    faces = [r for f in with_face for r in f["faces"]]
    out["frames"] = len(frames)
    out["face_frames"] = len(with_face)
    out["edit_face_found"] = float(np.mean([r["edit_found"] for r in faces])) if faces else None
    return out


def evaluate(original: str, edited: str, options: EvalOptions | None = None) -> EvalResult:
    """Evaluate ``edited`` against ``original`` (video files, images, folders of images, or any
    source spec ``open_source`` takes); see the package docstring for the metrics."""
    o = options or EvalOptions()
    t0 = time.perf_counter()
    ev = Evaluator(o)
    try:
        for pair in read_pairs(original, edited, o.max_frames, o.fps):
            ev.step(pair)
            if o.progress:
                o.progress(pair.index + 1)
    finally:
        ev.close()
    worst = {k: sorted(h, reverse=True) for k, h in ev.heaps.items()}
    size = ev.prev.original.shape if ev.prev is not None else (0, 0)
    meta = {
        "original": str(original),
        "edited": str(edited),
        "size": [int(size[1]), int(size[0])],
        "identity_model": ev.identity.name,
        "identity_scale": ev.identity.scale,
        "identity_every": o.identity_every,
        "flow": f"OpenCV DIS ({o.flow_preset}) on the original, forward-backward checked",
        "target_camera": None if o.target_camera is None else [float(v) for v in o.target_camera],
        "units": {m.key: m.unit for m in (*mx.METRICS, *mx.FRAME_METRICS)},
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return EvalResult(ev.frames, summarise(ev.frames), meta, worst)
