"""The sink interface: where composited frames go."""

from __future__ import annotations

from abc import ABC, abstractmethod

from streamfx.record import Frame


class Sink(ABC):
    """A frame sink. ``open(width, height, fps)`` before the first ``write``; ``close`` flushes.

    Optional capabilities have defaults here, so runners never probe for them: ``set_overlay``
    (a window draws the status text; others ignore it), ``wants_stop`` (a window closed by the
    user asks the run to end) and ``description`` (what the sink is, for the summary).
    """

    name: str = "sink"
    wants_stop: bool = False
    """True once the sink asks the run to end (e.g. its window was closed)."""

    @property
    def description(self) -> str:
        """One line saying where the frames went (e.g. the file and its codec)."""
        return self.name

    def set_overlay(self, text: str) -> None:
        """Show a status text on the output when the sink can (default: ignored)."""

    @abstractmethod
    def open(self, width: int, height: int, fps: float) -> None:
        """Prepare to receive frames of this size at this nominal rate."""

    @abstractmethod
    def write(self, frame: Frame) -> None:
        """Consume one frame (``frame.result`` is the image to show)."""

    def close(self) -> None:
        """Flush and release. Safe to call twice."""

    def abandon(self) -> None:
        """Close after an unfinished run (interrupted, failed): a file sink leaves nothing
        under its final name. Default: ``close()``."""
        self.close()

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
