"""``streamfx.training.teachers``: the 2-D editor's batched call (a tiny InstructPix2Pix built
here, random weights), the settings check, and loading the Live3D-LT teacher."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.errors import ConfigError
from streamfx.styles_text import edit_image, load_teacher
from streamfx.training.teachers import (
    TeachOptions,
    edit_batch,
    is_live3d_folder,
    load_reconstructor,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_cli_styles_text import build_tiny_ip2p  # noqa: E402


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    return load_teacher(build_tiny_ip2p(tmp_path_factory.mktemp("ip2p") / "teacher"))


def _images(n: int, size: int = 32) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), np.uint8)) for _ in range(n)]


def _same(a: Image.Image, b: Image.Image) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b))


def test_one_crop_edits_as_a_text_style_does(pipe) -> None:
    """The batched call with one image is ``styles add --text``'s edit for the same seed."""
    (im,) = _images(1)
    (got,) = edit_batch(pipe, [im], "make it gold", [7], steps=2)
    assert _same(got, edit_image(pipe, im, "make it gold", seed=7, steps=2))


def test_other_pipelines_run_one_image_at_a_time(pipe) -> None:
    """A pipeline not known to batch independent edits gets one call per image, each with its
    own seed."""
    other_cls = type("SomeEditPipeline", (type(pipe),), {})
    other = other_cls(**pipe.components)
    other.set_progress_bar_config(disable=True)
    a, b = _images(2)
    got = edit_batch(other, [a, b], "make it gold", [1, 2], steps=2)
    assert _same(got[0], edit_image(pipe, a, "make it gold", seed=1, steps=2))
    assert _same(got[1], edit_image(pipe, b, "make it gold", seed=2, steps=2))
    assert not _same(got[0], edit_batch(other, [a], "make it gold", [2], steps=2)[0])


@pytest.mark.parametrize(
    ("opts", "needle"),
    [
        (dict(style="", text="x"), "--style"),
        (dict(style="a/b", text="x"), "style name"),
        (dict(style="gold", text="  "), "--text"),
        (dict(style="gold", text="x", batch=0), "--batch"),
        (dict(style="gold", text="x", size=0), "--size"),
    ],
)
def test_bad_settings_are_named(opts: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        TeachOptions(**opts).check()


def test_load_reconstructor_gives_a_frozen_teacher(tmp_path: Path) -> None:
    from streamfx.editor.live3d_lt import Live3DReconstructor

    torch.manual_seed(0)
    folder = Live3DReconstructor("tiny").save_pretrained(tmp_path / "lt")
    assert is_live3d_folder(folder) and not is_live3d_folder(tmp_path)
    teacher = load_reconstructor(folder)
    assert not teacher.training
    assert not any(p.requires_grad for p in teacher.parameters())
    with torch.no_grad():
        tri = teacher.reconstruct(torch.zeros(1, 3, 512, 512))
    assert tri.shape == (1, 96, 256, 256)
