"""A video file served over HTTP (a real server on 127.0.0.1) is read like a file."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import av
import pytest

from streamfx.capture.synthetic import pattern_index, write_clip
from streamfx.capture.video import VideoSource
from streamfx.cli.main import main


@pytest.fixture
def served(tmp_path: Path):
    write_clip(tmp_path / "clip.mkv", width=64, height=48, fps=20, frames=12)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/clip.mkv", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def test_http_file_is_paced_like_a_file_not_a_live_stream(served) -> None:
    url, _ = served
    with VideoSource(url) as src:
        assert src.info is not None and src.info.live is False  # finite: no drops, paced
        frames = []
        while (frame := src.read()) is not None:
            frames.append(frame)
    assert len(frames) == 12
    assert [round(f.pts * 20) for f in frames] == list(range(12))


def test_edit_accepts_a_url(served, capsys) -> None:
    url, tmp = served
    out = tmp / "out.mp4"
    assert main(["edit", url, "-o", str(out), "--editor", "none", "--no-progress"]) == 0
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 12


def test_camera_sends_every_frame_of_an_http_file(served, capsys) -> None:
    url, tmp = served
    out = tmp / "cam.mp4"
    argv = ["camera", "--source", url, "--sink", str(out), "--editor", "none", "--duration", "30"]
    assert main(argv) == 0, capsys.readouterr().err
    with av.open(str(out)) as c:
        shown = {pattern_index(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)}
    assert shown == set(range(12))  # paced like a file: nothing dropped
