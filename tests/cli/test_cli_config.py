"""The config tree on the command line: flags from docstrings, --config / --print-config, style
files checked at load, honest accounting in the exit status, no native log lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from streamfx.backends.base import BACKENDS, EditorBackend, register_backend
from streamfx.cli.main import main
from streamfx.record import FaceEdit

STREAMFX = [sys.executable, "-m", "streamfx.cli.main"]


def _write_clip(path: Path, frames: list[np.ndarray], fps: int = 25) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(s.encode())
    return path


@pytest.fixture(scope="module")
def face_clip(tmp_path_factory) -> Path:
    """Twelve frames of the demo clip (the astronaut turning her head) as an mp4."""
    from streamfx.demo.clip import DemoSource

    src = DemoSource(seconds=12 / 25, fps=25)
    src.start()
    frames = [f.image for f in iter(src.read, None)]
    src.close()
    return _write_clip(tmp_path_factory.mktemp("clips") / "face.mp4", frames)


@pytest.fixture(scope="module")
def faceless_clip(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    frames = [np.full((96, 128, 3), 90, np.uint8) + rng.integers(0, 20, (96, 128, 3), np.uint8)]
    return _write_clip(tmp_path_factory.mktemp("clips") / "wall.mp4", frames * 8)


def test_camera_help_lists_every_section_with_its_docstrings(capsys) -> None:
    assert main(["camera", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # the help is wrapped to the terminal
    for flag, words in [
        ("--compose.feather", "soft mask edge"),
        ("--compose.hold-frames", "detection hiccup"),
        ("--face.max-faces", "Most faces MediaPipe looks for"),
        ("--face.lost-timeout-ms", "dropped"),
        ("--temporal.landmarks.min-cutoff", "Cut-off frequency"),
        ("--temporal.triplane.min-weight", "new triplane"),
        ("--mesh.work-size", "geometry maps"),
        ("--style", "Style name"),
        ("--sink", "virtual camera"),
        ("--overlap", "track the next frame"),
    ]:
        assert flag in text and words in text, flag


def test_print_config_round_trips_through_config(tmp_path: Path, capsys) -> None:
    argv = ["camera", "--face.max-faces", "2", "--compose.feather", "0.1", "--print-config"]
    assert main(argv) == 0
    saved = tmp_path / "run.toml"
    saved.write_text(capsys.readouterr().out)
    assert "max_faces = 2" in saved.read_text()
    # the file gives the defaults; a flag on the same line overrides it
    argv = ["camera", "--config", str(saved), "--compose.feather", "0.2", "--print-config"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "max_faces = 2" in text and "feather = 0.2" in text


@pytest.mark.parametrize(
    "content, needles",
    [
        ("[face]\nmax_faces = 'two'\n", ["face.max_faces", "int", "'two'"]),
        ("[face]\nmaxfaces = 2\n", ["unknown key 'face.maxfaces'"]),
        ("[compose]\nfeather = 3.0\n", ["compose.feather", "--compose.feather", "3.0"]),
    ],
)
def test_a_bad_config_file_names_the_file_and_the_key(tmp_path, capsys, content, needles):
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    assert main(["camera", "--config", str(bad), "--print-config"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_a_style_with_a_wrong_type_stops_edit_before_any_frame(
    tmp_path: Path, monkeypatch, capsys, face_clip
) -> None:
    styles = tmp_path / "styles"
    (styles / "wonky").mkdir(parents=True)
    toml = styles / "wonky" / "style.toml"
    toml.write_text('name = "wonky"\neditor = "mesh"\neffect = "cartoon"\n[params]\nlevels = "5"\n')
    monkeypatch.setenv("STREAMFX_STYLES", str(styles))
    out = tmp_path / "out.mp4"
    assert main(["edit", str(face_clip), "-o", str(out), "--style", "wonky"]) == 2
    err = capsys.readouterr().err
    assert str(toml) in err and "'levels'" in err and "expected int" in err and "'5'" in err
    assert not out.exists()  # stopped before the output was opened
    assert main(["styles", "list"]) == 0  # the other styles still list, the broken one is named
    listing = capsys.readouterr().out
    assert "cartoon" in listing and "sketch" in listing
    assert f"skipped: {toml}" in listing


def test_no_face_in_a_clip_is_reported(tmp_path: Path, capsys, face_model, faceless_clip) -> None:
    out = tmp_path / "out.mp4"
    assert main(["edit", str(faceless_clip), "-o", str(out), "--no-progress"]) == 0
    assert "no face in 8 of 8 frames" in capsys.readouterr().out
    assert out.is_file()


class Exploding(EditorBackend):
    name = "exploding"

    def __init__(self, style: str | None = None) -> None:
        self.style = style or ""

    def edit(self, frame_rgb, face, camera=None) -> FaceEdit:
        raise RuntimeError("weights on fire")

    def set_style(self, style: str) -> None:
        self.style = style


def test_an_editor_failing_on_every_frame_gives_exit_3_and_the_first_error(
    tmp_path: Path, capsys, face_model, face_clip
) -> None:
    register_backend("exploding", Exploding, replace=True)
    try:
        out = tmp_path / "out.mp4"
        argv = ["edit", str(face_clip), "-o", str(out), "--editor", "exploding", "--no-progress"]
        assert main(argv) == 3
        text = capsys.readouterr().out
        assert "editor failed on 12 frames: RuntimeError: weights on fire" in text
        assert "exit status 3" in text
        with av.open(str(out)) as c:  # the output is still written, every frame
            assert sum(1 for _ in c.decode(video=0)) == 12
    finally:
        BACKENDS.unregister("exploding")


def test_edit_prints_no_native_log_line(tmp_path: Path, face_model, face_clip) -> None:
    out = tmp_path / "out.mp4"
    env = {**os.environ, "STREAMFX_MODELS": str(face_model.parent)}
    env.pop("STREAMFX_NATIVE_LOGS", None)
    argv = [*STREAMFX, "edit", str(face_clip), "-o", str(out), "--style", "sketch"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "track" in done.stdout and "edit (mesh)" in done.stdout
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    native = [ln for ln in lines if "TensorFlow" in ln or "W0000" in ln or "I0000" in ln]
    assert not native, done.stderr
    bar = [ln for ln in done.stderr.split("\r") if "frame" in ln]
    assert bar and all("\n" not in ln.strip() for ln in bar[:-1]), done.stderr  # one bar line


def test_every_help_stays_light() -> None:
    """--help of every command and bench loads no torch, OpenCV, MediaPipe or PyAV (what makes a
    start slow); speed itself is measured, not asserted (see the README)."""
    from streamfx.cli.bench import SUBCOMMANDS as BENCHES
    from streamfx.cli.main import COMMANDS

    argvs = [[name] for name in COMMANDS] + [["bench", name] for name in BENCHES]
    code = (
        "import sys, contextlib, io\n"
        "from streamfx.cli.main import main\n"
        f"for argv in {argvs!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert main([*argv, '--help']) == 0, argv\n"
        "heavy = [m for m in ('torch', 'cv2', 'mediapipe', 'av') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
