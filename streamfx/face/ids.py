"""Stable track ids: match this frame's faces to the live tracks (pure numpy).

Cost of pairing a face with a track = centre distance in face sizes + (1 - IoU); pairs farther
than ``max_distance`` face sizes never match. Pairs are taken greedily by increasing cost (for a
handful of faces this equals the optimal assignment in all but contrived cases). Unmatched faces
start new tracks with fresh ids; tracks unseen for longer than the timeout are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


@dataclass
class Track:
    """A followed face: its id, last box and when it was last seen (ms)."""

    track_id: int
    bbox: Box
    last_seen_ms: float
    hits: int = 1


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _centre_distance(a: Box, b: Box) -> float:
    size = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1], 1e-6)
    dx = (a[0] + a[2] - b[0] - b[2]) / 2.0
    dy = (a[1] + a[3] - b[1] - b[3]) / 2.0
    return float(np.hypot(dx, dy) / size)


class TrackAssigner:
    """Gives each detected face a stable id across frames."""

    def __init__(self, lost_timeout_ms: float = 500.0, max_distance: float = 0.8) -> None:
        self.lost_timeout_ms = lost_timeout_ms
        self.max_distance = max_distance
        self.tracks: dict[int, Track] = {}
        self._next_id = 0

    def reset(self) -> None:
        """Drop every track (ids keep counting up)."""
        self.tracks.clear()

    def assign(self, boxes: list[Box], t_ms: float) -> tuple[list[int], list[int]]:
        """Ids for ``boxes`` (same order) and the ids of tracks dropped by the timeout."""
        dropped = [
            tid for tid, tr in self.tracks.items() if t_ms - tr.last_seen_ms > self.lost_timeout_ms
        ]
        for tid in dropped:
            del self.tracks[tid]
        pairs = []
        for i, box in enumerate(boxes):
            for tid, tr in self.tracks.items():
                dist = _centre_distance(box, tr.bbox)
                if dist <= self.max_distance:
                    pairs.append((dist + 1.0 - iou(box, tr.bbox), i, tid))
        pairs.sort()
        ids: list[int | None] = [None] * len(boxes)
        used: set[int] = set()
        for _, i, tid in pairs:
            if ids[i] is None and tid not in used:
                ids[i] = tid
                used.add(tid)
        for i, box in enumerate(boxes):
            if ids[i] is None:
                ids[i] = self._next_id
                self._next_id += 1
                self.tracks[ids[i]] = Track(ids[i], box, t_ms, hits=0)
            tr = self.tracks[ids[i]]
            tr.bbox, tr.last_seen_ms, tr.hits = box, t_ms, tr.hits + 1
        return [int(i) for i in ids], dropped


def select_faces(faces: list, policy: tuple[str, int | None], shape: tuple[int, ...]) -> list:
    """The faces a policy keeps (``streamfx.face.config.parse_policy``): ``all``, ``largest``,
    ``central`` (nearest the centre of a frame of ``shape``) or ``id`` (track ``policy[1]``)."""
    kind, want = policy
    if kind == "all" or not faces:
        return faces
    if kind == "id":
        return [f for f in faces if f.track_id == want]
    if kind == "largest":
        return [max(faces, key=lambda f: f.size)]
    cx, cy = shape[1] / 2.0, shape[0] / 2.0
    return [min(faces, key=lambda f: _centre_dist(f.bbox, cx, cy))]


def _centre_dist(b: Box, cx: float, cy: float) -> float:
    return float(np.hypot((b[0] + b[2]) / 2 - cx, (b[1] + b[3]) / 2 - cy))
