"""A still image or a folder of images as a frame source.

Images are read with OpenCV (PNG, JPEG, BMP, TIFF, WebP) and converted to RGB. Every image of a
folder is resized to the size of the first one so sinks see one frame size. ``pts`` is
``index / fps``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import InputError
from streamfx.record import Frame

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def is_image(path: Path) -> bool:
    """True when the path has an image suffix."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_image(path: Path) -> np.ndarray:
    """uint8 [H,W,3] RGB from an image file; ``InputError`` when unreadable."""
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8) if path.is_file() else None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if bgr is None:
        raise InputError(f"cannot read {path} as an image (expected {', '.join(IMAGE_SUFFIXES)})")
    return np.ascontiguousarray(bgr[:, :, ::-1])


class ImageSource(Source):
    """One image file or a folder of images (sorted by name), played at ``fps``.

    loop: start again after the last image (a still image then plays forever, e.g. as a
        camera stand-in); False ends the stream after the last image.
    """

    name = "images"

    def __init__(self, target: str | Path, fps: float = 25.0, loop: bool = False) -> None:
        self.target = Path(target)
        self.fps = float(fps)
        self.loop = loop
        self._files: list[Path] = []
        self._size: tuple[int, int] = (0, 0)
        self._index = 0
        self._cached: tuple[int, np.ndarray] | None = None

    def open(self) -> SourceInfo:
        if self.target.is_dir():
            files = sorted(p for p in self.target.iterdir() if p.is_file() and is_image(p))
            if not files:
                raise InputError(f"folder {self.target} holds no images ({IMAGE_SUFFIXES})")
        elif self.target.is_file():
            files = [self.target]
        else:
            raise InputError(f"image or folder not found: {self.target}")
        first = read_image(files[0])
        self._files = files
        self._size = (first.shape[1], first.shape[0])
        self._cached = (0, first)
        self._index = 0
        w, h = self._size
        what = f"{len(files)} images in {self.target}" if len(files) > 1 else str(self.target)
        return SourceInfo(
            width=w,
            height=h,
            fps=self.fps,
            live=False,
            frame_count=None if self.loop else len(files),
            description=f"{what} {w}x{h}@{self.fps:g}" + (" (looped)" if self.loop else ""),
        )

    def _image(self, i: int) -> np.ndarray:
        if self._cached is not None and self._cached[0] == i:
            return self._cached[1]
        import cv2

        image = read_image(self._files[i])
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        self._cached = (i, image)
        return image

    def read(self) -> Frame | None:
        n = len(self._files)
        if not n:
            raise InputError(f"image source {self.target} is not open")
        if self._index >= n and not self.loop:
            return None
        image = self._image(self._index % n)
        frame = Frame(
            image=image, pts=self._index / self.fps, t_capture=self.now(), index=self._index
        )
        self._index += 1
        return frame

    def close(self) -> None:
        self._files = []
        self._cached = None
