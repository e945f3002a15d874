"""Paste edited face crops back into the frame (numpy + OpenCV; no mediapipe).

Per face: inverse-warp the edited crop (512 px a side, or fewer: an editor may return a small
face's crop at the face's own resolution) into the face's region of the frame, build a mask
(the renderer's opacity when given, else the landmark face-oval hull), feather it with a width
proportional to the face size, optionally match the edit's colours to the frame (Lab mean/std
inside the face), and alpha-blend. Per track, the edit fades in over a few frames when it
appears and fades out at its last place when the face or its edit goes away.
Only the face's bounding region is processed (with an opacity: only where it is above 0, not the
whole crop), so the cost follows the face size, not the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from streamfx.compose.color import apply_transfer, transfer_matrix
from streamfx.compose.config import ComposeConfig
from streamfx.compose.mask import feather, hull_mask
from streamfx.errors import InputError
from streamfx.face.align import apply_affine, invert_affine, resize_affine
from streamfx.face.types import CROP_SIZE, Face
from streamfx.record import FaceEdit

MIN_EDIT_SIDE = 16  # smallest edit side (px) the compositor takes
FORGET_AFTER = 1000  # frames a track may stay missing before its state is dropped anyway


@dataclass
class _TrackState:
    weight: float
    face: Face
    edit: FaceEdit
    color: np.ndarray | None = None  # smoothed 8-bit-Lab transfer [3,4]
    fresh: bool = True  # face and edit are this frame's
    missing: int = 0  # frames in a row without a face or an edit


class Compositor:
    """Blends per-face edits into frames; keeps per-track fade state between calls."""

    def __init__(self, config: ComposeConfig | None = None) -> None:
        self.config = config or ComposeConfig()
        self.tracks: dict[int, _TrackState] = {}

    def reset(self) -> None:
        """Forget all tracks (the next edits fade in from the real face)."""
        self.tracks.clear()

    def compose(
        self,
        frame_rgb: np.ndarray,
        faces: list[Face],
        edits: dict[int, FaceEdit],
        ended: list[int] | tuple[int, ...] = (),
    ) -> np.ndarray:
        """The frame (uint8 [H,W,3]) with each face's edit blended in.

        faces: this frame's faces (with ``to_crop``/``from_crop``); edits: track_id -> FaceEdit
        (image: the crop at s x s, s = 512 or fewer; optional alpha at any resolution). A
        track without a face or an edit this frame keeps its last edit at its last place for
        ``hold_frames`` frames, then fades out there; it fades back in from where it was when
        it returns. ended: track ids the tracker ended on this
        frame, whose state (fade, colour transfer) is dropped: the only reset.
        Returns ``frame_rgb`` itself (not a copy) when nothing is drawn.
        """
        frame = np.asarray(frame_rgb)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise InputError(f"expected a uint8 RGB frame [H,W,3], got {frame.dtype} {frame.shape}")
        for tid in ended:
            self.tracks.pop(tid, None)
        step = 1.0 / self.config.fade_frames
        seen = set()
        for face in faces:
            edit = edits.get(face.track_id)
            if edit is None or face.to_crop is None:
                continue
            seen.add(face.track_id)
            st = self.tracks.get(face.track_id)
            if st is None and self.config.fade_in is False:
                weight = 1.0  # offline: a new track is fully edited from its first frame
            else:
                weight = min(1.0, (st.weight if st else 0.0) + step)
            self.tracks[face.track_id] = _TrackState(weight, face, edit, st.color if st else None)
        for tid in [t for t in self.tracks if t not in seen]:
            st = self.tracks[tid]
            st.fresh = False
            st.missing += 1
            if st.missing > self.config.hold_frames:
                st.weight = max(0.0, st.weight - step)
            if st.missing > FORGET_AFTER:  # bounded memory when no tracker reports ends
                del self.tracks[tid]
        shown = [st for st in self.tracks.values() if st.weight > 1e-6]
        if not shown:
            return frame
        out = frame.copy()
        for st in sorted(shown, key=lambda s: s.face.size):
            self._blend_one(out, frame, st)
        return out

    def _region(self, face: Face, shape: tuple[int, ...], hull_only: bool) -> tuple[int, ...]:
        h, w = shape[:2]
        c = apply_affine(face.from_crop, np.array([[-0.5, -0.5], [CROP_SIZE - 0.5] * 2]))
        x0, y0 = np.floor(c.min(axis=0))
        x1, y1 = np.ceil(c.max(axis=0))
        if hull_only:  # the hull lies inside the landmark box
            bx0, by0, bx1, by1 = face.bbox
            x0, y0 = max(x0, np.floor(bx0) - 2), max(y0, np.floor(by0) - 2)
            x1, y1 = min(x1, np.ceil(bx1) + 3), min(y1, np.ceil(by1) + 3)
        return int(max(x0, 0)), int(max(y0, 0)), int(min(x1, w)), int(min(y1, h))

    def _blend_one(self, out: np.ndarray, frame: np.ndarray, st: _TrackState) -> None:
        face, edit, weight = st.face, st.edit, st.weight
        img = _checked_edit(edit.image)
        side = img.shape[0]
        to_crop, from_crop = face.to_crop, face.from_crop
        if side != CROP_SIZE:
            to_crop = resize_affine(face.to_crop, side)
            from_crop = invert_affine(to_crop)
        alpha = None
        if edit.alpha is not None:
            alpha = np.asarray(edit.alpha, dtype=np.float32)
            if alpha.shape != (side, side):
                alpha = cv2.resize(alpha, (side, side), interpolation=cv2.INTER_LINEAR)
        x0, y0, x1, y1 = self._region(face, frame.shape, alpha is None)
        if alpha is not None:  # only where the opacity is: the face, not its whole crop
            x0, y0, x1, y1 = _alpha_region(alpha, from_crop, (x0, y0, x1, y1))
        if x1 <= x0 or y1 <= y0:
            return
        size = (x1 - x0, y1 - y0)
        m = np.asarray(to_crop, dtype=np.float64).copy()
        m[:, 2] += m[:, :2] @ np.array([x0, y0], dtype=np.float64)  # region px -> edit px
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        warped = cv2.warpAffine(img, m, size, flags=flags, borderValue=0)
        if alpha is None:
            hard = hull_mask(face.landmarks, (x0, y0), (size[1], size[0]))
        else:
            hard = cv2.warpAffine(np.clip(alpha, 0, 1), m, size, flags=flags, borderValue=0)
        soft = feather(hard, self.config.feather * face.size)
        roi = frame[y0:y1, x0:x1]
        # an edit may opt out: a deliberate restyle (bronze, neon) must keep its own colours
        mode = edit.color_match or self.config.color_match
        if mode == "lab" and self.config.color_strength > 0:
            if st.fresh or st.color is None:
                mat = transfer_matrix(warped, roi, hard, self.config.color_strength)
                k = self.config.color_smoothing if st.color is not None else 0.0
                st.color = mat if st.color is None else k * st.color + (1.0 - k) * mat
            warped = apply_transfer(warped, st.color)
        a = soft if weight >= 1.0 else soft * np.float32(weight)
        # out = a * edit + (1 - a) * out, rounded; out unchanged where a == 0 (so a face whose
        # region overlaps one blended before it keeps that one's pixels)
        out[y0:y1, x0:x1] = cv2.blendLinear(warped, out[y0:y1, x0:x1], a, 1.0 - a)


def _checked_edit(image: np.ndarray) -> np.ndarray:
    """The edit's image, checked: uint8 [s,s,3], the crop sampled at s px a side."""
    img = np.asarray(image)
    ok = img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    if not (ok and img.shape[0] == img.shape[1] >= MIN_EDIT_SIDE):
        raise InputError(
            f"expected a uint8 [s,s,3] edit of the face's crop (s = {CROP_SIZE} for the full "
            f"crop, at least {MIN_EDIT_SIDE}), got {img.dtype} {img.shape}"
        )
    return img


def _alpha_region(
    alpha: np.ndarray, from_crop: np.ndarray, region: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """``region`` (x0, y0, x1, y1 frame pixels) cut to where the warped ``alpha`` (the edit's
    crop; ``from_crop`` maps its pixels to the frame) can be above 0: the frame box of its
    nonzero pixels, grown by 2 pixels (bilinear reads one neighbour; OpenCV quantises
    positions to 1/32 px)."""
    bx, by, bw, bh = cv2.boundingRect((alpha > 0).view(np.uint8))
    if bw == 0 or bh == 0:
        return 0, 0, 0, 0
    lo, hi = (bx - 2, by - 2), (bx + bw + 1, by + bh + 1)  # last nonzero pixel + 2
    corners = np.array([lo, (hi[0], lo[1]), (lo[0], hi[1]), hi], np.float64)
    pts = apply_affine(from_crop, corners)
    x0, y0 = np.floor(pts.min(axis=0))
    x1, y1 = np.ceil(pts.max(axis=0)) + 1
    return (
        max(region[0], int(x0)),
        max(region[1], int(y0)),
        min(region[2], int(x1)),
        min(region[3], int(y1)),
    )
