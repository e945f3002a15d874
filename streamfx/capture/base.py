"""The frame-source interface. Sources are the only place that opens cameras or decodes files."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from streamfx.record import Frame


@dataclass
class SourceInfo:
    """What a source really delivers (after negotiation with the device or container).

    width, height: frame size in pixels. fps: nominal frame rate (None when unknown / variable).
    live: True for cameras and network streams (frames may be dropped), False for files.
    frame_count: number of frames when known (files), else None.
    has_audio: the source carries an audio stream a file sink can copy.
    description: human-readable, e.g. "/dev/video0 640x480@30 MJPG".
    """

    width: int
    height: int
    fps: float | None
    live: bool
    frame_count: int | None = None
    has_audio: bool = False
    description: str = ""


class Source(ABC):
    """A frame source. Use as a context manager or call open()/close().

    ``read()`` returns the next Frame (with ``pts`` and ``t_capture`` set) or None at end of
    stream; it raises ``SourceError`` when the source fails (e.g. a camera is unplugged).
    """

    name: str = "source"
    #: what the last ``start()`` reported; None until then
    info: SourceInfo | None = None
    #: corrupt packets skipped so far (sources that decode compressed streams count them)
    skipped_packets: int = 0

    @abstractmethod
    def open(self) -> SourceInfo:
        """Open the source and report what it delivers."""

    @abstractmethod
    def read(self) -> Frame | None:
        """Return the next frame, or None at end of stream."""

    def close(self) -> None:
        """Release the device or file. Safe to call twice."""

    def start(self) -> SourceInfo:
        """``open()`` and remember what it reported in ``self.info``."""
        self.info = self.open()
        return self.info

    @property
    def path(self) -> str | None:
        """Path or URL of a file-backed source (lets a file sink copy its audio), else None."""
        return None

    def __enter__(self) -> Source:
        if self.info is None:  # not started yet (``open_source`` returns a started source)
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.info = None

    @staticmethod
    def now() -> float:
        """The capture clock (time.monotonic)."""
        return time.monotonic()
