"""The virtual-camera sink through real pyvirtualcam, with backends registered by the test."""

from __future__ import annotations

import numpy as np
import pytest
import pyvirtualcam

from streamfx.errors import SinkError
from streamfx.outputs import AutoSink, NullSink, PreviewSink, VirtualCameraSink
from streamfx.outputs.vcam import probe_backends
from streamfx.record import Frame


class RecordingBackend:
    """A pyvirtualcam backend (its documented protocol) that keeps what it is sent."""

    instances: list[RecordingBackend] = []

    def __init__(self, *, width, height, fps, fourcc, device, **kw) -> None:
        self.args = {"width": width, "height": height, "fps": fps, "fourcc": fourcc}
        self.frames: list[np.ndarray] = []
        self.closed = False
        self._device = device or "recorder0"
        RecordingBackend.instances.append(self)

    def send(self, frame: np.ndarray) -> None:
        h, w = self.args["height"], self.args["width"]
        self.frames.append(frame.reshape(h, w, 3).copy())

    def close(self) -> None:
        self.closed = True

    def device(self) -> str:
        return self._device

    def native_fourcc(self):
        return None


class BrokenBackend:
    def __init__(self, **kw) -> None:
        raise RuntimeError("no such device (test)")


@pytest.fixture()
def backends(monkeypatch: pytest.MonkeyPatch):
    """Only the test's backends are registered (restored afterwards)."""
    table = dict(pyvirtualcam.camera.BACKENDS)
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {})
    RecordingBackend.instances.clear()
    yield pyvirtualcam.camera.BACKENDS
    pyvirtualcam.camera.BACKENDS.clear()
    pyvirtualcam.camera.BACKENDS.update(table)


def _frame(w: int, h: int, value: int) -> Frame:
    image = np.full((h, w, 3), value, np.uint8)
    image[:, :, 1] = np.arange(w, dtype=np.uint8)[None, :]
    return Frame(image=image, pts=0.0, t_capture=0.0)


def test_frames_reach_the_backend_with_even_size(backends) -> None:
    pyvirtualcam.register_backend("broken", BrokenBackend)
    pyvirtualcam.register_backend("recorder", RecordingBackend)
    sink = VirtualCameraSink()  # automatic: tries broken, then recorder
    sink.open(63, 47, 30.0)
    for v in (10, 20, 30):
        sink.write(_frame(63, 47, v))
    sink.close()
    (rec,) = RecordingBackend.instances
    assert rec.args["width"] == 64 and rec.args["height"] == 48 and rec.args["fps"] == 30.0
    assert rec.args["fourcc"] == pyvirtualcam.util.encode_fourcc("raw ")  # RGB
    assert [int(f[0, 0, 0]) for f in rec.frames] == [10, 20, 30]
    np.testing.assert_array_equal(rec.frames[0][:47, :63, 1], _frame(63, 47, 10).image[:, :, 1])
    np.testing.assert_array_equal(rec.frames[0][:, 63], rec.frames[0][:, 62])  # edge padding
    assert rec.closed and sink.name == "vcam:recorder"


def test_explicit_backend_and_device(backends) -> None:
    pyvirtualcam.register_backend("recorder", RecordingBackend)
    sink = VirtualCameraSink(backend="recorder", device="/dev/video42")
    sink.open(64, 48, 25.0)
    assert "/dev/video42" in sink.description
    sink.close()


def test_no_backend_works_one_error_with_each_reason_and_fix(backends) -> None:
    pyvirtualcam.register_backend("v4l2loopback", BrokenBackend)
    pyvirtualcam.register_backend("obs", BrokenBackend)
    with pytest.raises(SinkError) as info:
        VirtualCameraSink().open(64, 48, 30.0)
    text = str(info.value)
    assert "v4l2loopback: no such device (test)" in text
    assert "obs: no such device (test)" in text
    assert "modprobe v4l2loopback" in text and "exclusive_caps=1" in text
    assert "OBS" in text
    assert probe_backends() == {
        "v4l2loopback": "no such device (test)",
        "obs": "no such device (test)",
    }


def test_no_backend_registered_at_all(backends) -> None:
    with pytest.raises(SinkError, match="no backend for this operating system"):
        VirtualCameraSink().open(64, 48, 30.0)


def test_unknown_backend_name_lists_registered(backends) -> None:
    pyvirtualcam.register_backend("recorder", RecordingBackend)
    with pytest.raises(ValueError, match="registered: recorder"):
        VirtualCameraSink(backend="nope").open(64, 48, 30.0)


def test_auto_sink_reports_every_candidate(backends, monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SinkError) as info:
        AutoSink([VirtualCameraSink(), PreviewSink()]).open(64, 48, 30.0)
    assert "[vcam]" in str(info.value) and "[preview]" in str(info.value)
    auto = AutoSink([VirtualCameraSink(), NullSink()])
    auto.open(64, 48, 30.0)
    auto.write(_frame(64, 48, 1))
    assert auto.name == "auto->null" and auto.chosen.frames == 1
    assert auto.description == "null" and not auto.wants_stop
