"""``streamfx adapt``: a few steps on tiny pairs lower the loss; the style (reference + delta of
the prompt branch and E_t's norms) loads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from streamfx.backends.styles_catalog import load_style
from streamfx.cli.main import main


def test_adaptation_lowers_loss_and_writes_a_style(
    tmp_path: Path, tiny_dataset_maker, monkeypatch, capsys
) -> None:
    from streamfx.editor import PortraitEditor, get_preset
    from streamfx.training.adapt import adapt_names, load_delta

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path / "engines"))
    data = tiny_dataset_maker(tmp_path / "ds", n=2, size=128)
    pairs = tmp_path / "pairs"
    shutil.copytree(data / "00000", pairs / "input")
    shutil.copytree(data / "00000_gold", pairs / "edited")
    cfg = get_preset("tiny")
    cfg.encoder.image_size = 128
    torch.manual_seed(0)
    base = PortraitEditor(cfg).save_pretrained(tmp_path / "base")
    torch.manual_seed(1)
    teacher = PortraitEditor(cfg).save_pretrained(tmp_path / "teacher")
    argv = ["adapt", "--pairs", str(pairs), "--name", "gold2", "--base", str(base)]
    argv += ["--teacher", str(teacher)]
    assert main(argv + ["--steps", "6", "--lr", "3e-3", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "adapted 6 steps" in out and "loss" in out
    spec = load_style("gold2")
    assert spec.editor == "3dpe" and spec.delta is not None and spec.delta.is_file()
    assert spec.source["last_loss"] < spec.source["first_loss"]
    editor = PortraitEditor.from_pretrained(base)
    names = load_delta(editor, spec.delta)
    assert names == sorted(adapt_names(editor))
    assert any("Final_encoder" in n and "norm" in n for n in names)
    assert not any(n.startswith("encoder.Final_encoder") and "norm" not in n for n in names)
    fresh = PortraitEditor.from_pretrained(base).state_dict()
    assert any(not torch.equal(editor.state_dict()[n], fresh[n]) for n in names)
    assert json.loads(json.dumps(spec.source))["kind"] == "adapted"
