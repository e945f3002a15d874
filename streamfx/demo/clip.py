"""The demo source: the astronaut portrait with real head motion, rendered through the mesh.

The photo is scikit-image's ``astronaut()`` (Eileen Collins, NASA, public domain), shipped with
its MediaPipe landmarks in ``streamfx/backends/mesh/data/astronaut.npz`` so neither
scikit-image nor MediaPipe is needed here. Each frame re-renders the face mesh, textured from
the photo, at a smoothly varying yaw (about +-20 degrees), pitch, roll and translation. Around
the face, the photo follows the head's best 2-D affine motion (hair, ears), fading to no motion
at a distance, so the whole head turns as one warp: nothing is pasted over the old face, hence
no ghost face and no inpainting smear. Only a box around the head is resampled, so a frame costs
a few milliseconds.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from streamfx.backends.mesh.lift import LiftedMesh
from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import ConfigError, SourceError
from streamfx.record import Frame

#: Motion amplitudes (degrees, pixels as a fraction of the face size) and periods (seconds).
YAW_DEG, PITCH_DEG, ROLL_DEG = 20.0, 8.0, 5.0
PERIODS = (4.0, 5.3, 7.1, 6.2, 4.7)
#: The head's motion applies fully within INNER face sizes of the face centre and fades out by
#: OUTER; below the centre distances count BELOW times (the body moves less than the hair).
INNER, OUTER, BELOW = 0.75, 1.5, 1.8
#: Longest side (pixels) of the warp field; the box around the head is warped through it.
FIELD_SIZE = 200


def head_motion(t: float) -> tuple[float, float, float, float, float]:
    """(yaw, pitch, roll in radians, dx, dy as fractions of the face size) at time ``t`` s.

    Yaw > 0 turns the head so that its nose moves toward image left (the same direction as a
    camera yaw > 0 in ``streamfx.geometry.camera.camera_from_angles``).
    """
    p = PERIODS
    yaw = math.radians(YAW_DEG) * math.sin(2 * math.pi * t / p[0])
    pitch = math.radians(PITCH_DEG) * math.sin(2 * math.pi * t / p[1] + 1.0)
    roll = math.radians(ROLL_DEG) * math.sin(2 * math.pi * t / p[2] + 2.0)
    dx = 0.08 * math.sin(2 * math.pi * t / p[3] + 0.5)
    dy = 0.04 * math.sin(2 * math.pi * t / p[4] + 1.5)
    return yaw, pitch, roll, dx, dy


class DemoSource(Source):
    """A generated clip of ``seconds`` at ``fps``, frames of ``width`` x ``height``.

    Frames carry ``pts = i / fps`` and ``t_capture``; ``head_motion(pts)`` is the (yaw, pitch,
    roll, dx, dy) used to render a frame and ``landmarks_at(t)`` the rendered head's
    ground-truth landmarks (for tests and tracker-free demos). ``loop`` restarts instead of
    ending.
    """

    name = "demo"

    def __init__(
        self,
        seconds: float = 6.0,
        fps: float = 25.0,
        width: int = 640,
        height: int = 480,
        loop: bool = False,
    ) -> None:
        if not (seconds > 0 and fps > 0):
            raise ConfigError(f"demo source needs seconds > 0 and fps > 0, got {seconds}, {fps}")
        if min(width, height) < 64:
            raise ConfigError(f"demo frame size must be at least 64x64, got {width}x{height}")
        self.seconds, self.fps, self.loop = float(seconds), float(fps), loop
        self.size = (int(width), int(height))
        self._n = max(1, round(seconds * fps))
        self._i = 0
        self._photo: np.ndarray | None = None

    def open(self) -> SourceInfo:
        """Prepare the photo, its landmarks and the face-free background (once)."""
        from streamfx.backends.mesh.assets import astronaut
        from streamfx.backends.mesh.lift import lift

        img, lm = astronaut()
        w, h = self.size
        s = max(w / img.shape[1], h / img.shape[0]) * 1.15
        x0 = (img.shape[1] * s - w) / 2.0
        m = np.array([[s, 0.0, -x0], [0.0, s, 0.0]])
        self._photo = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR)
        self._lm = lm.astype(np.float64)
        self._lm[:, :2] = self._lm[:, :2] * s - (x0, 0.0)
        self._lm[:, 2] *= s
        self._mesh = lift(self._lm)
        self._face_size = float(np.ptp(self._lm[:, :2], axis=0).max())
        self._i = 0
        return SourceInfo(
            width=w,
            height=h,
            fps=self.fps,
            live=False,
            frame_count=None if self.loop else self._n,
            description=f"demo: astronaut with head motion, {w}x{h}@{self.fps:g}",
        )

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """(the photo at rest, uint8 [H,W,3]; its landmarks, float32 [478,3] in frame pixels)."""
        if self._photo is None:
            raise SourceError("demo source is not open; call open() first")
        return self._photo.copy(), self._lm.astype(np.float32)

    def landmarks_at(self, t: float) -> np.ndarray:
        """Ground-truth landmarks float32 [478,3] (frame pixels) of the head rendered at ``t``."""
        from streamfx.backends.mesh.lift import rotation_from_euler

        if self._photo is None:
            raise SourceError("demo source is not open; call open() first")
        yaw, pitch, roll, dx, dy = head_motion(t)
        shift = np.array([dx * self._face_size, dy * self._face_size, 0.0])
        piv = self._mesh.pivot
        lm = (self._lm - piv) @ rotation_from_euler(yaw, pitch, roll).T + piv + shift
        return lm.astype(np.float32)

    def render_at(self, t: float) -> tuple[np.ndarray, tuple[float, float, float]]:
        """The frame (uint8 [H,W,3]) at time ``t`` and its (yaw, pitch, roll)."""
        from streamfx.backends.mesh.lift import repose, rotation_from_euler

        if self._photo is None:
            raise SourceError("demo source is not open; call open() first")
        yaw, pitch, roll, dx, dy = head_motion(t)
        shift = np.array([dx * self._face_size, dy * self._face_size, 0.0])
        mesh = repose(self._mesh, rotation_from_euler(yaw, pitch, roll), shift)
        out = self._photo.copy()
        h, w = out.shape[:2]
        centre = mesh.verts[:, :2].mean(0)
        reach = OUTER * self._face_size
        lo = np.maximum(np.floor(centre - reach).astype(int), 0)
        hi = np.minimum(np.ceil(centre + reach).astype(int), (w, h))
        if np.any(hi - lo < 2):
            return out, (yaw, pitch, roll)
        out[lo[1] : hi[1], lo[0] : hi[0]] = self._warp_head(mesh, lo, hi, centre)
        return out, (yaw, pitch, roll)

    def _warp_head(
        self, mesh: LiftedMesh, lo: np.ndarray, hi: np.ndarray, centre: np.ndarray
    ) -> np.ndarray:
        """Render the box [lo, hi) of the frame: the mesh's own texture mapping on the face, the
        head's best 2-D affine motion around it (hair, ears), fading to no motion at ``OUTER``
        face sizes (background and body stay still). The warp field is smooth, so it is built
        at a reduced size (``k`` frame pixels per field pixel) and upsampled."""
        from streamfx.backends.mesh.gbuffer import texture_map

        bw, bh = (hi - lo).tolist()
        k = max(1, int(np.ceil(max(bw, bh) / FIELD_SIZE)))
        sw, sh = -(-bw // k), -(-bh // k)
        # field pixel (j, i) sits at frame pixel (lo + k j + (k-1)/2, lo + k i + (k-1)/2)
        off = lo + (k - 1) / 2.0
        local = LiftedMesh(**mesh.__dict__)
        local.verts = mesh.verts.copy()
        local.verts[:, :2] = (mesh.verts[:, :2] - off) / k
        local.verts[:, 2] = mesh.verts[:, 2] / k
        # 2-D affine (field pixels -> photo pixels) that best explains the mesh motion
        src = np.c_[local.verts[:, :2], np.ones(len(local.verts))]
        aff = np.linalg.lstsq(src, local.uv, rcond=None)[0].T.astype(np.float32)
        uvmap, alpha = texture_map(local, (sh, sw), aff)
        xs = np.arange(sw, dtype=np.float32)[None, :]
        ys = np.arange(sh, dtype=np.float32)[:, None]
        fx, fy = xs * k + np.float32(off[0]), ys * k + np.float32(off[1])
        ex = (fx - np.float32(centre[0])) / np.float32(self._face_size)
        ey = (fy - np.float32(centre[1])) / np.float32(self._face_size)
        ey = np.where(ey > 0, ey * np.float32(BELOW), ey)  # the body below the chin moves less
        wgt = np.clip((OUTER - np.sqrt(ex * ex + ey * ey)) / (OUTER - INNER), 0.0, 1.0)
        wgt = (wgt * wgt * (3.0 - 2.0 * wgt)).astype(np.float32)
        field = np.empty((sh, sw, 2), np.float32)
        for c, (grid, a) in enumerate(((fx, aff[0]), (fy, aff[1]))):
            amap = a[0] * xs + a[1] * ys + a[2]  # the affine motion, as mapped photo pixels
            uv = amap + alpha * (uvmap[..., c] - amap)  # soft seam: mesh vs affine motion
            field[..., c] = grid + wgt * (uv - grid)
        if k > 1:
            field = cv2.resize(field, (sw * k, sh * k), interpolation=cv2.INTER_LINEAR)
            field = np.ascontiguousarray(field[:bh, :bw])
        return cv2.remap(self._photo, field, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    def read(self) -> Frame | None:
        """The next frame, or None after ``seconds`` (unless ``loop``)."""
        if self._i >= self._n and not self.loop:
            return None
        i = self._i
        self._i += 1
        image, _ = self.render_at((i % self._n) / self.fps)
        return Frame(image=image, pts=i / self.fps, t_capture=self.now(), index=i)

    def close(self) -> None:
        """Nothing to release; safe to call twice."""
        self._photo = None
