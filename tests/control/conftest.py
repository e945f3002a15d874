"""A live run (demo source, mesh editor, recording sink) driven through the real control API."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from streamfx.outputs import NullSink
from streamfx.record import Frame


class RecordingSink(NullSink):
    """A sink that keeps, per frame sent, the style the backend showed and the face region's
    mean colour (so a test sees which style the next frames carry)."""

    name = "recorder"

    def __init__(self) -> None:
        super().__init__()
        self.backend: Any = None
        self.records: list[tuple[float, str | None, np.ndarray | None]] = []

    def write(self, frame: Frame) -> None:
        super().write(frame)
        style = colour = None
        if frame.faces and self.backend is not None:
            face = frame.faces[0]
            style = self.backend.style_of(face.track_id) if frame.edits else None
            x0, y0, x1, y1 = (int(v) for v in face.bbox)
            colour = frame.result[max(y0, 0) : y1, max(x0, 0) : x1].reshape(-1, 3).mean(0)
        self.records.append((time.monotonic(), style, colour))


@dataclass
class LiveSession:
    runner: Any
    server: Any
    sink: RecordingSink
    backend: Any
    controls: Any
    thread: threading.Thread
    period: float
    errors: list[BaseException] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def call(self, path: str, body: Any = None, token: str | None = "ok", **headers: str):
        """(status, JSON) of a request; token "ok" = the right one, None = none."""
        req = urllib.request.Request(self.url + path, method="GET" if body is None else "POST")
        if token is not None:
            req.add_header(
                "Authorization", f"Bearer {self.server.token if token == 'ok' else token}"
            )
        for k, v in headers.items():
            req.add_header(k, v)
        if body is not None:
            req.data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def wait_for(self, cond, frames: int = 200) -> bool:
        """Wait until ``cond()`` holds, for at most ``frames`` more frames sent."""
        start = self.sink.frames
        while self.sink.frames < start + frames and self.thread.is_alive():
            if cond():
                return True
            time.sleep(0.02)
        return cond()


def start_live(tmp_path, face_model, fps: float = 10.0, **state) -> LiveSession:
    from streamfx.config import EditingConfig, PipelineConfig, SourceConfig
    from streamfx.control.session import (
        attach_controls,
        make_controls,
        serve,
        style_entries,
    )
    from streamfx.demo.clip import DemoSource
    from streamfx.runtime import LiveRunner
    from streamfx.runtime.build import build_pipeline

    config = PipelineConfig(
        source=SourceConfig(source="demo"), editor=EditingConfig(editor="mesh", style="cartoon")
    )
    config.face.zoom = False
    built = build_pipeline(config)
    pipe, backend = built.pipeline, built.backend
    sink = RecordingSink()
    sink.backend = backend
    styles = style_entries("mesh")
    controls = make_controls(backend, styles, **state)
    attach_controls(pipe, controls)
    source = DemoSource(seconds=4.0, fps=25.0, width=320, height=240, loop=True)
    runner = LiveRunner(source, pipe, sink, fps=fps, controls=controls)
    server = serve(runner, controls, backend, styles, token_file=tmp_path / "token")
    session = LiveSession(runner, server, sink, backend, controls, None, 1.0 / fps)

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:  # reported by the test
            session.errors.append(exc)

    session.thread = threading.Thread(target=run, daemon=True)
    session.thread.start()
    return session


@pytest.fixture()
def live(tmp_path, face_model):
    session = start_live(tmp_path, face_model)
    yield session
    session.runner.stop()
    session.thread.join(30)
    session.server.close()
    assert not session.errors
