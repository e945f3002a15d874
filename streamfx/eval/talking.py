"""A talking-face clip made from the project's own assets: the astronaut opening her mouth.

The photo (scikit-image's ``astronaut()``, public domain, shipped with its MediaPipe landmarks
in ``streamfx/backends/mesh/data/astronaut.npz``) is warped frame by frame: the jaw, the lower
lip and the chin move down by a syllable-like amount (about 4 syllables a second), the mouth
opening between the lips is filled with a dark mouth interior that narrows toward the lip
corners, and the whole frame sways slightly (a hand-held camera: small roll and shift). The
result is a deterministic talking face with real mouth motion for ``streamfx bench quality``
and the evaluation tests, built without any download.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np

from streamfx.errors import ConfigError

#: Inner lip contours (MediaPipe), image-left corner to image-right corner.
UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
CHIN = 152
#: Largest mouth opening, in face sizes.
OPENING = 0.09
MOUTH_COLOUR = np.array([60.0, 25.0, 30.0], np.float32)


def _photo(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The astronaut scaled to cover ``width`` x ``height`` (face centred), and its landmarks."""
    from streamfx.backends.mesh.assets import astronaut

    img, lm = astronaut()
    lm = lm.astype(np.float64)
    s = max(width / img.shape[1], height / img.shape[0]) * 1.15
    cx = (lm[:, 0].min() + lm[:, 0].max()) / 2.0
    x0 = float(np.clip(cx * s - width / 2.0, 0.0, img.shape[1] * s - width))
    m = np.array([[s, 0.0, -x0], [0.0, s, 0.0]])
    photo = cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_AREA)
    lm[:, :2] = lm[:, :2] * s - (x0, 0.0)
    lm[:, 2] *= s
    return photo, lm


def mouth_opening(t: float) -> float:
    """Opening at time ``t`` seconds as a fraction of ``OPENING``: syllables of varying size."""
    syll = abs(math.sin(2.0 * math.pi * 2.0 * t))  # 4 syllables per second
    phrase = 0.55 + 0.45 * math.sin(2.0 * math.pi * t / 2.7)  # louder and softer phrases
    return syll**1.5 * phrase


class TalkingClip:
    """Frames of the talking astronaut, ``width`` x ``height`` at ``fps`` (deterministic)."""

    def __init__(self, width: int = 640, height: int = 480, fps: float = 25.0) -> None:
        if min(width, height) < 128 or fps <= 0:
            raise ConfigError(
                f"talking clip needs at least 128x128 and fps > 0, got {width}x{height} at {fps}"
            )
        self.fps = float(fps)
        self.photo, self.landmarks = _photo(int(width), int(height))
        lm = self.landmarks
        self.size = float(np.ptp(lm[:, :2], axis=0).max())
        # the lip line: midway between the inner lips, as a function of x
        up, lo = lm[list(UPPER_INNER), :2], lm[list(LOWER_INNER), :2]
        mid = (up + lo) / 2.0
        order = np.argsort(mid[:, 0])
        self._lip_x, self._lip_y = mid[order, 0], mid[order, 1]
        self._left, self._right = float(mid[:, 0].min()), float(mid[:, 0].max())
        self._chin = float(lm[CHIN, 1])
        h, w = self.photo.shape[:2]
        self._gx, self._gy = np.meshgrid(
            np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
        )

    def _jaw_field(self, amount: float) -> tuple[np.ndarray, np.ndarray]:
        """(downward shift [H,W] in pixels, mouth-interior weight [H,W] in [0,1])."""
        gx, gy = self._gx, self._gy
        s = self.size
        line = np.interp(gx, self._lip_x, self._lip_y).astype(np.float32)
        half = (self._right - self._left) / 2.0
        cx = (self._right + self._left) / 2.0
        u = np.clip(np.abs(gx - cx) / (half + 0.35 * s), 0.0, 1.0)
        jaw = 0.5 + 0.5 * np.cos(np.pi * u)  # whole jaw: 1 in the middle, 0 at the face sides
        lips = np.sqrt(np.clip(1.0 - ((gx - cx) / half) ** 2, 0.0, 1.0))  # narrows at corners
        below = np.clip((gy - line) / 2.0 + 0.5, 0.0, 1.0)  # 0 above the lip line, 1 below
        fade = np.clip(1.0 - (gy - self._chin) / (0.35 * s), 0.0, 1.0)  # the neck stretches
        open_px = amount * OPENING * s
        shift = open_px * below * fade * (0.6 * jaw + 0.4 * lips)
        src_y = gy - shift
        gap = np.clip(line - src_y, 0.0, None) * below  # pixels that would sample above the line
        inside = np.clip(gap / np.maximum(open_px * lips, 1e-3), 0.0, 1.0) * (lips > 0)
        return shift.astype(np.float32), inside.astype(np.float32)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (uint8 [H,W,3] RGB)."""
        t = index / self.fps
        shift, inside = self._jaw_field(mouth_opening(t))
        mx = self._gx
        my = (self._gy - shift).astype(np.float32)
        img = cv2.remap(self.photo, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        img = img.astype(np.float32)
        a = cv2.GaussianBlur(inside, (0, 0), 0.8)[..., None]
        img = img * (1.0 - a) + MOUTH_COLOUR * a
        h, w = img.shape[:2]
        roll = 1.5 * math.sin(2 * math.pi * t / 3.1)
        sway = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), roll, 1.0)
        sway[:, 2] += (4.0 * math.sin(2 * math.pi * t / 2.3), 2.0 * math.sin(2 * math.pi * t / 1.9))
        out = cv2.warpAffine(
            img, sway, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)

    def frames(self, count: int) -> Iterator[np.ndarray]:
        """The first ``count`` frames."""
        for i in range(count):
            yield self.frame(i)
