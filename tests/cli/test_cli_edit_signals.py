"""Interrupted edits: SIGINT and SIGTERM stop cleanly ("stopped after N of M frames", exit 130,
nothing under the final name; --keep-partial keeps a playable NAME.partial with the audio cut
to the video), SIGKILL leaves nothing under the final name, and a live run into a file ended
with Ctrl-C writes every frame it sent."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import pytest
from face_clips import write_face_clip

STREAMFX = [sys.executable, "-m", "streamfx.cli.main"]


@pytest.fixture(scope="module")
def talk(tmp_path_factory) -> Path:
    """250 frames (10 s) of the demo face at 320x240 with a 10 s AAC tone."""
    return write_face_clip(tmp_path_factory.mktemp("sig") / "talk.mp4", 250)


def _start_and_signal(
    argv: list[str], folder: Path, sig: int, after_frames: int = 20, wait_s: float = 0.0
) -> subprocess.CompletedProcess:
    """Run ``argv``; once its progress bar (stderr) counted ``after_frames`` frames, or, with
    ``after_frames=0``, once its temporary output exists (and ``wait_s`` more seconds passed),
    send ``sig``. Progress, not the file's size: a muxer may hold packets back."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err: list[str] = []
    done = [0]

    def read_stderr() -> None:
        for chunk in iter(lambda: proc.stderr.read(64), ""):
            err.append(chunk)
            counts = re.findall(r"(\d+)/\d+ \[", "".join(err[-4:]))
            if counts:
                done[0] = max(done[0], int(counts[-1]))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if after_frames and done[0] >= after_frames:
            break
        if not after_frames and list(folder.glob(".*.tmp.*")):
            time.sleep(wait_s)
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        out = proc.stdout.read()
        reader.join(timeout=10)
        raise AssertionError(f"ended before it could be interrupted:\n{out}\n{''.join(err)}")
    proc.send_signal(sig)
    out = proc.stdout.read()
    proc.wait(timeout=120)
    reader.join(timeout=10)
    return subprocess.CompletedProcess(argv, proc.returncode, out, "".join(err))


def _media(path: Path) -> tuple[int, float, float]:
    """(decoded video frames, video end s, audio end s)."""
    with av.open(str(path)) as c:
        video = [f.time for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        audio = [(f.time, f.samples / f.sample_rate) for f in c.decode(audio=0)]
    return len(video), max(video) + 1 / 25, max(t + d for t, d in audio)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_nothing_under_the_final_name(face_model, talk, tmp_path, sig) -> None:
    out = tmp_path / "o.mp4"
    argv = [*STREAMFX, "edit", str(talk), "-o", str(out), "--style", "sketch", "--progress"]
    done = _start_and_signal(argv, tmp_path, sig)
    assert done.returncode == 130, done.stderr
    m = re.search(r"stopped after (\d+) of 250 frames; nothing written to", done.stdout)
    assert m and 0 < int(m.group(1)) < 250, done.stdout
    assert list(tmp_path.iterdir()) == []


def test_keep_partial_is_playable_with_the_audio_cut(face_model, talk, tmp_path) -> None:
    out = tmp_path / "o.mp4"
    argv = [*STREAMFX, "edit", str(talk), "-o", str(out), "--style", "sketch", "--progress"]
    done = _start_and_signal([*argv, "--keep-partial"], tmp_path, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    n = int(re.search(r"stopped after (\d+) of 250", done.stdout).group(1))
    assert f"kept as {out}.partial" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["o.mp4.partial"]
    frames, v_end, a_end = _media(Path(f"{out}.partial"))
    assert frames == n  # the encoder was flushed completely: every frame is there
    assert abs(a_end - v_end) < 0.1, (v_end, a_end)  # not the source's 10 s of audio


def test_sigkill_leaves_nothing_under_the_final_name(face_model, talk, tmp_path) -> None:
    out = tmp_path / "o.mp4"
    argv = [*STREAMFX, "edit", str(talk), "-o", str(out), "--style", "sketch", "--progress"]
    done = _start_and_signal(argv, tmp_path, signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert not out.exists() and not Path(f"{out}.partial").exists()
    assert all(p.name.startswith(".o.") for p in tmp_path.iterdir())  # only a hidden temp


def test_live_file_sink_finishes_cleanly_on_ctrl_c(talk, tmp_path) -> None:
    out = tmp_path / "live.mp4"
    argv = [*STREAMFX, "camera", "--source", str(talk), "--sink", str(out), "--editor", "none"]
    # a live run is paced at the clip's rate (10 s): stop it after 2 s of frames
    done = _start_and_signal([*argv, "--no-progress"], tmp_path, signal.SIGINT, 0, 2.0)
    sent = int(re.search(r"sent (\d+)", done.stdout).group(1))
    with av.open(str(out)) as c:
        frames = sum(1 for _ in c.decode(video=0))
    assert frames == sent > 0, done.stdout
