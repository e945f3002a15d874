"""Webcams through OpenCV: by index (``0``) or device path (``/dev/video2``).

The size, frame rate and pixel format asked for are negotiated with the device, and
``SourceInfo.description`` reports what it really gave. A camera that stops delivering raises
``SourceError`` from ``read`` so the live runner can reopen it.
"""

from __future__ import annotations

import contextlib
import platform
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import SourceError
from streamfx.record import Frame


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings (e.g. while probing camera indices)."""
    import cv2

    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:  # pragma: no cover - very old OpenCV
        yield
        return
    old = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(old)


def _api_preference() -> int:
    import cv2

    system = platform.system()
    if system == "Linux":
        return cv2.CAP_V4L2
    if system == "Windows":
        return cv2.CAP_DSHOW
    if system == "Darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_ANY


def _fourcc_text(value: float) -> str:
    code = int(value)
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else "?"


def probe_cameras(max_index: int = 6) -> list[str]:
    """Camera indices/paths that open and deliver a frame, tried quietly (no exceptions).

    On Linux only existing ``/dev/video*`` nodes are tried, which is fast and never hangs.
    """
    import cv2

    if sys.platform.startswith("linux"):
        candidates: list[int | str] = sorted(str(p) for p in Path("/dev").glob("video*"))
    else:
        candidates = list(range(max_index))
    found = []
    with quiet_opencv():
        for cand in candidates:
            cap = cv2.VideoCapture(cand, _api_preference())
            try:
                if cap.isOpened() and cap.read()[0]:
                    w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
                    h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
                    found.append(f"{cand} ({w}x{h})")
            finally:
                cap.release()
    return found


class CameraSource(Source):
    """A webcam through OpenCV.

    device: index (``0``) or device path (``/dev/video2``).
    width, height, fps: what to ask the device for (None: its default); the device may give
        something else, which ``open`` reports.
    fourcc: pixel format to ask for, e.g. ``"MJPG"`` (usually needed for 1080p30 on USB).
    """

    name = "camera"

    def __init__(
        self,
        device: int | str = 0,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        fourcc: str | None = None,
    ) -> None:
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.want = (width, height, fps, fourcc)
        self._cap = None
        self._pending: np.ndarray | None = None
        self._t0 = 0.0
        self._index = 0

    def open(self) -> SourceInfo:
        import cv2

        with quiet_opencv():
            cap = cv2.VideoCapture(self.device, _api_preference())
            if not cap.isOpened():
                cap.release()
                raise SourceError(self._not_found())
            self._negotiate(cap)
            ok, bgr = cap.read()
        if not ok or bgr is None:
            cap.release()
            raise SourceError(f"camera {self.device} opened but delivered no frame")
        self._cap = cap
        self._pending = bgr
        self._t0 = self.now()
        self._index = 0
        return self._info(cap, bgr)

    def _not_found(self) -> str:
        found = probe_cameras()
        listing = ", ".join(found) if found else "none"
        return (
            f"camera {self.device!r} does not exist or cannot be opened; cameras found: {listing}"
        )

    def _negotiate(self, cap: object) -> None:
        import cv2

        width, height, fps, fourcc = self.want
        if fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*fourcc[:4].ljust(4)))
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, float(width))
        if height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, float(height))
        if fps:
            cap.set(cv2.CAP_PROP_FPS, float(fps))
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1.0)  # latest frame, not a backlog

    def _info(self, cap: object, bgr: np.ndarray) -> SourceInfo:
        import cv2

        h, w = bgr.shape[:2]
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or None
        fmt = _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
        want_w, want_h, want_fps, _ = self.want
        desc = f"camera {self.device} {w}x{h}@{fps or 0:g} {fmt} ({cap.getBackendName()})"
        if (want_w and want_w != w) or (want_h and want_h != h) or (want_fps and want_fps != fps):
            desc += f"; asked for {want_w or w}x{want_h or h}@{want_fps or fps or 0:g}"
        return SourceInfo(width=w, height=h, fps=fps, live=True, description=desc)

    def read(self) -> Frame | None:
        import cv2

        if self._cap is None:
            raise SourceError(f"camera {self.device} is not open")
        if self._pending is not None:
            bgr, self._pending = self._pending, None
        else:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                raise SourceError(f"camera {self.device} stopped delivering frames")
        t = self.now()
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        frame = Frame(image=rgb, pts=t - self._t0, t_capture=t, index=self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
