"""Input fidelity of ``streamfx edit``: a rotated phone clip comes out upright and edited, a
still image gives an edited still image, frame 0 is fully edited (no fade-in offline), every
audio stream is kept, corrupt packets are skipped and counted (--strict: fatal), a video too
small for a face says so, and --report writes the per-file summary."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from streamfx.capture.synthetic import write_clip
from streamfx.cli.main import main

SKETCH = ["--style", "sketch", "--no-progress"]


def _write(path: Path, frames: list[np.ndarray], rotate: int = 0, langs=()) -> Path:
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25, options={"preset": "ultrafast", "crf": "12"})
        vs.width, vs.height, vs.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        if rotate:
            vs.set_display_rotation(rotate)
        audio = []
        for lang in langs:
            a = out.add_stream("aac", rate=16000)
            a.layout, a.metadata["language"] = "mono", lang
            audio.append(a)
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 25)
            out.mux(vs.encode(vf))
        out.mux(vs.encode(None))
        n = len(frames) * 640
        for k, a in enumerate(audio):
            tone = (0.3 * np.sin(np.arange(n) / 16000 * 2 * np.pi * (300 + 200 * k))).astype("f4")
            for i in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(tone[None, i : i + 1024], "fltp", "mono")
                af.sample_rate, af.pts, af.time_base = 16000, i, Fraction(1, 16000)
                out.mux(a.encode(af))
            out.mux(a.encode(None))
    return path


@pytest.fixture(scope="module")
def faces() -> list[np.ndarray]:
    from streamfx.demo.clip import DemoSource

    src = DemoSource(seconds=6 / 25, fps=25, width=320, height=240)
    src.start()
    frames = [f.image for f in iter(src.read, None)]
    src.close()
    return frames


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _face_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference in the middle of the frame (where the demo face is)."""
    h, w = a.shape[:2]
    box = (slice(h // 4, 3 * h // 4), slice(w // 3, 2 * w // 3))
    return float(np.abs(a[box].astype(np.float32) - b[box].astype(np.float32)).mean())


def test_rotated_phone_clip_comes_out_upright_and_edited(face_model, faces, tmp_path) -> None:
    sideways = [np.ascontiguousarray(np.rot90(f, -1)) for f in faces]  # stored as a phone does
    src = _write(tmp_path / "phone.mp4", sideways, rotate=90)
    with av.open(str(src)) as c:
        assert next(c.decode(video=0)).rotation == 90
    out = tmp_path / "upright.mp4"
    assert main(["edit", str(src), "-o", str(out), *SKETCH]) == 0
    got = _frames(out)
    assert got[0].shape == faces[0].shape  # 240 x 320: upright
    with av.open(str(out)) as c:
        assert not next(c.decode(video=0)).rotation  # no rotation left to apply
    for g, f in zip(got, faces, strict=True):
        plain = np.abs(g.astype(np.float32) - f).mean()
        assert plain < 25  # the same picture, the right way up ...
        assert _face_change(g, f) > 3.0  # ... with its face edited


def test_still_image_in_edited_image_out(face_model, faces, tmp_path, capsys) -> None:
    src = tmp_path / "face.png"
    cv2.imwrite(str(src), faces[0][:, :, ::-1])
    out = tmp_path / "edited.png"
    assert main(["edit", str(src), "-o", str(out), *SKETCH]) == 0
    edited = cv2.imread(str(out))[:, :, ::-1]
    assert edited.shape == faces[0].shape
    assert _face_change(edited, faces[0]) > 3.0
    assert "1 edited" in capsys.readouterr().out
    assert main(["edit", str(src), "-o", str(tmp_path / "v.mp4"), *SKETCH]) == 2
    assert "--duration" in capsys.readouterr().err
    video = tmp_path / "v.mp4"
    assert main(["edit", str(src), "-o", str(video), *SKETCH, "--duration", "0.2"]) == 0
    frames = _frames(video)
    assert len(frames) == 6 and _face_change(frames[0], faces[0]) > 3.0  # 0.2 s at 30 fps


def test_frame_zero_is_fully_edited(face_model, faces, tmp_path) -> None:
    src = _write(tmp_path / "f.mp4", faces)
    out = tmp_path / "o.mp4"
    assert main(["edit", str(src), "-o", str(out), *SKETCH]) == 0
    got = _frames(out)
    change = [_face_change(g, f) for g, f in zip(got, faces, strict=True)]
    assert change[0] > 0.8 * max(change[3:]), change  # no fade-in over the first frames


def test_every_audio_stream_is_kept(tmp_path: Path, faces, capsys) -> None:
    src = _write(tmp_path / "two.mp4", faces, langs=("eng", "fra"))
    for name, codec in (("o.mp4", "aac"), ("o.mkv", "aac"), ("o.webm", "opus")):
        out = tmp_path / name
        assert main(["edit", str(src), "-o", str(out), "--editor", "none", "--no-progress"]) == 0
        with av.open(str(out)) as c:
            audio = [(s.codec_context.name, s.metadata.get("language")) for s in c.streams.audio]
        assert audio == [(codec, "eng"), (codec, "fra")], name
        assert "audio streams kept 2" in capsys.readouterr().out


@pytest.fixture(scope="module")
def garbled(tmp_path_factory) -> Path:
    """A clip with garbage written over two places in the middle of its video data."""
    folder = tmp_path_factory.mktemp("bad")
    raw = bytearray(write_clip(folder / "ok.mp4", frames=200, audio="aac").read_bytes())
    for at in (len(raw) // 3, len(raw) // 2):
        raw[at : at + 3000] = bytes([0xFF]) * 1000 + bytes(range(256)) * 7 + bytes(208)
    (folder / "garbled.mp4").write_bytes(raw)
    return folder / "garbled.mp4"


def test_corrupt_packets_are_skipped_and_counted(garbled: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o.mp4"
    report = tmp_path / "r.json"
    argv = ["edit", str(garbled), "-o", str(out), "--editor", "none", "--no-progress"]
    assert main([*argv, "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    (entry,) = data["files"]
    assert entry["skipped_packets"] > 0 and entry["frames"] == len(_frames(out)) > 150
    assert entry["state"] == "done" and data["exit_code"] == 0
    assert f"skipped packets {entry['skipped_packets']}" in capsys.readouterr().out
    strict = tmp_path / "s.mp4"
    argv = ["edit", str(garbled), "-o", str(strict), "--editor", "none", "--no-progress"]
    assert main([*argv, "--strict"]) == 2
    assert "decoding failed" in capsys.readouterr().err
    assert not strict.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["o.mp4", "r.json"]


def test_a_video_too_small_for_a_face_says_so(face_model, faces, tmp_path, capsys) -> None:
    tiny = _write(tmp_path / "tiny.mp4", [cv2.resize(f, (64, 48)) for f in faces])
    report = tmp_path / "r.json"
    argv = ["edit", str(tiny), "-o", str(tmp_path / "o.mp4"), *SKETCH, "--report", str(report)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "0 edited" in text and ("no face large enough" in text or "no face edited" in text)
    (entry,) = json.loads(report.read_text())["files"]
    assert entry["edited"] == 0 and entry["frames"] == 6


def test_faces_under_the_minimum_size_are_reported_with_their_size(
    face_model, tmp_path, capsys
) -> None:
    out = tmp_path / "o.mp4"
    argv = ["edit", "demo", "-o", str(out), "--max-frames", "4", "--face.min-face-px", "2000"]
    assert main([*argv, "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "no face large enough in 4 frames; largest found" in text
    found = int(text.split("largest found ")[1].split(" px")[0])
    assert 100 < found < 2000  # the demo face is a few hundred pixels
