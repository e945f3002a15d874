"""Small demo-face videos with an AAC tone, for the tests that edit real files (batch runs,
interrupted edits)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_face_clip(path: Path, frames: int, start: float = 0.0) -> Path:
    """``frames`` frames of the demo face at 320x240 (from ``start`` s) with an AAC tone."""
    from streamfx.demo.clip import DemoSource

    src = DemoSource(seconds=start + frames / 25, fps=25, width=320, height=240)
    src.start()
    images = [f.image for f in iter(src.read, None)][-frames:]
    src.close()
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
        aus = out.add_stream("aac", rate=16000)
        aus.layout = "mono"
        for i, image in enumerate(images):
            vf = av.VideoFrame.from_ndarray(image, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 25)
            out.mux(vs.encode(vf))
        out.mux(vs.encode(None))
        n = frames * 640
        tone = (0.3 * np.sin(np.arange(n) / 16000 * 2 * np.pi * 440)).astype(np.float32)
        for i in range(0, n, 1024):
            af = av.AudioFrame.from_ndarray(tone[None, i : i + 1024], format="fltp", layout="mono")
            af.sample_rate, af.pts, af.time_base = 16000, i, Fraction(1, 16000)
            out.mux(aus.encode(af))
        out.mux(aus.encode(None))
    return path
