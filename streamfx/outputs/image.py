"""The still-image sink: one edited frame written as an image file (PNG, JPEG, WebP, BMP,
TIFF; the suffix picks the format), atomically (a temporary file renamed into place)."""

from __future__ import annotations

from pathlib import Path

from streamfx.errors import ConfigError, SinkError
from streamfx.outputs.atomic import AtomicPath, check_target
from streamfx.outputs.base import Sink
from streamfx.record import Frame

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: encoder parameters per suffix (high quality, deterministic)
QUALITY = {".jpg": (1, 95), ".jpeg": (1, 95), ".webp": (64, 95)}  # cv2.IMWRITE_*_QUALITY


class ImageSink(Sink):
    """Writes the first frame it gets to ``path`` as an image (later frames are ignored).

    force / keep_partial / inputs: as for ``FileSink``.
    """

    name = "image"

    def __init__(
        self,
        path: str | Path,
        force: bool = True,
        keep_partial: bool = False,
        inputs: tuple[str, ...] = (),
    ) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in IMAGE_SUFFIXES:
            raise ConfigError(
                f"cannot write an image to {self.path}: expected one of {', '.join(IMAGE_SUFFIXES)}"
            )
        self.force, self.keep_partial, self.inputs = force, keep_partial, tuple(inputs)
        self._atomic: AtomicPath | None = None
        self._image = None
        self.frames = 0
        self.kept: Path | None = None
        self.audio_streams = 0
        self.dropped_streams: list[str] = []

    @property
    def description(self) -> str:
        return f"image {self.path}"

    def check(self, width: int, height: int, fps: float) -> None:
        """Refuse an input or an existing file (without ``force``) before any work."""
        check_target(self.path, list(self.inputs), self.force, kind="image")

    def open(self, width: int, height: int, fps: float) -> None:
        self.check(width, height, fps)
        self._atomic = AtomicPath(self.path, force=self.force, keep_partial=self.keep_partial)
        self._image = None
        self.frames = 0

    def write(self, frame: Frame) -> None:
        if self._atomic is None:
            raise SinkError(f"image sink {self.path} is not open")
        if self._image is None:
            self._image = frame.result
        self.frames += 1

    def close(self) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic = self._atomic, None
        if self._image is None:
            return
        import cv2

        suffix = self.path.suffix.lower()
        params = list(QUALITY.get(suffix, ()))
        ok, data = cv2.imencode(suffix, self._image[:, :, ::-1], params)
        if not ok:
            raise SinkError(f"cannot encode the image for {self.path}")
        try:
            data.tofile(str(atomic.temp))
            atomic.commit()
        except OSError as exc:
            atomic.discard()
            raise SinkError(f"writing {self.path} failed: {exc}") from None

    def abandon(self) -> None:
        self._atomic = None  # nothing was written to disk yet
