"""The virtual-camera sink through pyvirtualcam.

``backend=None`` tries every pyvirtualcam backend in turn; when none works the ``SinkError``
lists each backend with its reason and how to fix it. Frame sizes are made even (browsers and
v4l2loopback want even widths).
"""

from __future__ import annotations

from streamfx.errors import ConfigError, SinkError, require
from streamfx.outputs.base import Sink
from streamfx.outputs.frames import even_size, fit
from streamfx.record import Frame

FIX_HINTS: dict[str, str] = {
    "v4l2loopback": (
        "load the kernel module: sudo modprobe v4l2loopback devices=1 exclusive_caps=1 "
        'card_label="streamfx" (package v4l2loopback-dkms; exclusive_caps=1 for Chrome)'
    ),
    "obs": "install OBS Studio (>= 26; 30+ on macOS 13+) and start its Virtual Camera once",
    "unitycapture": "install Unity Capture (github.com/schellingb/UnityCapture) and register it",
}


def _pyvirtualcam():
    return require("pyvirtualcam", pip_name="pyvirtualcam")


def backend_names() -> list[str]:
    """The pyvirtualcam backends registered on this machine, in trial order."""
    return list(_pyvirtualcam().camera.BACKENDS)


def no_backend_message(reasons: dict[str, str]) -> str:
    """One message naming each backend, why it failed and how to fix it."""
    if not reasons:
        return "no virtual camera: pyvirtualcam has no backend for this operating system"
    lines = ["no virtual camera backend works:"]
    for name, reason in reasons.items():
        hint = FIX_HINTS.get(name, "see the pyvirtualcam documentation")
        lines.append(f"  - {name}: {reason}\n      fix: {hint}")
    lines.append("  (or use --sink preview to see the output in a window)")
    return "\n".join(lines)


def _try_backends(
    width: int, height: int, fps: float, names: list[str], device: str | None
) -> tuple[object | None, dict[str, str]]:
    """(camera from the first backend that works or None, backend -> reason it failed)."""
    pvc = _pyvirtualcam()
    reasons: dict[str, str] = {}
    for name in names:
        try:
            cam = pvc.Camera(
                width, height, fps, fmt=pvc.PixelFormat.RGB, device=device, backend=name
            )
            return cam, reasons
        except Exception as exc:  # each backend reports its own failure type
            text = str(exc).strip()
            prefix = f"'{name}' backend: "
            reasons[name] = (text[len(prefix) :] if text.startswith(prefix) else text) or repr(exc)
    return None, reasons


def open_camera(width: int, height: int, fps: float, backend: str | None, device: str | None):
    """A ``pyvirtualcam.Camera`` (RGB input) from the first backend that works, or SinkError."""
    known = backend_names()
    if backend and backend not in known:
        raise ConfigError(
            f"unknown virtual camera backend {backend!r}; registered: {', '.join(known) or 'none'}"
        )
    cam, reasons = _try_backends(width, height, fps, [backend] if backend else known, device)
    if cam is None:
        raise SinkError(no_backend_message(reasons))
    return cam


def probe_backends() -> dict[str, str]:
    """backend name -> "ok (device)" or the reason it is unusable (opens a 320x240 camera)."""
    report: dict[str, str] = {}
    for name in backend_names():
        cam, reasons = _try_backends(320, 240, 30.0, [name], None)
        if cam is None:
            report[name] = reasons.get(name, "failed")
        else:
            report[name] = f"ok ({cam.device})"
            cam.close()
    return report


class VirtualCameraSink(Sink):
    """Publishes frames as a virtual webcam.

    backend: a pyvirtualcam backend name, or None / "auto" to try each.
    device: the device to use (e.g. "/dev/video10"), or None for the first free one.
    """

    name = "vcam"

    def __init__(self, backend: str | None = None, device: str | None = None) -> None:
        self.backend = None if backend in (None, "", "auto") else backend
        self.device = device
        self._cam = None
        self.size = (0, 0)
        self.frames = 0

    def open(self, width: int, height: int, fps: float) -> None:
        self.size = even_size(width, height)
        self._cam = open_camera(*self.size, fps, self.backend, self.device)
        self.name = f"vcam:{self._cam.backend}"

    @property
    def description(self) -> str:
        """e.g. "virtual camera /dev/video10 (v4l2loopback) 640x480"."""
        if self._cam is None:
            return "virtual camera (closed)"
        w, h = self.size
        return f"virtual camera {self._cam.device} ({self._cam.backend}) {w}x{h}"

    def write(self, frame: Frame) -> None:
        if self._cam is None:
            raise SinkError("virtual camera sink is not open")
        self._cam.send(fit(frame.result, *self.size))
        self.frames += 1

    def close(self) -> None:
        if self._cam is not None:
            self._cam.close()
            self._cam = None
