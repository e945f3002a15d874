"""``EvalCommand`` / ``run``: the report files, input checks and the identity models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from streamfx.errors import ConfigError, DependencyError, InputError
from streamfx.eval.cli import EvalCommand, run
from streamfx.eval.metrics import REQUIRED


def test_report_files(talking, write_clip, tmp_path, capsys):
    orig = write_clip(talking[:4], "orig")
    edited = [np.clip(f.astype(int) + 12, 0, 255).astype(np.uint8) for f in talking[:4]]
    report = tmp_path / "report"
    cmd = EvalCommand(original=orig, edited=write_clip(edited, "edit"), report=str(report))
    assert run(cmd) == 0
    out = capsys.readouterr().out
    assert "identity_distance" in out and "report.html" in out
    data = json.loads((report / "metrics.json").read_text())
    for key in REQUIRED:
        assert isinstance(data["summary"][key], float), key
    assert len(data["frames"]) == 4 and data["frames"][0]["faces"][0]["track_id"] == 0
    # a whole-frame brightening is not contained: the background changed as much as the face
    assert data["summary"]["background_change"] == pytest.approx(12.0, abs=1.5)
    page = (report / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2  # curves + contact sheet, embedded
    for png in ("curves.png", "worst_frames.png", "summary.png"):
        assert (report / png).read_bytes()[:4] == b"\x89PNG"


def test_frame_count_mismatch_is_an_input_error(talking, write_clip):
    orig = write_clip(talking[:4], "orig")
    short = write_clip(talking[:3], "short")
    with pytest.raises(InputError, match="same number of frames.*has 4.*has 3"):
        run(EvalCommand(original=orig, edited=short, quiet=True))


def test_frame_size_mismatch_is_an_input_error(talking, write_clip):
    orig = write_clip(talking[:2], "orig")
    small = write_clip([f[:200, :300] for f in talking[:2]], "small")
    with pytest.raises(InputError, match="frame size.*320x240.*300x200"):
        run(EvalCommand(original=orig, edited=small, quiet=True))


def test_arguments_are_checked(tmp_path):
    with pytest.raises(InputError, match="ORIGINAL EDITED.*--style"):
        run(EvalCommand(original="a.mp4"))
    with pytest.raises(ConfigError, match="EDITED must be left out"):
        run(EvalCommand(original="a.mp4", edited="b.mp4", style="cartoon"))
    with pytest.raises(ConfigError, match="--identity-every"):
        run(EvalCommand(original="a.mp4", edited="b.mp4", identity_every=0))
    with pytest.raises(InputError, match="ORIGINAL"):
        run(EvalCommand(original=str(tmp_path / "missing.mp4"), edited="b.mp4", quiet=True))


def test_missing_face_recognition_model_names_the_extra(monkeypatch):
    import importlib.util

    from streamfx.eval import identity

    real = importlib.util.find_spec
    monkeypatch.setattr(
        identity.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "face_recognition_models" else real(name, *a),
    )
    with pytest.raises(DependencyError, match=r"streamfx\[eval\]"):
        identity.load_identity()


def _tiny_onnx(path: Path) -> Path:
    """An 'ArcFace-shaped' ONNX model: NCHW 112x112 in, per-channel means of 4x4 tiles out."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["x"], ["p"], kernel_shape=[28, 28], strides=[28, 28]),
            helper.make_node("Flatten", ["p"], ["y"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 48])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_arcface_onnx_model_is_used(talking, tracker, tmp_path):
    pytest.importorskip("onnxruntime")
    from streamfx.eval.identity import ArcFaceIdentity, load_identity

    model = load_identity(str(_tiny_onnx(tmp_path / "tiny.onnx")))
    assert isinstance(model, ArcFaceIdentity) and model.size == 112
    img = talking[0]
    lm = tracker.detect(img)[0].landmarks
    a = model.embed(img, lm)
    assert a.shape == (48,) and np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert model.distance(a, model.embed(img, lm)) == pytest.approx(0.0, abs=1e-6)
    other = model.embed(255 - img, lm)
    assert model.distance(a, other) > 0.01
    with pytest.raises(InputError, match="does not exist"):
        load_identity(str(tmp_path / "none.onnx"))
    with pytest.raises(ConfigError, match="dlib.*onnx"):
        load_identity("facenet")
