"""The sink interface: where composited frames go."""

from __future__ import annotations

from abc import ABC, abstractmethod

from streamfx.record import Frame


class Sink(ABC):
    """A frame sink. ``open(width, height, fps)`` before the first ``write``; ``close`` flushes."""

    name: str = "sink"

    @abstractmethod
    def open(self, width: int, height: int, fps: float) -> None:
        """Prepare to receive frames of this size at this nominal rate."""

    @abstractmethod
    def write(self, frame: Frame) -> None:
        """Consume one frame (``frame.result`` is the image to show)."""

    def close(self) -> None:
        """Flush and release. Safe to call twice."""

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
