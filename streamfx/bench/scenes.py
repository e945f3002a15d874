"""Benchmark scenes made from the project's own assets: one face or a group of six, 1280x720.

Both are the demo head (``streamfx.demo.clip.DemoSource``: the astronaut portrait re-rendered
with real head motion) rendered ahead of time, so reading a frame costs a copy, not a render,
and the benchmark measures the pipeline rather than the scene:

- ``one``: the demo clip itself at the frame size (one large face, ~25% of the width);
- ``six``: six heads, each a square sprite of the demo head (its face ``FACE_WIDTHS`` px wide,
  60-200), on a grey frame in a 3x2 grid; each drifts on its own slow path and turns with the
  demo's head motion at its own phase.

Frames loop back and forth over ``loop_s`` seconds of motion (no jump at the loop point);
``pts`` keeps counting at ``fps``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import ConfigError
from streamfx.record import Frame

SCENES = ("one", "six")
FACE_WIDTHS = (200, 130, 90, 60, 160, 100)
"""Face widths (landmark box, px) of the six-face scene, in grid order."""
GREY = 118
SPRITE = 1.8  # sprite side in face widths
DRIFT = 24.0  # px of drift each way


def _ping_pong(n: int, i: int) -> int:
    if n <= 1:
        return 0
    k = i % (2 * n - 2)
    return k if k < n else 2 * n - 2 - k


class SceneSource(Source):
    """A generated 1280x720 (by default) scene: ``one`` face or ``six`` (module docstring).

    seconds: clip length; fps: frame rate; loop_s: seconds of distinct motion rendered ahead.
    ``centres_at(i)`` gives the six-face scene's face centres in frame ``i`` (tests).
    """

    name = "scene"

    def __init__(
        self,
        scene: str = "one",
        seconds: float = 10.0,
        fps: float = 30.0,
        width: int = 1280,
        height: int = 720,
        loop_s: float = 2.0,
    ) -> None:
        if scene not in SCENES:
            raise ConfigError(f"scene: expected one of {', '.join(SCENES)}, got {scene!r}")
        if not (seconds > 0 and fps > 0 and loop_s > 0):
            raise ConfigError(
                f"scene needs seconds, fps, loop_s > 0, got {seconds}, {fps}, {loop_s}"
            )
        self.scene, self.seconds, self.fps = scene, float(seconds), float(fps)
        self.size = (int(width), int(height))
        self._loop = max(2, round(loop_s * fps))
        self._n = max(1, round(seconds * fps))
        self._i = 0
        self._frames: list[np.ndarray] = []
        self._sprites: list[list[np.ndarray]] = []
        self._cells: list[tuple[float, float]] = []
        self._frame: np.ndarray | None = None

    def open(self) -> SourceInfo:
        from streamfx.demo.clip import DemoSource

        w, h = self.size
        times = [i / self.fps for i in range(self._loop)]
        if self.scene == "one":
            demo = DemoSource(seconds=1.0, fps=self.fps, width=w, height=h)
            demo.open()
            self._frames = [demo.render_at(t)[0] for t in times]
        else:
            demo = DemoSource(seconds=1.0, fps=self.fps, width=640, height=480)
            demo.open()
            _, lm = demo.reference()
            lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
            centre, face_w = (lo + hi) / 2.0, float(hi[0] - lo[0])
            side = SPRITE * face_w
            x0, y0 = int(round(centre[0] - side / 2)), int(round(centre[1] - side / 2))
            s = int(round(side))
            heads = [demo.render_at(t)[0][y0 : y0 + s, x0 : x0 + s] for t in times]
            self._sprites = []
            for fw in FACE_WIDTHS:
                px = max(8, int(round(SPRITE * fw)))
                interp = cv2.INTER_AREA if px < s else cv2.INTER_LINEAR
                self._sprites.append(
                    [cv2.resize(hd, (px, px), interpolation=interp) for hd in heads]
                )
            cols, rows = 3, 2
            self._cells = [
                ((c + 0.5) * w / cols, (r + 0.5) * h / rows)
                for r in range(rows)
                for c in range(cols)
            ]
            self._frame = np.full((h, w, 3), GREY, np.uint8)
        self._i = 0
        what = (
            "one face"
            if self.scene == "one"
            else f"six faces {min(FACE_WIDTHS)}-{max(FACE_WIDTHS)} px wide"
        )
        return SourceInfo(
            width=w,
            height=h,
            fps=self.fps,
            live=False,
            frame_count=self._n,
            description=f"scene {self.scene}: demo head, {what}, {w}x{h}@{self.fps:g}",
        )

    def centres_at(self, i: int) -> list[tuple[float, float]]:
        """Face centres (frame px) of the six-face scene in frame ``i``."""
        t = i / self.fps
        out = []
        for k, (cx, cy) in enumerate(self._cells):
            dx = DRIFT * math.sin(2 * math.pi * t / (3.1 + 0.4 * k) + k)
            dy = 0.5 * DRIFT * math.sin(2 * math.pi * t / (3.7 + 0.3 * k) + 2 * k)
            out.append((cx + dx, cy + dy))
        return out

    def render(self, i: int) -> np.ndarray:
        """Frame ``i`` (uint8 [H,W,3]); a new array each call."""
        if self.scene == "one":
            return self._frames[_ping_pong(len(self._frames), i)].copy()
        frame = self._frame.copy()
        h, w = frame.shape[:2]
        for k, (cx, cy) in enumerate(self.centres_at(i)):
            sprites = self._sprites[k]
            sp = sprites[_ping_pong(len(sprites), i + 7 * k)]
            n = sp.shape[0]
            x0, y0 = int(round(cx - n / 2)), int(round(cy - n / 2))
            xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + n, w), min(y0 + n, h)
            frame[ya:yb, xa:xb] = sp[ya - y0 : yb - y0, xa - x0 : xb - x0]
        return frame

    def read(self) -> Frame | None:
        if self._i >= self._n:
            return None
        i = self._i
        self._i += 1
        return Frame(image=self.render(i), pts=i / self.fps, t_capture=self.now(), index=i)

    def close(self) -> None:
        self._frames, self._sprites = [], []
