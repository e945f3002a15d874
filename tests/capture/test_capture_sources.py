"""Frame sources with real media: PyAV files, images, folders, cameras that do not exist."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from streamfx.capture import Source, SourceInfo, make_source, open_source, source_kind
from streamfx.capture.synthetic import pattern, pattern_index, write_clip
from streamfx.capture.video import VideoSource
from streamfx.errors import ConfigError, InputError, SourceError
from streamfx.record import Frame


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", frames=20)


def _drain(source: Source) -> list[Frame]:
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_video_file_frames_pts_and_info(clip: Path) -> None:
    with open_source(str(clip)) as src:
        info = src.info
        frames = _drain(src)
    assert (info.width, info.height, info.fps, info.live) == (96, 64, 25.0, False)
    assert info.has_audio and info.frame_count == 20 and "h264" in info.description
    assert len(frames) == 20
    assert [f.index for f in frames] == list(range(20))
    assert [pattern_index(f.image) for f in frames] == list(range(20))
    np.testing.assert_allclose([f.pts for f in frames], np.arange(20) / 25.0, atol=1e-6)
    assert all(f.image.dtype == np.uint8 and f.image.shape == (64, 96, 3) for f in frames)
    t = [f.t_capture for f in frames]
    assert t == sorted(t)
    assert np.abs(frames[5].image.astype(int) - pattern(5, 96, 64)).mean() < 6


def test_odd_size_video_decodes_at_its_size(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "odd.mkv", width=97, height=63, frames=5, audio=None)
    with open_source(str(path)) as src:
        frames = _drain(src)
    assert (src.info is None) and len(frames) == 5  # info is cleared on exit
    assert frames[0].image.shape == (63, 97, 3)


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        open_source(str(tmp_path / "nope.mp4"))


def test_corrupt_file_is_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match="cannot open .*bad.mp4|no decodable"):
        open_source(str(bad))


def test_truncated_mp4_fails_at_open(clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = clip.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: lost
    with pytest.raises(InputError, match="cut.mp4"):
        open_source(str(cut))


def test_truncated_mkv_is_detected_at_the_end(tmp_path: Path) -> None:
    """Matroska decodes up to the cut; the runner then learns the file was truncated."""
    full = write_clip(tmp_path / "full.mkv", width=48, height=16, frames=100, audio=None)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    src = open_source(str(cut))
    with pytest.raises(InputError, match="truncated"):
        _drain(src)
    src.close()
    with open_source(str(full)) as whole:
        assert len(_drain(whole)) == 100


def test_text_file_with_video_suffix_is_input_error(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mkv"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(InputError, match="notes.mkv"):
        open_source(str(fake))


def test_still_image_and_folder(tmp_path: Path) -> None:
    for i in range(3):
        bgr = cv2.cvtColor(pattern(i, 48, 30), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(tmp_path / f"f{i:02d}.png"), bgr)
    cv2.imwrite(str(tmp_path / "zz_big.png"), np.zeros((60, 80, 3), np.uint8))
    (tmp_path / "readme.txt").write_text("not an image")
    with open_source(str(tmp_path / "f01.png")) as src:
        frames = _drain(src)
    assert len(frames) == 1 and pattern_index(frames[0].image) == 1
    np.testing.assert_array_equal(frames[0].image, pattern(1, 48, 30))
    with open_source(str(tmp_path), fps=10.0) as src:
        frames = _drain(src)
    assert [f.image.shape for f in frames] == [(30, 48, 3)] * 4  # zz_big.png resized
    assert [f.pts for f in frames] == [0.0, 0.1, 0.2, 0.3]
    looped = open_source(str(tmp_path / "f00.png"), loop=True)
    assert [looped.read().index for _ in range(3)] == [0, 1, 2]
    looped.close()


def test_unreadable_image_is_input_error(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"not a png")
    with pytest.raises(InputError, match="x.png"):
        open_source(str(tmp_path / "x.png"))


def test_spec_dispatch() -> None:
    assert source_kind("0") == ("camera", "0")
    assert source_kind("/dev/video3") == ("camera", "/dev/video3")
    assert source_kind("rtsp://cam.local/stream") == ("video", "rtsp://cam.local/stream")
    assert source_kind("https://x/y.m3u8")[0] == "video"
    assert source_kind("clip.mov") == ("video", "clip.mov")
    assert source_kind("a.JPG") == ("images", "a.JPG")
    assert source_kind("demo") == ("demo", "")
    assert source_kind("camera:2") == ("camera", "2")
    with pytest.raises(InputError, match="cannot tell"):
        source_kind("no_suffix_and_not_there")


def test_nonexistent_camera_index_is_source_error() -> None:
    with pytest.raises(SourceError, match="camera 57 does not exist"):
        open_source("57")


def test_network_stream_that_is_down_is_source_error() -> None:
    with pytest.raises(SourceError, match="cannot open http://127.0.0.1:9/"):
        make_source("http://127.0.0.1:9/live.ts", timeout_s=2.0).start()


def test_unknown_kind_lists_known() -> None:
    from streamfx.capture.registry import SOURCES

    with pytest.raises(ConfigError, match="camera, demo, images, video"):
        SOURCES.get("hologram")


def test_source_context_manager_does_not_reopen(clip: Path) -> None:
    class Counting(Source):
        opened = 0

        def open(self) -> SourceInfo:
            Counting.opened += 1
            return SourceInfo(8, 8, 25.0, live=False)

        def read(self) -> Frame | None:
            return None

    src = Counting()
    src.start()
    with src:
        pass
    with Counting():
        pass
    assert Counting.opened == 2


def test_a_video_file_can_loop_with_increasing_time_stamps(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "ten.mp4", frames=10, audio=None)
    with VideoSource(clip, loop=True) as src:
        frames = [src.read() for _ in range(25)]
    assert all(f is not None for f in frames)
    assert [pattern_index(f.image) for f in frames] == [i % 10 for i in range(25)]
    pts = [f.pts for f in frames]
    assert all(b > a for a, b in zip(pts, pts[1:], strict=False)), pts
    assert pts[10] == pytest.approx(10 / 25, abs=1e-3)  # one frame period after the last
    with VideoSource(clip) as src:  # without loop the clip ends
        assert sum(1 for _ in iter(src.read, None)) == 10


def test_camera_loops_a_clip_only_when_asked(tmp_path: Path, capsys) -> None:
    from streamfx.cli.main import main

    clip = write_clip(tmp_path / "ten.mp4", frames=10, audio=None)
    argv = ["camera", "--source", str(clip), "--sink", "null", "--editor", "none"]
    assert main([*argv, "--no-progress"]) == 0
    assert "captured 10 " in capsys.readouterr().out  # a file ends by default
    assert main([*argv, "--no-progress", "--loop", "--max-frames", "24"]) == 0
    out = capsys.readouterr().out
    assert "sent 24" in out or "sent 25" in out  # went on past the clip's 10 frames
