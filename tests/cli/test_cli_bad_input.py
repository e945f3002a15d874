"""Bad input and bad output paths end with one clear message and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from streamfx.cli.main import main


def _clip(path: Path, codec: str = "mpeg4", frames: int = 5) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


def _one_error(capsys, needle: str) -> None:
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err


def test_unsupported_codec(tmp_path: Path, capsys) -> None:
    good = _clip(tmp_path / "good.avi")
    raw = good.read_bytes()
    assert raw.count(b"FMP4") >= 1
    bad = tmp_path / "bad.avi"
    bad.write_bytes(raw.replace(b"FMP4", b"QQQQ"))  # a fourcc no decoder knows
    assert main(["edit", str(bad), "-o", str(tmp_path / "o.mp4"), "--editor", "none"]) == 2
    _one_error(capsys, "codec is not supported")


@pytest.mark.parametrize(
    "out, needle",
    [("/proc/streamfx-test/y.mp4", "cannot write video file"), ("y.nosuchext", "suffix")],
)
def test_unwritable_or_unknown_output(tmp_path: Path, capsys, out: str, needle: str) -> None:
    src = _clip(tmp_path / "in.avi")
    target = out if out.startswith("/") else str(tmp_path / out)
    assert main(["edit", str(src), "-o", target, "--editor", "none", "--no-progress"]) == 2
    _one_error(capsys, needle)
    assert not Path(target).exists()
