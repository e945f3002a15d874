"""``streamfx export onnx``: ExportCommand + run, called directly."""

from __future__ import annotations

import pytest

from streamfx.engines.export_cli import ExportCommand, run
from streamfx.errors import ConfigError, ModelFileError

pytest.importorskip("onnxruntime")


def test_export_copy_and_check(tiny_weights, engine_cache, tmp_path, capsys):
    out = tmp_path / "onnx"
    code = run(
        ExportCommand(
            weights=str(tiny_weights),
            output=str(out),
            check=True,
            batch=1,
            cache_dir=str(engine_cache),
        )
    )
    text = capsys.readouterr().out
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "encoder.onnx", "manifest.json", "prompt.onnx", "superres.onnx", "volume.onnx",
    ]  # fmt: skip
    assert "parity vs torch fp32" in text and "rel L2" in text and "NO" not in text
    for output in ("tokens", "triplane", "features", "alpha", "depth", "image"):
        assert output in text
    assert run(ExportCommand(weights=str(tiny_weights), cache_dir=str(engine_cache))) == 0
    assert "cached export" in capsys.readouterr().out


def test_export_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="format"):
        ExportCommand(format="tflite")
    with pytest.raises(ModelFileError, match="weights import"):
        run(ExportCommand(weights=str(tmp_path / "none"), cache_dir=str(tmp_path)))
