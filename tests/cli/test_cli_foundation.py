"""The camera / edit / weights / doctor commands through ``streamfx.cli.main.main``."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from streamfx.capture.synthetic import pattern_index, write_clip
from streamfx.cli.main import main


def _fails_cleanly(argv: list[str], capsys, *needles: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("streamfx ")]
    assert len(lines) == 1, err  # one message
    for needle in needles:
        assert needle in err, err
    return err


def _rejected_setting(argv: list[str], capsys, *needles: str) -> str:
    """A bad setting is refused while the command line is parsed: exit 2, one boxed message
    naming the setting, its flag, what was expected and what came, before anything opens."""
    code = main(argv)
    captured = capsys.readouterr()
    err = captured.err + captured.out
    assert code == 2, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("cli") / "talk.mp4", frames=15, audio="aac")


def test_edit_corrupt_video_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x20ftypisom" + b"\x13" * 4000)
    _fails_cleanly(["edit", str(bad), "-o", str(tmp_path / "o.mp4")], capsys, "broken.mp4")


def test_edit_truncated_video_never_tracebacks(clip: Path, tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:1500])
    code = main(["edit", str(cut), "-o", str(tmp_path / "o.mp4"), "--editor", "none"])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err


def test_edit_missing_file_exits_2(tmp_path: Path, capsys) -> None:
    _fails_cleanly(["edit", str(tmp_path / "nope.mp4"), "-o", "x.mp4"], capsys, "not found")


def test_camera_nonexistent_index_exits_2(capsys) -> None:
    _fails_cleanly(["camera", "--source", "57", "--sink", "null"], capsys, "camera 57")


def test_camera_unknown_sink_exits_2(clip: Path, capsys) -> None:
    _fails_cleanly(["camera", "--source", str(clip), "--sink", "hologram"], capsys, "hologram")


def test_camera_vcam_without_backend_exits_2_with_fix(clip: Path, capsys) -> None:
    from streamfx.outputs.vcam import probe_backends

    if any(r.startswith("ok") for r in probe_backends().values()):
        pytest.skip("a virtual camera works on this machine")
    argv = ["camera", "--source", str(clip), "--sink", "vcam", "--editor", "none", "--no-progress"]
    _fails_cleanly(argv, capsys, "no virtual camera")


def test_camera_file_to_null_runs_and_prints_timings(clip: Path, capsys) -> None:
    argv = ["camera", "--source", str(clip), "--sink", "null", "--editor", "none", "--no-progress"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "edit (passthrough)" in out and "captured 15" in out


def test_edit_file_to_file_keeps_every_frame_and_audio(clip: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "edited.mp4"
    code = main(["edit", str(clip), "-o", str(out), "--editor", "none", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    with av.open(str(out)) as c:
        assert c.streams.audio and c.streams.audio[0].codec_context.name == "aac"
        frames = [pattern_index(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert frames == list(range(15))
    assert "with audio" in capsys.readouterr().out


def test_weights_path_list_and_unknown(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("STREAMFX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("STREAMFX_MODELS", str(tmp_path))
    _fails_cleanly(["weights", "path", "face_landmarker.task"], capsys, "weights fetch")
    (tmp_path / "face_landmarker.task").write_bytes(b"\0" * 3758596)
    assert main(["weights", "path", "face_landmarker.task"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "face_landmarker.task")
    assert main(["weights", "list"]) == 0
    assert "face_landmarker.task" in capsys.readouterr().out
    _fails_cleanly(["weights", "fetch", "no-such-model"], capsys, "face_landmarker.task")


def test_doctor_reports_each_section(capsys) -> None:
    assert main(["doctor", "--no-cameras"]) == 0
    out = capsys.readouterr().out
    for section in ("python:", "torch:", "onnxruntime:", "tensorrt:", "virtual camera:"):
        assert section in out
    assert "face_landmarker.task" in out


def test_edit_unknown_codec_tag_names_the_tag(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.avi"
    with av.open(str(good), "w") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for _ in range(3):
            c.mux(s.encode(av.VideoFrame(64, 48, "yuv420p")))
        c.mux(s.encode(None))
    raw = good.read_bytes()
    assert b"FMP4" in raw
    bad = tmp_path / "bad.avi"
    bad.write_bytes(raw.replace(b"FMP4", b"QQQQ"))
    argv = ["edit", str(bad), "-o", str(tmp_path / "o.mp4"), "--editor", "none"]
    _fails_cleanly(argv, capsys, "no decoder for codec tag 'QQQQ'", str(bad))


@pytest.mark.parametrize(
    "out, needle",
    [("/proc/y.mp4", "cannot write video file"), ("nosuchdir/y.mp4", "does not exist")],
)
def test_output_path_errors_fail_early(clip: Path, tmp_path: Path, capsys, out, needle) -> None:
    target = out if out.startswith("/") else str(tmp_path / out)
    edit = ["edit", str(clip), "-o", target, "--editor", "none", "--no-progress"]
    _fails_cleanly(edit, capsys, needle)
    camera = ["camera", "--source", str(clip), "--sink", target, "--editor", "none"]
    _fails_cleanly([*camera, "--duration", "1"], capsys, needle)
    assert not Path(target).parent.is_dir() or not Path(target).exists()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["edit", "IN", "-o", "OUT", "--fps", "-5"], "--fps"),
        (["camera", "--source", "IN", "--sink", "null", "--fps", "-5"], "--fps"),
        (["camera", "--source", "IN", "--sink", "null", "--duration", "-1"], "--duration"),
        (["camera", "--source", "IN", "--sink", "null", "--width", "-2"], "--width"),
    ],
)
def test_negative_option_values_are_rejected(clip: Path, tmp_path: Path, capsys, argv, needle):
    argv = [str(clip) if a == "IN" else str(tmp_path / "o.mp4") if a == "OUT" else a for a in argv]
    _rejected_setting([*argv, "--editor", "none"], capsys, needle, "positive")
