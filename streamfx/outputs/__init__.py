"""Sinks: virtual camera (pyvirtualcam), video file (PyAV, audio carried), preview window, null.

from streamfx.outputs import open_sink
sink = open_sink("out.mp4", audio_from="in.mp4")   # or "vcam", "preview", "null", "auto"
sink.open(width, height, fps); sink.write(frame); sink.close()
"""

from __future__ import annotations

from streamfx.outputs.base import Sink
from streamfx.outputs.file import FileSink
from streamfx.outputs.preview import NullSink, PreviewSink
from streamfx.outputs.registry import SINKS, AutoSink, open_sink, register_sink
from streamfx.outputs.vcam import VirtualCameraSink

__all__ = [
    "SINKS",
    "AutoSink",
    "FileSink",
    "NullSink",
    "PreviewSink",
    "Sink",
    "VirtualCameraSink",
    "open_sink",
    "register_sink",
]
