"""Synthetic media written with PyAV: a moving test pattern with an optional sine tone.

Used by tests and benchmarks to get real encoded files (any size, rate, codec, with audio)
without shipping media. Frame ``i`` carries ``i % 64`` in binary as six black/white 8x8 blocks
along the top edge (``pattern_index`` reads it back, even after several lossy codings).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 6


def pattern(i: int, width: int, height: int) -> np.ndarray:
    """uint8 [height,width,3] RGB: a gradient that moves with ``i``, plus ``i % 64`` in binary
    as 8x8 blocks at the top edge (needs width >= 48, height >= 8)."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.empty((height, width, 3), np.uint8)
    image[..., 0] = (x * 255 // max(width - 1, 1) + 4 * i) % 256
    image[..., 1] = (y * 255 // max(height - 1, 1)) % 256
    image[..., 2] = 128
    for bit in range(BITS):
        image[:8, 8 * bit : 8 * bit + 8] = 255 if (i >> bit) & 1 else 0
    return image


def pattern_index(image: np.ndarray) -> int:
    """The frame index (mod 64) that ``pattern`` wrote into ``image``; -1 if it is too small."""
    if image.shape[0] < 8 or image.shape[1] < 8 * BITS:
        return -1
    return sum(1 << b for b in range(BITS) if image[2:6, 8 * b + 2 : 8 * b + 6].mean() > 127)


def write_clip(
    path: str | Path,
    *,
    width: int = 96,
    height: int = 64,
    fps: int = 25,
    frames: int = 25,
    codec: str = "libx264",
    pix_fmt: str | None = None,
    audio: str | None = "aac",
    sample_rate: int = 16000,
    tone_hz: float = 440.0,
    audio_start: float = 0.0,
) -> Path:
    """Write a clip of ``frames`` pattern frames (pts = i/fps) and, when ``audio`` names an
    encoder, a mono sine tone from ``audio_start`` seconds to the end. Returns the path."""
    import av

    path = Path(path)
    out = av.open(str(path), mode="w")
    vs = out.add_stream(codec, rate=fps)
    vs.width, vs.height = width, height
    vs.pix_fmt = pix_fmt or ("yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p")
    if codec == "libx264":
        vs.options = {"preset": "ultrafast", "crf": "10"}
    astream = _tone_stream(out, audio, sample_rate) if audio else None
    for i in range(frames):
        vf = av.VideoFrame.from_ndarray(pattern(i, width, height), format="rgb24")
        vf.pts = i
        vf.time_base = Fraction(1, fps)
        out.mux(vs.encode(vf))
    out.mux(vs.encode(None))
    if astream is not None:
        _write_tone(out, astream, sample_rate, audio_start, frames / fps, tone_hz)
    out.close()
    return path


def _tone_stream(out, codec: str, rate: int):
    stream = out.add_stream(codec, rate=rate)
    stream.layout = "mono"
    return stream


def _write_tone(out, stream, rate: int, start_s: float, end_s: float, hz: float) -> None:
    import av

    fmt = stream.codec_context.format.name
    first = int(round(start_s * rate))
    total = int(round((end_s - start_s) * rate))
    t = np.arange(total) / rate
    signal = 0.3 * np.sin(2 * np.pi * hz * t)
    step = stream.codec_context.frame_size or 1024
    for start in range(0, total, step):
        chunk = signal[start : start + step]
        if fmt.startswith("s16"):
            data = (chunk * 32767).astype(np.int16)[None]
        else:
            data = chunk.astype(np.float32)[None]
        af = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
        af.sample_rate = rate
        af.pts = first + start
        af.time_base = Fraction(1, rate)
        out.mux(stream.encode(af))
    out.mux(stream.encode(None))
