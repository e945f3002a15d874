"""Reading the two clips of an evaluation in lockstep, and writing frames to a folder.

Both sides are opened through ``streamfx.capture.open_source`` (videos, images, folders of
images, ``demo``), so every format the editor reads can be evaluated. The pair must agree in
frame count and size; the only tolerance is the one-pixel padding an H.264 / 4:2:0 file sink
adds to odd frame sizes, which is cropped away.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from streamfx.errors import InputError, SinkError


@dataclass
class FramePair:
    """One aligned pair: ``index``, time ``t_ms`` (from the original), uint8 RGB images."""

    index: int
    t_ms: float
    original: np.ndarray
    edited: np.ndarray


def _open(spec: str, fps: float, role: str):
    from streamfx.capture import open_source
    from streamfx.errors import StreamfxError

    try:
        return open_source(str(spec), fps=fps)
    except StreamfxError as exc:
        raise InputError(f"cannot open {role} {spec!r}: {exc}") from None


def _fit(original: np.ndarray, edited: np.ndarray, index: int) -> np.ndarray:
    oh, ow = original.shape[:2]
    eh, ew = edited.shape[:2]
    if (eh, ew) == (oh, ow):
        return edited
    if eh - oh in (0, 1) and ew - ow in (0, 1):  # even padding of a 4:2:0 encoder
        return np.ascontiguousarray(edited[:oh, :ow])
    raise InputError(
        f"ORIGINAL and EDITED differ in frame size at frame {index}: expected the edited "
        f"frames to be {ow}x{oh} like the original, got {ew}x{eh}"
    )


def read_pairs(
    original: str, edited: str, max_frames: int | None = None, fps: float = 25.0
) -> Iterator[FramePair]:
    """Aligned frame pairs of ``original`` and ``edited`` (source specs), at most
    ``max_frames``; InputError when the counts or sizes differ. ``fps`` times image folders."""
    o_src = _open(original, fps, "ORIGINAL")
    try:
        e_src = _open(edited, fps, "EDITED")
    except BaseException:
        o_src.close()
        raise
    try:
        no, ne = o_src.info.frame_count, e_src.info.frame_count
        limit = max_frames if max_frames is not None else float("inf")
        if no is not None and ne is not None and no != ne and min(no, ne) < limit:
            raise InputError(
                f"ORIGINAL and EDITED must have the same number of frames: ORIGINAL "
                f"{original!r} has {no}, EDITED {edited!r} has {ne}"
            )
        index = 0
        while max_frames is None or index < max_frames:
            fo, fe = o_src.read(), e_src.read()
            if fo is None and fe is None:
                break
            if fo is None or fe is None:
                short, long_ = ("ORIGINAL", "EDITED") if fo is None else ("EDITED", "ORIGINAL")
                raise InputError(
                    f"ORIGINAL and EDITED must have the same number of frames: {short} ended "
                    f"after {index} frames while {long_} has more"
                )
            t = fo.pts if fo.pts is not None else index / fps
            img_o = np.asarray(fo.image)
            yield FramePair(index, 1000.0 * t, img_o, _fit(img_o, np.asarray(fe.image), index))
            index += 1
        if index == 0:
            raise InputError(f"ORIGINAL {original!r} has no frames; expected at least one")
    finally:
        o_src.close()
        e_src.close()


def write_frames(frames: Iterator[np.ndarray], folder: str | Path) -> int:
    """Write uint8 RGB frames as ``frame_000000.png``... into ``folder`` (created); returns the
    count. A lossless copy an edit and an evaluation can both read."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for img in frames:
        path = out / f"frame_{n:06d}.png"
        if not cv2.imwrite(str(path), cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)):
            raise SinkError(f"cannot write frame {path}")
        n += 1
    return n


def source_frames(spec: str, max_frames: int | None, fps: float = 25.0) -> Iterator[np.ndarray]:
    """The frames of one source spec (uint8 RGB), at most ``max_frames``."""
    src = _open(spec, fps, "INPUT")
    try:
        n = 0
        while max_frames is None or n < max_frames:
            frame = src.read()
            if frame is None:
                break
            yield np.asarray(frame.image)
            n += 1
    finally:
        src.close()
