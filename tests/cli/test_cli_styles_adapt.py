"""``streamfx styles add NAME --pairs DIR``: the few-shot adaptation of ``streamfx adapt`` (a few
steps on tiny weights, its progress bar named "adapt"), stored as a user style that ``streamfx
edit`` then runs with its delta; ``--lpips`` goes through as ``streamfx adapt --lpips`` does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from lpips_files import official_lpips_folder
from PIL import Image

from streamfx.backends.styles_catalog import load_style, user_styles_dir
from streamfx.cli.main import main


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path / "engines"))
    monkeypatch.setenv("STREAMFX_PROMPT_CACHE", str(tmp_path / "prompts"))
    monkeypatch.delenv("STREAMFX_STYLES", raising=False)
    return user_styles_dir()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    """Two (input, edited) pairs of 128 px gradients; the edit is a gold tint."""
    root = tmp_path_factory.mktemp("pairs")
    (root / "input").mkdir()
    (root / "edited").mkdir()
    yy, xx = np.mgrid[0:128, 0:128] / 128
    for i in range(2):
        base = np.stack([xx, yy, 0.5 + 0.5 * np.sin(6 * xx + i)], -1) * 0.8 + 0.1
        Image.fromarray((base * 255).astype(np.uint8)).save(root / "input" / f"{i}.png")
        gold = base * np.array([1.0, 0.8, 0.3])
        Image.fromarray((gold * 255).astype(np.uint8)).save(root / "edited" / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Tiny weights taking 128 px crops (the engines pool the 512 crop down)."""
    from streamfx.editor import PortraitEditor, get_preset

    cfg = get_preset("tiny")
    cfg.encoder.image_size = 128
    torch.manual_seed(0)
    return PortraitEditor(cfg).save_pretrained(tmp_path_factory.mktemp("base") / "w")


def test_add_from_pairs_adapts_and_edit_runs_it(
    pairs: Path, base: Path, tmp_path: Path, face_model, capsys
) -> None:
    from streamfx.backends.mesh.assets import astronaut
    from streamfx.training.adapt import adapt_names

    argv = ["styles", "add", "gold", "--pairs", str(pairs), "--base", str(base)]
    argv += ["--steps", "3", "--lr", "3e-3", "--strength", "0.9", "--description", "gilded"]
    assert main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert "adapted 3 steps" in captured.out and "loss" in captured.out
    assert "adapt:" in captured.err and "train:" not in captured.err  # the progress bar
    spec = load_style("gold")
    assert spec.folder == user_styles_dir() / "gold" and spec.delta is not None
    assert (spec.description, spec.defaults) == ("gilded", {"strength": 0.9})
    assert spec.source["kind"] == "adapted" and spec.source["steps"] == 3
    from safetensors import safe_open

    from streamfx.editor import PortraitEditor

    with safe_open(str(spec.delta), "pt") as fh:
        assert sorted(fh.keys()) == sorted(adapt_names(PortraitEditor.from_pretrained(base)))

    photo = tmp_path / "photo.png"
    Image.fromarray(astronaut()[0]).save(photo)
    out = tmp_path / "edited.png"
    argv = ["edit", str(photo), "-o", str(out), "--style", "gold", "--editor", "3dpe"]
    argv += ["--weights", str(base), "--no-progress"]
    assert main(argv) == 0, capsys.readouterr().err  # --engine auto: torch, for the delta
    printed = capsys.readouterr().out
    assert "controls: strength 0.9 (style gold)" in printed
    edited = np.asarray(Image.open(out).convert("RGB"))
    assert np.abs(edited.astype(int) - astronaut()[0].astype(int)).mean() > 1.0
    assert main(argv + ["--engine", "onnxruntime", "--force"]) == 2
    err = capsys.readouterr().err
    assert "style 'gold' has adapted weights" in err and "--engine torch" in err


def test_bad_pairs_commands_are_clear_and_write_nothing(
    pairs: Path, base: Path, tmp_path: Path, user_dir: Path, capsys
) -> None:
    ref = pairs / "edited" / "0.png"
    cases = [
        (["--pairs", str(pairs), "--reference", str(ref)], "exactly one of"),
        (["--pairs", str(pairs), "--teacher", str(base)], "--teacher and --portrait go with"),
        (["--reference", str(ref), "--base", str(base)], "--base goes with --pairs"),
        (["--reference", str(ref), "--lpips", str(tmp_path)], "--lpips goes with --pairs"),
        (
            ["--pairs", str(pairs), "--base", str(base), "--lpips", str(tmp_path / "nope")],
            f"{tmp_path / 'nope'}: no such file or folder",
        ),
        (["--pairs", str(tmp_path), "--base", str(base)], "input/ and edited/"),
        (["--pairs", str(pairs), "--base", str(tmp_path / "none")], "no 3DPE weights"),
        (["--pairs", str(pairs), "--base", str(base), "--strength", "2"], "strength"),
    ]
    for extra, message in cases:
        assert main(["styles", "add", "gold", *extra, "--steps", "1"]) == 2, extra
        assert message in capsys.readouterr().err, extra
    assert not user_dir.exists() or not any(user_dir.iterdir())
    assert main(["styles", "add", "gold", "--reference", str(ref)]) == 0
    before = (user_dir / "gold" / "style.toml").read_bytes()
    argv = ["styles", "add", "gold", "--pairs", str(pairs), "--base", str(base)]
    assert main(argv + ["--steps", "1"]) == 2  # refused before adapting: it exists
    assert "--force" in capsys.readouterr().err
    assert (user_dir / "gold" / "style.toml").read_bytes() == before


def test_lpips_goes_through_as_adapt_does(pairs: Path, base: Path, tmp_path: Path, capsys):
    """The same settings through ``styles add --pairs --lpips`` and ``adapt --lpips``: the same
    loss terms (LPIPS among them) and the same tuned tensors."""
    from safetensors.torch import load_file

    lpips = official_lpips_folder(tmp_path / "lpips")
    same = ["--base", str(base), "--lpips", str(lpips), "--steps", "1", "--seed", "42",
            "--batch", "1", "--no-progress"]  # fmt: skip
    assert main(["styles", "add", "gold", "--pairs", str(pairs), *same]) == 0
    via_styles = capsys.readouterr().out
    assert main(["adapt", "--pairs", str(pairs), "--name", "gold-a", *same]) == 0
    via_adapt = capsys.readouterr().out
    line = "loss terms: depth, image, lpips, raw, raw_lpips, tri (also at a random camera)"
    assert f"{line}\n" in via_styles and f"{line}\n" in via_adapt
    ours, theirs = load_style("gold"), load_style("gold-a")
    assert ours.delta is not None and theirs.delta is not None
    a, b = load_file(str(ours.delta)), load_file(str(theirs.delta))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
