"""Face regions and the pixel metrics: edit strength, containment, flicker; the metric table.

Images are uint8 [H,W,3] RGB; every pixel figure is in grey levels (0-255), the mean over
pixels of the mean absolute difference over the three channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from streamfx.face.landmarks import FACE_OVAL

#: A background pixel counts as changed when it differs by more than this (grey levels, mean
#: over channels); video coding noise stays well below it.
CHANGED_LEVELS = 12.0
#: The background starts this many face sizes outside the face oval (the composite mask and
#: its feather may reach a little past the oval).
BACKGROUND_MARGIN = 0.15


@dataclass(frozen=True)
class Metric:
    """One reported metric: key in ``metrics.json``, label, unit, and which way is worse."""

    key: str
    label: str
    unit: str
    worse: str = "higher"
    """"higher": larger values are worse; "none": no direction (e.g. edit strength)."""


#: The per-face metrics, in report order (the first six are the issue's required summary keys).
METRICS: tuple[Metric, ...] = (
    Metric("identity_distance", "identity distance", "embedding distance"),
    Metric("flicker", "flicker (edit - original)", "levels"),
    Metric("warp_error", "flow-warped error", "levels"),
    Metric("seam", "seam colour step", "levels"),
    Metric("pose_error_deg", "head pose error", "degrees"),
    Metric("edit_strength", "edit strength (face)", "levels", worse="none"),
    Metric("flicker_edited", "frame change in face (edit)", "levels"),
    Metric("flicker_original", "frame change in face (original)", "levels", worse="none"),
    Metric("warp_error_original", "flow-warped error (original)", "levels", worse="none"),
    Metric("seam_gradient", "seam gradient excess", "levels/px"),
    Metric("yaw_error_deg", "yaw error (signed)", "degrees", worse="none"),
    Metric("pitch_error_deg", "pitch error (signed)", "degrees", worse="none"),
    Metric("roll_error_deg", "roll error (signed)", "degrees", worse="none"),
    Metric("landmark_error_px", "landmark error", "pixels"),
    Metric("landmark_error_rel", "landmark error / face size", "fraction"),
)
#: Per-frame (not per-face) metrics.
FRAME_METRICS: tuple[Metric, ...] = (
    Metric("background_change", "background change", "levels"),
    Metric("containment", "background kept (fraction unchanged)", "fraction", worse="lower"),
)
REQUIRED = ("identity_distance", "flicker", "warp_error", "seam", "pose_error_deg", "edit_strength")


def face_size(landmarks: np.ndarray) -> float:
    """Face size in pixels: the larger side of the landmark box."""
    lm = np.asarray(landmarks, dtype=np.float64)[:, :2]
    return float(np.ptp(lm, axis=0).max())


def face_mask(landmarks: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """bool [H,W]: inside the convex hull of the face oval (MediaPipe landmarks, pixels)."""
    pts = np.asarray(landmarks, dtype=np.float64)[list(FACE_OVAL), :2]
    hull = cv2.convexHull(np.round(pts * 16).astype(np.int32))
    mask = np.zeros(shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    """bool mask grown by ``radius`` pixels (elliptic structuring element)."""
    r = max(1, int(round(radius)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 [H,W]: mean over channels of |a - b| (grey levels)."""
    d = cv2.absdiff(np.asarray(a), np.asarray(b))
    return d.astype(np.float32).mean(axis=2)


def masked_mean(values: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean of ``values`` over ``mask`` (bool, same [H,W]); None for an empty mask."""
    n = int(np.count_nonzero(mask))
    return float(values[mask].sum() / n) if n else None


def edit_strength(original: np.ndarray, edited: np.ndarray, mask: np.ndarray) -> float | None:
    """How much the face changed: mean |edit - original| inside ``mask`` (levels)."""
    return masked_mean(abs_diff(original, edited), mask)


def background_change(
    original: np.ndarray, edited: np.ndarray, foreground: np.ndarray
) -> tuple[float | None, float | None]:
    """(mean |edit - original| outside ``foreground`` in levels, fraction of those pixels that
    changed by at most ``CHANGED_LEVELS``: 1.0 = the background was left alone)."""
    back = ~foreground
    if not back.any():
        return None, None
    diff = abs_diff(original, edited)[back]
    return float(diff.mean()), float(np.mean(diff <= CHANGED_LEVELS))


def flicker(
    orig_prev: np.ndarray,
    orig: np.ndarray,
    edit_prev: np.ndarray,
    edit: np.ndarray,
    mask: np.ndarray,
) -> tuple[float, float, float] | None:
    """(edit change - original change, edit change, original change) inside ``mask`` (levels).

    A change is the mean |frame t - frame t-1|; the original's own change (motion, noise) is
    subtracted, so a faithful edit scores about 0 and a flickering one more. None: empty mask.
    """
    e = masked_mean(abs_diff(edit_prev, edit), mask)
    o = masked_mean(abs_diff(orig_prev, orig), mask)
    if e is None or o is None:
        return None
    return e - o, e, o


def mean_or_none(values: list[float | None]) -> float | None:
    """Mean of the values that are finite numbers; None when there are none."""
    good = [float(v) for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(good)) if good else None
