"""``streamfx adapt``: a few steps on tiny pairs lower the loss; the style (reference + delta of
the prompt branch and E_t's norms) loads; no adversarial term even past its start step (PAPER.md
4.5); --lpips passes LPIPS weights through, and without them the output is quiet about it; the
name, the style's defaults and the weights are checked before the first step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from lpips_files import official_lpips_folder

from streamfx.backends.styles_catalog import load_style
from streamfx.cli.main import main


@pytest.fixture()
def setup(tmp_path: Path, tiny_dataset_maker, monkeypatch) -> dict[str, Path]:
    """Two tiny (input, edited) pairs at 128, base and teacher weights, user folders in tmp."""
    from streamfx.editor import PortraitEditor, get_preset

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
    return {"pairs": pairs, "base": base, "teacher": teacher}


def test_adaptation_lowers_loss_and_writes_a_style(setup, capsys) -> None:
    from streamfx.editor import PortraitEditor
    from streamfx.engines.delta import read_delta, swap_parameters
    from streamfx.training.adapt import adapt_names

    pairs, base, teacher = setup["pairs"], setup["base"], setup["teacher"]
    argv = ["adapt", "--pairs", str(pairs), "--name", "gold2", "--base", str(base)]
    argv += ["--teacher", str(teacher), "--description", "gilded", "--strength", "0.7"]
    assert main(argv + ["--steps", "6", "--lr", "3e-3", "--no-progress"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "adapted 6 steps" in out and "loss" in out
    assert "LPIPS term off" not in captured.err and "train:" not in captured.err
    assert "loss terms: depth, image, raw, tri (also at a random camera); no LPIPS" in out
    assert "adv" not in out and "style 'gold2' (3dpe) written to" in out
    spec = load_style("gold2")
    assert (spec.description, spec.defaults) == ("gilded", {"strength": 0.7})
    assert spec.editor == "3dpe" and spec.delta is not None and spec.delta.is_file()
    assert spec.source["last_loss"] < spec.source["first_loss"]
    editor = PortraitEditor.from_pretrained(base)
    tensors, _ = read_delta(spec.delta)
    adapted = swap_parameters(editor, tensors)  # the way the 3DPE backend applies it
    names = sorted(tensors)
    assert names == sorted(adapt_names(editor))
    assert any("Final_encoder" in n and "norm" in n for n in names)
    assert not any(n.startswith("encoder.Final_encoder") and "norm" not in n for n in names)
    fresh = PortraitEditor.from_pretrained(base).state_dict()
    assert any(not torch.equal(adapted.state_dict()[n], fresh[n]) for n in names)
    assert json.loads(json.dumps(spec.source))["kind"] == "adapted"


def test_no_adversarial_term_past_its_start_and_lpips_passed_through(setup, tmp_path: Path):
    """Settings that would start the adversarial term at step 1 (weight 0.5): adaptation still
    runs without it and without a discriminator; the LPIPS weights given are used."""
    from streamfx.training.adapt import adapt
    from streamfx.training.config import TrainConfig

    work = tmp_path / "work"
    settings = TrainConfig(adv_start=1, adv_weight=0.5, r1_every=1)
    _, res = adapt(
        setup["pairs"], "gold3", setup["base"], steps=3, batch=1, teacher=setup["teacher"],
        lpips=official_lpips_folder(tmp_path / "lpips"), work=work, root=tmp_path / "styles",
        progress=False, settings=settings,
    )  # fmt: skip
    lines = [json.loads(s) for s in (work / "log.jsonl").read_text().splitlines()]
    assert len(lines) == 3 and res.step == 3
    for line in lines:
        assert not any(k == "adv" or k.startswith("disc/") for k in line), line
        assert {"lpips", "raw_lpips", "mv/lpips", "tri", "image"} <= set(line)
    assert "adv" not in res.terms and "lpips" in res.terms
    assert "disc" not in torch.load(work / "checkpoints" / "latest.pt", weights_only=False)


def test_cli_lpips_flag(setup, tmp_path: Path, capsys) -> None:
    argv = ["adapt", "--pairs", str(setup["pairs"]), "--name", "gold4", "--base",
            str(setup["base"]), "--steps", "1", "--batch", "1", "--no-progress",
            "--lpips", str(official_lpips_folder(tmp_path / "lpips"))]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "loss terms: depth, image, lpips, raw, raw_lpips, tri (also at a random camera)" in out
    assert "no LPIPS" not in out
    missing = tmp_path / "nope"
    assert main([*argv[:-1], str(missing), "--name", "gold5"]) == 2
    assert f"{missing}: no such file or folder" in capsys.readouterr().err
    assert load_style("gold4").delta is not None
    with pytest.raises(Exception, match="gold5"):
        load_style("gold5")  # nothing written for the failed run


def test_name_defaults_and_weights_checked_before_training(setup, tmp_path: Path, capsys):
    """An existing style (without --force), a bad name, bad defaults, missing teacher weights:
    exit 2 before any step (no progress bar, no run folder), the existing style untouched."""
    from streamfx.errors import ConfigError
    from streamfx.training.adapt import adapt

    pairs, base = setup["pairs"], setup["base"]
    assert (
        main(["styles", "add", "taken", "--reference", str(next((pairs / "edited").iterdir()))])
        == 0
    )
    style_toml = load_style("taken").folder / "style.toml"
    before = style_toml.read_bytes()
    capsys.readouterr()
    argv = ["adapt", "--pairs", str(pairs), "--base", str(base), "--steps", "50"]
    cases = [
        (["--name", "taken"], "pass --force to replace it"),
        (["--name", "bad/name"], "style name: expected letters"),
        (["--name", "new", "--strength", "2"], "'strength' expected a number in [0, 1]"),
        (["--name", "new", "--teacher", str(tmp_path / "none")], "config.json"),
    ]
    for extra, message in cases:
        assert main(argv + extra) == 2, extra
        err = capsys.readouterr().err
        assert message in err and "%|" not in err, (extra, err)  # no progress bar
    assert style_toml.read_bytes() == before
    with pytest.raises(Exception, match="new"):
        load_style("new")
    work = tmp_path / "work"
    with pytest.raises(ConfigError, match="pass --force"):
        adapt(pairs, "taken", base, steps=50, work=work, progress=False)
    assert not work.exists()  # train() never started
