"""Atomic outputs: an existing file or the input is never touched, containers pick fitting
codecs, bad container/codec/pixel formats fail before the disk, a full disk leaves nothing."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest

from streamfx.capture.synthetic import write_clip
from streamfx.cli.main import main
from streamfx.errors import ConfigError
from streamfx.outputs import FileSink
from streamfx.outputs.atomic import AtomicPath, check_target, same_file

EDIT = ["--editor", "none", "--no-progress"]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("in") / "a.mp4", frames=8, audio="aac")


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_unknown_suffix_keeps_the_existing_file(clip: Path, tmp_path: Path, capsys) -> None:
    k = tmp_path / "k.xyz"
    k.write_text("x\n")
    assert main(["edit", str(clip), "-o", str(k), *EDIT, "--force"]) == 2
    assert "suffix" in capsys.readouterr().err
    assert _listing(tmp_path) == {"k.xyz": b"x\n"}


def test_existing_webm_is_kept_without_force_and_replaced_with_it(clip, tmp_path, capsys) -> None:
    out = tmp_path / "k.webm"
    out.write_text("x\n")
    assert main(["edit", str(clip), "-o", str(out), *EDIT]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert _listing(tmp_path) == {"k.webm": b"x\n"}
    assert main(["edit", str(clip), "-o", str(out), *EDIT, "--force"]) == 0
    with av.open(str(out)) as c:  # webm picks VP9 + Opus
        assert [s.codec_context.name for s in c.streams] == ["vp9", "opus"]
    assert sorted(_listing(tmp_path)) == ["k.webm"]  # no temporary file left


def test_explicit_codec_that_the_container_cannot_hold(clip, tmp_path, capsys) -> None:
    out = tmp_path / "k.webm"
    out.write_text("x\n")
    assert main(["edit", str(clip), "-o", str(out), *EDIT, "--force", "--codec", "libx264"]) == 2
    err = capsys.readouterr().err
    assert "cannot hold 'libx264'" in err and "--codec libvpx-vp9" in err
    assert _listing(tmp_path) == {"k.webm": b"x\n"}


@pytest.mark.parametrize("how", ["hardlink", "symlink", "dotdot"])
def test_the_input_is_never_the_output(clip: Path, tmp_path: Path, capsys, how: str) -> None:
    a = tmp_path / "a.mp4"
    a.write_bytes(clip.read_bytes())
    before = a.read_bytes()
    (tmp_path / "out").mkdir()
    b = tmp_path / "out" / "b.mp4"
    if how == "hardlink":
        os.link(a, b)
    elif how == "symlink":
        b.symlink_to(a)
    else:
        b = tmp_path / "out" / ".." / "a.mp4"
    assert same_file(a, b)
    assert main(["edit", str(a), "-o", str(b), *EDIT, "--force"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert a.read_bytes() == before


def test_hardware_encoder_that_cannot_open_names_the_fallback(clip, tmp_path, capsys) -> None:
    out = tmp_path / "gpu.mp4"
    code = main(["edit", str(clip), "-o", str(out), *EDIT, "--codec", "h264_nvenc"])
    if code == 0:
        pytest.skip("NVENC opens on this machine")
    err = capsys.readouterr().err
    assert code == 2 and "hardware encoder h264_nvenc" in err and "--codec libx264" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_pixel_format_fails_before_the_disk(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "o.mp4", codec="libx264", pix_fmt="pal8")
    with pytest.raises(ConfigError, match="pixel format"):
        sink.open(64, 48, 25.0)
    assert list(tmp_path.iterdir()) == []


def test_mkv_copies_audio_and_mp4_reencodes_pcm(tmp_path: Path) -> None:
    src = write_clip(tmp_path / "in.mkv", frames=5, audio="pcm_s16le")
    for name, acodec in (("o.mkv", "pcm_s16le"), ("o.mp4", "aac"), ("o.mov", "pcm_s16le")):
        assert main(["edit", str(src), "-o", str(tmp_path / name), *EDIT]) == 0
        with av.open(str(tmp_path / name)) as c:
            assert [s.codec_context.name for s in c.streams] == ["h264", acodec]


def test_atomic_path_commit_never_replaces_a_file_that_appeared(tmp_path: Path) -> None:
    final = tmp_path / "o.mp4"
    atomic = AtomicPath(final, force=False)
    atomic.temp.write_bytes(b"new")
    final.write_bytes(b"theirs")
    with pytest.raises(ConfigError, match="appeared"):
        atomic.commit()
    assert final.read_bytes() == b"theirs" and not atomic.temp.exists()
    with pytest.raises(ConfigError, match="already exists"):
        check_target(final, [], force=False)


def _limited(limit: int):
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)

    return pre


def test_full_disk_leaves_nothing_and_says_so_once(tmp_path: Path) -> None:
    src = write_clip(tmp_path / "in.mp4", frames=60, width=192, height=128, audio="aac")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "o.mp4"
    argv = [sys.executable, "-m", "streamfx.cli.main", "edit", str(src), "-o", str(out), *EDIT]
    done = subprocess.run(argv, capture_output=True, text=True, preexec_fn=_limited(20_000))
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("streamfx ")]
    assert len(lines) == 1 and "o.mp4" in lines[0], done.stderr
    assert list((tmp_path / "out").iterdir()) == []  # no final name, no temporary file
