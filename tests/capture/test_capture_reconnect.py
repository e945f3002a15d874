"""A network source whose server drops mid-stream is reopened with backoff and resumes.

A real HTTP server on 127.0.0.1 sends a clip at its playing speed, as a file (with a length;
Range requests answered) or as a live MPEG-TS stream (no length; a new connection starts at
"now"). The test stops it mid-stream (open connections cut), starts it again on the same port,
and runs the live runner on the URL: the sink keeps receiving frames (the last one repeated,
then the "reconnecting" slate) and the run recovers.
"""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest

from streamfx.capture.synthetic import pattern, pattern_index, write_clip
from streamfx.capture.video import VideoSource
from streamfx.errors import SourceError
from streamfx.outputs import NullSink
from streamfx.record import Frame
from streamfx.runtime import LiveRunner
from streamfx.runtime.pipeline import passthrough_pipeline

FPS = 20
CHUNK = 188 * 8  # bytes per write (whole MPEG-TS packets)


class DropServer:
    """Serves ``path`` over HTTP at ``seconds`` for the whole file; ``stop`` cuts every open
    connection, ``start`` serves again on the same port. ``live``: no length, each connection
    starts where the stream is "now" (aligned to TS packets); else Range requests work."""

    def __init__(self, path: Path, seconds: float, live: bool = False) -> None:
        self.data = path.read_bytes()
        self.rate = len(self.data) / seconds
        self.live, self.port, self.t0 = live, 0, time.monotonic()
        self.requests = 0
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> DropServer:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def bounce(self, after_s: float, down_s: float) -> threading.Thread:
        """Stop after ``after_s`` seconds, start again ``down_s`` later (in a thread)."""

        def run() -> None:
            time.sleep(after_s)
            self.stop()
            time.sleep(down_s)
            self.start()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def _handler(self) -> type:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                with outer._lock:
                    outer._conns.add(self.connection)
                try:
                    self._send()
                except OSError:
                    pass
                finally:
                    with outer._lock:
                        outer._conns.discard(self.connection)

            def _send(self) -> None:
                data, rate = outer.data, outer.rate
                if outer.live:
                    start = int((time.monotonic() - outer.t0) * rate) // 188 * 188
                    self.send_response(200)
                    self.send_header("Content-Type", "video/mp2t")
                    self.send_header("Connection", "close")
                else:
                    m = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
                    start = int(m.group(1)) if m else 0
                    self.send_response(206 if m else 200)
                    if m:
                        last = len(data) - 1
                        self.send_header("Content-Range", f"bytes {start}-{last}/{len(data)}")
                    self.send_header("Accept-Ranges", "bytes")
                    self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                t_start = time.monotonic() - start / rate
                pos = start
                while pos < len(data):  # at the clip's own speed, as a camera would send it
                    wait = t_start + (pos + CHUNK) / rate - time.monotonic()
                    if wait > 0:
                        time.sleep(min(wait, 0.05))
                        continue
                    self.wfile.write(data[pos : pos + CHUNK])
                    pos += CHUNK

        return Handler


