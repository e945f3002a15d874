"""The file sink: PyAV encode -> decode round trips, audio carried in sync, odd sizes."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from streamfx.capture import open_source
from streamfx.capture.synthetic import pattern, pattern_index, write_clip
from streamfx.errors import ConfigError
from streamfx.outputs import FileSink, open_sink
from streamfx.record import Frame


def _copy(src_path: Path, dst: Path, **sink_opts) -> int:
    with open_source(str(src_path)) as src:
        sink = FileSink(dst, audio_from=src.path if src.info.has_audio else None, **sink_opts)
        sink.open(src.info.width, src.info.height, src.info.fps)
        n = 0
        while (frame := src.read()) is not None:
            sink.write(frame)
            n += 1
        sink.close()
    return n


def _probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        video = [
            (float(f.time), pattern_index(f.to_ndarray(format="rgb24")), f.width, f.height)
            for f in c.decode(video=0)
        ]
    with av.open(str(path)) as c:
        audio = (
            [(float(f.time), f.samples, f.sample_rate) for f in c.decode(audio=0)]
            if (c.streams.audio)
            else []
        )
        acodec = c.streams.audio[0].codec_context.name if c.streams.audio else None
        vcodec = c.streams.video[0].codec_context.name
    return {"video": video, "audio": audio, "acodec": acodec, "vcodec": vcodec}


@pytest.mark.parametrize(
    ("name", "audio", "out_suffix", "expect_codec"),
    [
        ("aac_to_mp4", "aac", ".mp4", "aac"),  # remux: packets copied
        ("pcm_to_mp4", "pcm_s16le", ".mp4", "aac"),  # mp4 takes no PCM: re-encoded
        ("pcm_to_mkv", "pcm_s16le", ".mkv", "pcm_s16le"),  # mkv takes it as is
    ],
)
def test_round_trip_keeps_frames_pts_and_audio(tmp_path, name, audio, out_suffix, expect_codec):
    src = write_clip(tmp_path / f"in_{name}.mkv", frames=25, fps=25, audio=audio)
    out = tmp_path / f"out{out_suffix}"
    assert _copy(src, out) == 25
    got, ref = _probe(out), _probe(src)
    assert got["vcodec"] == "h264" and got["acodec"] == expect_codec
    assert [v[1] for v in got["video"]] == list(range(25))  # every frame, in order
    np.testing.assert_allclose([v[0] for v in got["video"]], np.arange(25) / 25, atol=1e-3)
    # audio: same start, same amount of sound (AAC adds up to one frame of priming/padding)
    assert abs(got["audio"][0][0] - ref["audio"][0][0]) < 0.03
    got_s = sum(a[1] for a in got["audio"]) / got["audio"][0][2]
    ref_s = sum(a[1] for a in ref["audio"]) / ref["audio"][0][2]
    assert abs(got_s - ref_s) < 0.15
    v_end = got["video"][-1][0] + 1 / 25
    assert abs(got_s - v_end) < 0.15  # audio and video end together


def test_audio_stays_in_sync_with_a_late_video_start(tmp_path: Path) -> None:
    """Video pts are kept from the source, so a stream that starts at 0.4 s still lines up."""
    src = write_clip(tmp_path / "in.mp4", frames=10, audio="aac")
    out = tmp_path / "late.mp4"
    sink = FileSink(out, audio_from=str(src))
    sink.open(96, 64, 25.0)
    for i in range(10):
        sink.write(Frame(image=pattern(i, 96, 64), pts=0.4 + i / 25, t_capture=0.0, index=i))
    sink.close()
    got = _probe(out)
    assert abs(got["video"][0][0] - 0.4) < 1e-3
    assert got["audio"][0][0] < 0.05  # audio keeps its own timeline


@pytest.mark.parametrize("out_name", ["reencoded.mp4", "copied.mkv"])
def test_audio_that_starts_late_keeps_its_offset(tmp_path: Path, out_name: str) -> None:
    src = write_clip(tmp_path / "in.mkv", frames=25, audio="pcm_s16le", audio_start=0.5)
    out = tmp_path / out_name
    _copy(src, out)
    got = _probe(out)
    assert got["video"][0][0] < 1e-3
    assert abs(got["audio"][0][0] - 0.5) < 0.07  # AAC shows its 1024-sample priming


def test_odd_size_frames_are_padded_to_even(tmp_path: Path) -> None:
    src = write_clip(tmp_path / "odd.mkv", width=97, height=63, frames=6, audio=None)
    out = tmp_path / "odd_out.mp4"
    assert _copy(src, out) == 6
    got = _probe(out)
    assert {(v[2], v[3]) for v in got["video"]} == {(98, 64)}
    assert [v[1] for v in got["video"]] == list(range(6))


def test_missing_or_repeated_pts_are_made_increasing(tmp_path: Path) -> None:
    out = tmp_path / "pts.mkv"
    sink = FileSink(out, codec="mpeg4")
    sink.open(32, 32, 10.0)
    image = np.zeros((32, 32, 3), np.uint8)
    for pts in (None, None, 0.5, 0.5, 0.2):
        sink.write(Frame(image=image, pts=pts, t_capture=0.0))
    sink.close()
    times = [v[0] for v in _probe(out)["video"]]
    assert times == sorted(times) and len(set(times)) == 5
    np.testing.assert_allclose(times[:3], [0.0, 0.1, 0.5], atol=1e-3)


def test_user_chosen_codec_and_unknown_codec(tmp_path: Path) -> None:
    src = write_clip(tmp_path / "in.mp4", frames=3, audio=None)
    _copy(src, tmp_path / "out.mkv", codec="mpeg4")
    assert _probe(tmp_path / "out.mkv")["vcodec"] == "mpeg4"
    sink = open_sink(str(tmp_path / "x.mp4"), codec="no-such-encoder")
    with pytest.raises(ConfigError, match="no-such-encoder"):
        sink.open(32, 32, 25.0)


def test_sink_registry_names() -> None:
    assert type(open_sink("null")).__name__ == "NullSink"
    assert type(open_sink("out.mkv")).__name__ == "FileSink"
    assert open_sink("vcam:obs").backend == "obs"
    with pytest.raises(ConfigError, match="null, preview, vcam"):
        open_sink("hologram")
