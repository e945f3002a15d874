"""Preview window (OpenCV) with a stats overlay and keyboard shortcuts, and the null sink.

Keys in the preview window act on the run's live controls (``streamfx.runtime.controls``, the
object the control API and the OBS script also drive): see ``KEY_HELP``; ``h`` shows them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

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


#: The preview window's keys, as the on-screen help shows them.
KEY_HELP = (
    "n / ]   next style",
    "p / [   previous style",
    "space   passthrough on/off",
    "c       pose correction on/off",
    "+ / -   strength up/down",
    "h       this help",
    "q / Esc quit",
)
#: Strength change per key press, and the pose correction ``c`` turns on first.
STRENGTH_STEP = 0.1
POSE_ON = 0.5
#: Frames a key's message stays on screen.
MESSAGE_FRAMES = 50


class KeyControls:
    """What the preview's keys do to live controls (``LiveControls``); no window needed.

    ``press(key)`` takes a key code (``cv2.waitKey`` & 0xFF, or a one-letter string) and
    returns the message to show (e.g. ``"style: sketch"``), or None for a key it does not use.
    ``c`` turns pose correction off, and on again at its last value (``POSE_ON`` at first).
    """

    def __init__(self, controls: Any) -> None:
        self.controls = controls
        self._pose_on = POSE_ON

    def press(self, key: int | str) -> str | None:
        ch = key if isinstance(key, str) else chr(key & 0xFF)
        c, state = self.controls, self.controls.snapshot()
        if ch in "n]p[":
            name = c.step_style(1 if ch in "n]" else -1)
            return f"style: {name}" if name else "no other style to switch to"
        if ch == " ":
            c.update(passthrough=not state.passthrough)
            return f"passthrough {'off' if state.passthrough else 'on'}"
        if ch == "c":
            if state.pose_fraction > 0:
                self._pose_on = state.pose_fraction
                c.update(pose_fraction=0.0)
                return "pose correction off"
            c.update(pose_fraction=self._pose_on)
            return f"pose correction {self._pose_on:.2f}"
        if ch in "+=-_":
            step = STRENGTH_STEP if ch in "+=" else -STRENGTH_STEP
            value = round(min(1.0, max(0.0, state.strength + step)), 3)
            c.update(strength=value)
            return f"strength {value:.1f}"
        return None


class PreviewSink(Sink):
    """Shows frames in an OpenCV window with a stats overlay; ``q`` or Esc asks to stop.

    title: window title. overlay: draw the text set by ``set_overlay`` in the top-left corner.
    controls: the run's ``LiveControls`` (``streamfx camera`` sets it): the keys of
    ``KEY_HELP`` change style, passthrough, pose correction and strength; ``h`` toggles the
    help. Without controls only ``h`` and quitting work.
    """

    name = "preview"

    def __init__(self, title: str = "streamfx", overlay: bool = True) -> None:
        self.title = title
        self.overlay = overlay
        self.text: list[str] = []
        self.wants_stop = False
        self.controls: Any = None
        self.show_help = False
        self.message: str | None = None
        self._message_left = 0
        self._keys: KeyControls | None = None
        self._open = False
        self.frames = 0

    def on_key(self, key: int | str) -> None:
        """Act on one key press (see ``KEY_HELP``); a bad value never reaches the stream."""
        ch = key if isinstance(key, str) else chr(key & 0xFF)
        if ch in ("q", "\x1b"):
            self.wants_stop = True
            return
        if ch == "h":
            self.show_help = not self.show_help
            return
        if self.controls is None:
            return
        if self._keys is None or self._keys.controls is not self.controls:
            self._keys = KeyControls(self.controls)
        try:
            message = self._keys.press(ch)
        except (ValueError, KeyError) as exc:  # a control refused the value
            message = str(exc)
        if message:
            self.message, self._message_left = message, MESSAGE_FRAMES

    def lines(self) -> list[str]:
        """The text drawn over the next frame: stats, the last key's message, the help."""
        out = list(self.text) if self.overlay else []
        if self.message and self._message_left > 0:
            out.append(self.message)
        if self.show_help:
            out += ["keys:", *KEY_HELP]
        elif self.controls is not None and not out:
            out.append("h: keys")
        return out

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

    def _draw(self, image: np.ndarray, lines: list[str] | None = None) -> np.ndarray:
        import cv2

        out = image.copy()
        for i, line in enumerate(self.text if lines is None else lines):
            org = (8, 20 + 18 * i)
            cv2.putText(out, line, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(out, line, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        return out

    def write(self, frame: Frame) -> None:
        import cv2

        if not self._open:
            raise SinkError("preview sink is not open")
        lines = self.lines()
        image = self._draw(frame.result, lines) if lines else frame.result
        cv2.imshow(self.title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1)
        if key >= 0:
            self.on_key(key & 0xFF)
        self._message_left = max(0, self._message_left - 1)
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
