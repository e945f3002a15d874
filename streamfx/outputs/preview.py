"""Preview window (OpenCV) with a stats overlay, and the null sink."""

from __future__ import annotations

import os
import sys

import numpy as np

from streamfx.errors import SinkError
from streamfx.outputs.base import Sink
from streamfx.record import Frame


def display_problem() -> str | None:
    """Why no window can be shown here, or None when a display looks usable."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no display (DISPLAY and WAYLAND_DISPLAY are unset: headless session)"
    return None


class PreviewSink(Sink):
    """Shows frames in an OpenCV window with a stats overlay; ``q`` or Esc asks to stop.

    title: window title. overlay: draw the text set by ``set_overlay`` in the top-left corner.
    """

    name = "preview"

    def __init__(self, title: str = "streamfx", overlay: bool = True) -> None:
        self.title = title
        self.overlay = overlay
        self.text: list[str] = []
        self.wants_stop = False
        self._open = False
        self.frames = 0

    def open(self, width: int, height: int, fps: float) -> None:
        import cv2

        problem = display_problem()
        if problem:
            raise SinkError(f"preview window unavailable: {problem}; use --sink null or a file")
        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
            cv2.resizeWindow(self.title, width, height)
        except cv2.error as exc:
            raise SinkError(
                f"preview window unavailable: OpenCV could not open one ({exc})"
            ) from None
        self._open = True

    def set_overlay(self, text: str) -> None:
        """Lines of text drawn over the next frames (e.g. the runner's stats)."""
        self.text = text.splitlines()

    def _draw(self, image: np.ndarray) -> np.ndarray:
        import cv2

        out = image.copy()
        for i, line in enumerate(self.text):
            org = (8, 20 + 18 * i)
            cv2.putText(out, line, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(out, line, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        return out

    def write(self, frame: Frame) -> None:
        import cv2

        if not self._open:
            raise SinkError("preview sink is not open")
        image = self._draw(frame.result) if self.overlay and self.text else frame.result
        cv2.imshow(self.title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27):
            self.wants_stop = True
        self.frames += 1

    def close(self) -> None:
        if self._open:
            import cv2

            self._open = False
            try:
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)
            except cv2.error:
                pass


class NullSink(Sink):
    """Discards frames (benchmarks, headless runs); counts them and keeps the last one."""

    name = "null"

    def __init__(self) -> None:
        self.frames = 0
        self.last: Frame | None = None
        self.size = (0, 0)

    def open(self, width: int, height: int, fps: float) -> None:
        self.size = (width, height)

    def write(self, frame: Frame) -> None:
        self.frames += 1
        self.last = frame
