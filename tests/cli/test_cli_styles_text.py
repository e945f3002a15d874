"""``streamfx styles add NAME --text ... --teacher DIR``: a tiny InstructPix2Pix pipeline built
here from config with random weights (no download) edits the portrait; the style then runs in
``streamfx edit --editor 3dpe`` on tiny saved weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.backends.styles_catalog import load_style, user_styles_dir
from streamfx.cli.main import main


def _clip_tokenizer_files(folder: Path) -> dict[str, int]:
    """A byte-level CLIP BPE vocabulary without merges (every byte, alone and word-final)."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    chars = [chr(c) for c in cs]
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars])}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    folder.mkdir(parents=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return vocab


def build_tiny_ip2p(folder: Path) -> Path:
    """A StableDiffusionInstructPix2PixPipeline with minimal sizes, saved to ``folder``."""
    from diffusers import (
        AutoencoderKL,
        PNDMScheduler,
        StableDiffusionInstructPix2PixPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = _clip_tokenizer_files(folder.parent / "tokenizer-files")
    tok = CLIPTokenizer(
        str(folder.parent / "tokenizer-files" / "vocab.json"),
        str(folder.parent / "tokenizer-files" / "merges.txt"),
        model_max_length=16,
    )
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=8,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=4,
        attention_head_dim=2,
    )
    vae = AutoencoderKL(
        block_out_channels=[8, 16],
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        norm_num_groups=4,
        layers_per_block=1,
    )
    eos = vocab["<|endoftext|>"]
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=vocab["<|startoftext|>"],
            eos_token_id=eos,
            pad_token_id=eos,
            hidden_size=16,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=1,
            vocab_size=len(vocab),
            max_position_embeddings=16,
            projection_dim=16,
        )
    )
    pipe = StableDiffusionInstructPix2PixPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tok,
        unet=unet,
        scheduler=PNDMScheduler(skip_prk_steps=True),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Path:
    return build_tiny_ip2p(tmp_path_factory.mktemp("ip2p") / "teacher")


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path / "engines"))
    monkeypatch.delenv("STREAMFX_STYLES", raising=False)
    return user_styles_dir()


def test_text_style_runs_in_edit_with_3dpe(teacher: Path, tmp_path: Path, face_model, capsys):
    argv = ["styles", "add", "gold", "--text", "make it gold", "--teacher", str(teacher)]
    argv += ["--size", "64", "--steps", "2", "--candidates", "2", "--pick", "2", "--seed", "5"]
    assert main(argv) == 0
    spec = load_style("gold")
    assert spec.editor == "3dpe" and spec.reference.is_file()
    src = spec.source
    assert (src["kind"], src["text"], src["seed"], src["pick"]) == ("text", "make it gold", 6, 2)
    assert src["pipeline"] == "StableDiffusionInstructPix2PixPipeline"
    assert src["teacher"] == str(teacher.resolve()) and src["guidance_scale"] == 7.5
    cands = spec.folder / "candidates"
    assert Image.open(cands / "contact_sheet.png").size == (512, 280)
    ref = np.asarray(Image.open(spec.reference))
    assert ref.shape == (64, 64, 3)
    np.testing.assert_array_equal(ref, np.asarray(Image.open(cands / "2.png")))
    assert not np.array_equal(ref, np.asarray(Image.open(cands / "1.png")))  # seeds differ
    assert "contact_sheet.png" in capsys.readouterr().out

    from streamfx.backends.mesh.assets import astronaut
    from streamfx.editor import PortraitEditor

    torch.manual_seed(0)
    weights = PortraitEditor("tiny").eval().save_pretrained(tmp_path / "w")
    photo = tmp_path / "photo.png"
    Image.fromarray(astronaut()[0]).save(photo)
    out = tmp_path / "edited.png"
    argv = ["edit", str(photo), "-o", str(out), "--style", "gold", "--editor", "3dpe"]
    argv += ["--weights", str(weights), "--engine", "torch", "--no-progress"]
    assert main(argv) == 0, capsys.readouterr().err
    edited = np.asarray(Image.open(out).convert("RGB"))
    assert edited.shape == (512, 512, 3)
    assert np.abs(edited.astype(int) - astronaut()[0].astype(int)).mean() > 1.0  # edited


def test_no_teacher_is_one_message_naming_the_download(user_dir: Path, capsys) -> None:
    assert main(["styles", "add", "gold", "--text", "make it gold"]) == 2
    err = capsys.readouterr().err
    assert "timbrooks/instruct-pix2pix" in err and "--local-dir" in err and "--teacher" in err
    assert not user_dir.exists() or not any(user_dir.iterdir())


def test_teacher_that_is_not_an_edit_pipeline(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "sd"
    folder.mkdir()
    (folder / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    assert main(["styles", "add", "g", "--text", "x", "--teacher", str(folder)]) == 2
    assert "not an image-editing pipeline" in capsys.readouterr().err
