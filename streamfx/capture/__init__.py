"""Frame sources: webcams (OpenCV), files and streams (PyAV), images, the demo clip.

from streamfx.capture import open_source
with open_source("0", width=1280, height=720, fps=30) as src:
    print(src.info.description)
    frame = src.read()
"""

from __future__ import annotations

from streamfx.capture.base import Source, SourceInfo
from streamfx.capture.registry import (
    SOURCES,
    make_source,
    open_source,
    register_source,
    source_kind,
)

__all__ = [
    "SOURCES",
    "Source",
    "SourceInfo",
    "make_source",
    "open_source",
    "register_source",
    "source_kind",
]