class RecordingSink(NullSink):
    """Keeps, per frame written: (slate, pattern index or -1, a repeat of the previous one);
    and the pts of each fresh frame in ``pts``."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[bool, int, bool]] = []
        self.pts: list[float] = []

    def write(self, frame: Frame) -> None:
        repeat = frame is self.last
        index = -1 if frame.slate else pattern_index(frame.result)
        self.log.append((frame.slate, index, repeat))
        if not frame.slate and not repeat:
            self.pts.append(frame.pts)
        super().write(frame)


def _live_clip(path: Path, frames: int) -> Path:
    """An MPEG-TS clip of pattern frames with a keyframe every 10 frames (a camera's GOP)."""
    with av.open(str(path), mode="w", format="mpegts") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        vs.gop_size = 10
        vs.options = {"preset": "ultrafast", "tune": "zerolatency"}
        for i in range(frames):
            vf = av.VideoFrame.from_ndarray(pattern(i, 64, 48), format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, FPS)
            out.mux(vs.encode(vf))
        out.mux(vs.encode(None))
    return path


def _runner(url: str, sink: RecordingSink, **kw: object) -> LiveRunner:
    source = VideoSource(url, timeout_s=3.0)
    source.start()
    return LiveRunner(
        source, passthrough_pipeline(), sink, backoff_s=(0.1, 0.4), slate_after_s=0.3, **kw
    )


def _check_outage(log: list[tuple[bool, int, bool]]) -> tuple[int, int]:
    """The sink's story: frames, then the last one repeated, then slates, then frames again.
    Returns (first slate, first fresh frame after the slates) positions."""
    first_slate = next(i for i, (slate, _, _) in enumerate(log) if slate)
    back = next(i for i in range(first_slate, len(log)) if not log[i][0])
    before = log[:first_slate]
    assert any(not rep for _, _, rep in before[:5]), "fresh frames came first"
    assert before[-1][2], "the last good frame was repeated before the slate"
    assert all(slate for slate, _, _ in log[first_slate:back])
    assert log[back][1] >= 0 and not log[back][2]
    return first_slate, back


def test_http_file_drop_reconnects_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mkv", width=64, height=48, fps=FPS, frames=60, audio=None)
    server = DropServer(clip, seconds=0.5 * 60 / FPS).start()  # sent at twice its speed
    sink = RecordingSink()
    runner = _runner(f"http://127.0.0.1:{server.port}/clip.mkv", sink, duration_s=30.0)
    bouncer = server.bounce(after_s=0.6, down_s=0.6)
    try:
        stats = runner.run()  # ends at the end of the file
    finally:
        bouncer.join()
        server.stop()
    assert stats.source_errors >= 1 and stats.reconnects >= 1
    assert stats.slates >= 1
    first_slate, back = _check_outage(sink.log)
    shown = [i for slate, i, rep in sink.log if not slate and not rep]
    assert shown == sorted(shown), "resumed after the last frame, not from the start"
    assert set(shown) == set(range(60)), "every frame of the file was shown once"
    assert server.requests >= 2


def test_live_http_stream_drop_reconnects_and_goes_on_live(tmp_path: Path) -> None:
    clip = _live_clip(tmp_path / "live.ts", frames=400)
    server = DropServer(clip, seconds=400 / FPS, live=True).start()
    sink = RecordingSink()
    runner = _runner(f"http://127.0.0.1:{server.port}/live.ts", sink, fps=FPS)
    bouncer = server.bounce(after_s=1.0, down_s=1.0)

    def stop_when_back() -> None:  # 10 fresh frames after a slate, or give up
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            log = list(sink.log)
            slates = [i for i, (slate, _, _) in enumerate(log) if slate]
            if slates and sum(not s and not r for s, _, r in log[slates[-1] :]) >= 10:
                break
            time.sleep(0.05)
        runner.stop()

    stopper = threading.Thread(target=stop_when_back, daemon=True)
    stopper.start()
    try:
        stats = runner.run()
    finally:
        stopper.join()
        bouncer.join()
        server.stop()
    assert stats.source_errors >= 1 and stats.reconnects >= 1
    first_slate, back = _check_outage(sink.log)
    before = [i for s, i, r in sink.log[:first_slate] if not s and not r]
    after = [i for s, i, r in sink.log[back:] if not s and not r]
    assert len(after) >= 10
    # live: the stream went on while it was away (at least the second it was down)
    assert sink.pts[len(before)] - sink.pts[len(before) - 1] >= 1.0


def test_network_drop_is_a_source_error_not_the_end_or_a_corrupt_file(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mkv", width=64, height=48, fps=FPS, frames=40, audio=None)
    server = DropServer(clip, seconds=0.5 * 40 / FPS).start()
    source = VideoSource(f"http://127.0.0.1:{server.port}/clip.mkv", timeout_s=3.0)
    source.start()
    assert source.info is not None and not source.info.live  # a file over HTTP: paced
    got = [source.read().index for _ in range(5)]
    server.stop()
    with pytest.raises(SourceError, match="connection lost"):
        while source.read() is not None:
            pass
    source.close()
    server.start()
    source.start()  # resumes after the last frame read, indices go on
    rest = []
    while (frame := source.read()) is not None:
        rest.append((frame.index, pattern_index(frame.image)))
    source.close()
    server.stop()
    assert got == [0, 1, 2, 3, 4]
    assert rest[0][0] == rest[0][1] > 4 and [i for i, _ in rest] == [p for _, p in rest]
    assert rest[-1] == (39, 39)
