"""Seams: the colour and gradient step along the border of the composite mask.

The composite mask is not stored in a video, so it is estimated from the pair: the convex
region around the face where the edit differs from the original (``composite_mask``). Where the edit
changed too little to tell (an almost invisible edit), the face-oval hull stands in.

Along the mask border, sampled every ~2 px with outward normals (``border_points``):

- colour step: how much the difference image (edit - original) jumps across the border,
  ``|delta(p - d n) - delta(p + d n)|`` with ``d`` about 1.5% of the face size. A hard paste
  jumps by the full edit difference; a feathered paste ramps, so its step over 2 d is small.
- gradient excess: the edit's gradient magnitude minus the original's, the most of it within
  ``d`` of the border; a visible edge the original did not have.

Both are in grey levels (levels per pixel for the gradient), means over border points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from streamfx.eval.metrics import abs_diff

#: A pixel belongs to the edit footprint when it differs by more than this (levels).
CHANGE_LEVELS = 10.0
#: The footprint must cover at least this fraction of the face oval, else the oval is used.
MIN_FOOTPRINT = 0.25


@dataclass
class SeamResult:
    """Seam figures for one face: ``colour`` and ``gradient`` steps, the ``source`` of the border
    ("change": estimated footprint, "hull": face oval), the number of border ``points``, and
    the ``mask`` (bool [H,W]) whose border was measured."""

    colour: float
    gradient: float
    source: str
    points: int
    mask: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), bool))


def _box(mask: np.ndarray, margin: float) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    m = int(np.ceil(margin))
    return (
        max(int(xs.min()) - m, 0),
        max(int(ys.min()) - m, 0),
        min(int(xs.max()) + m + 1, w),
        min(int(ys.max()) + m + 1, h),
    )


def composite_mask(
    original: np.ndarray, edited: np.ndarray, hull: np.ndarray, size: float
) -> tuple[np.ndarray, str]:
    """(bool [H,W] estimated composite mask of one face, "change" or "hull").

    hull: bool [H,W] face-oval mask; size: face size in pixels. The footprint is where
    ``|edit - original| > CHANGE_LEVELS`` (slightly blurred and closed), within 0.35 face sizes
    of the hull; its pieces that overlap the hull are joined by their convex hull, since a
    restyle may leave patches of the face almost unchanged (a cartoon's flat colours) and the
    border between those is no composite border. Concave masks are thus measured a little
    outside their concavities, where the step is small.
    """
    if not hull.any():
        return hull, "hull"
    x0, y0, x1, y1 = _box(hull, 0.35 * size)
    diff = cv2.GaussianBlur(abs_diff(original[y0:y1, x0:x1], edited[y0:y1, x0:x1]), (0, 0), 1.0)
    fp = (diff > CHANGE_LEVELS).astype(np.uint8)
    k = max(3, int(round(0.04 * size)) | 1)
    fp = cv2.morphologyEx(fp, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(fp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    local_hull = hull[y0:y1, x0:x1]
    area = np.count_nonzero(local_hull)
    pieces = []
    for c in contours:
        filled = np.zeros_like(fp)
        cv2.drawContours(filled, [c], -1, 1, thickness=cv2.FILLED)
        if np.count_nonzero(filled.astype(bool) & local_hull) >= 0.02 * area:
            pieces.append(c)
    if not pieces:
        return hull, "hull"
    blob = np.zeros_like(fp)
    cv2.fillConvexPoly(blob, cv2.convexHull(np.concatenate(pieces)), 1)
    if np.count_nonzero(blob) < MIN_FOOTPRINT * area:
        return hull, "hull"
    out = np.zeros(hull.shape, dtype=bool)
    out[y0:y1, x0:x1] = blob.astype(bool)
    return out, "change"


def border_points(mask: np.ndarray, step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(points float32 [N,2] x,y; outward unit normals float32 [N,2]) along the outer border of
    the largest region of ``mask``, one every ``step`` contour pixels; points on the image edge
    are left out (a frame edge is no seam)."""
    m = mask.astype(np.uint8)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    c = max(contours, key=cv2.contourArea)[:, 0, :].astype(np.float64)
    if len(c) < 8:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    kernel = np.ones(5) / 5.0  # smooth the pixel staircase (circular)
    smooth = np.stack(
        [np.convolve(np.r_[c[-2:, i], c[:, i], c[:2, i]], kernel, "valid") for i in (0, 1)], 1
    )
    tangent = np.roll(smooth, -3, axis=0) - np.roll(smooth, 3, axis=0)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], 1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    # orient outward: the majority of points must see the mask behind them
    h, w = m.shape
    probe = np.round(c + 3.0 * normal).astype(int)
    probe = np.clip(probe, 0, [w - 1, h - 1])
    if np.mean(m[probe[:, 1], probe[:, 0]] > 0) > 0.5:
        normal = -normal
    keep = (c[:, 0] > 1) & (c[:, 1] > 1) & (c[:, 0] < w - 2) & (c[:, 1] < h - 2)
    idx = np.arange(0, len(c), max(1, step))
    idx = idx[keep[idx]]
    return c[idx].astype(np.float32), normal[idx].astype(np.float32)


def _sample(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` ([H,W] or [H,W,C]) at ``pts`` [N,2] -> [N] or [N,C]."""
    mx = np.ascontiguousarray(pts[None, :, 0], dtype=np.float32)
    my = np.ascontiguousarray(pts[None, :, 1], dtype=np.float32)
    out = cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out[0]


def _gradient(image: np.ndarray) -> np.ndarray:
    """float32 [H,W] gradient magnitude (levels per pixel) of the grey image."""
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return cv2.magnitude(gx, gy)


def seam_step(
    original: np.ndarray, edited: np.ndarray, mask: np.ndarray, size: float
) -> tuple[float, float, int] | None:
    """(colour step, gradient excess, number of border points) along ``mask``'s border, or None
    when the border is too short to measure. See the module docstring."""
    pts, normals = border_points(mask)
    if len(pts) < 8:
        return None
    d = max(1.5, 0.015 * size)
    x0, y0, x1, y1 = _box(mask, 2 * d + 3)
    o = original[y0:y1, x0:x1]
    e = edited[y0:y1, x0:x1]
    local = pts - np.array([x0, y0], np.float32)
    delta = e.astype(np.float32) - o.astype(np.float32)
    inner = _sample(delta, local - d * normals)
    outer = _sample(delta, local + d * normals)
    colour = np.abs(inner - outer).mean(axis=1)
    excess = _gradient(e) - _gradient(o)
    offsets = np.linspace(-d, d, 5)
    grad = np.max([_sample(excess, local + k * normals) for k in offsets], axis=0)
    return float(colour.mean()), float(np.maximum(grad, 0.0).mean()), len(pts)


def measure_seam(
    original: np.ndarray, edited: np.ndarray, hull: np.ndarray, size: float
) -> SeamResult | None:
    """Seam figures for one face (hull: bool [H,W] face oval; size: face size in pixels)."""
    mask, source = composite_mask(original, edited, hull, size)
    step = seam_step(original, edited, mask, size)
    if step is None:
        return None
    return SeamResult(step[0], step[1], source, step[2], mask)
