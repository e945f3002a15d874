"""PortraitEditor API on the tiny preset: shapes, prompt cache, save/load, presets, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from streamfx.editor import PortraitEditor, camera_from_angles, get_preset  # noqa: E402
from streamfx.editor.presets import available_presets  # noqa: E402
from streamfx.errors import CheckpointError, ConfigError, InputError, ModelFileError  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def tiny() -> PortraitEditor:
    torch.manual_seed(0)
    return PortraitEditor("tiny").eval()


@pytest.fixture(scope="module")
def inputs():
    g = torch.Generator().manual_seed(3)
    image = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1
    reference = torch.randn(1, 3, 224, 224, generator=g)
    return image, reference


def test_unknown_preset_lists_available():
    with pytest.raises(ConfigError) as exc:
        get_preset("huge")
    for name in ("3dpe", "tiny"):
        assert name in str(exc.value)
    assert {"3dpe", "tiny"} <= set(available_presets())


def test_encode_and_render_shapes(tiny, inputs):
    image, reference = inputs
    with torch.inference_mode():
        tokens = tiny.encode_prompt(reference)
        tri = tiny.encode(image, tokens)
        out = tiny.render(tri, camera_from_angles(0.0, 0.0))
    assert tokens.shape == (1, 197, 32)
    assert tri.shape == (1, 96, 256, 256)
    n = tiny.config.render_config().neural_resolution
    assert out["image_raw"].shape == (1, 3, n, n)
    assert out["alpha"].shape == (1, 1, n, n)
    assert float(out["alpha"].min()) >= 0 and float(out["alpha"].max()) <= 1
    assert torch.isfinite(out["image"]).all()


def test_edit_matches_steps_and_is_deterministic(tiny, inputs):
    image, reference = inputs
    cam = torch.from_numpy(camera_from_angles(0.3, 0.0))[None]
    with torch.inference_mode():
        a = tiny.edit(image, reference, cam)
        b = tiny.edit(image, tiny.encode_prompt(reference), cam)
    assert torch.equal(a["image"], b["image"]) and torch.equal(a["triplane"], b["triplane"])


def test_shared_prompt_is_broadcast_over_the_batch(tiny, inputs):
    image, reference = inputs
    with torch.inference_mode():
        tokens = tiny.encode_prompt(reference)
        two = tiny.encode(torch.cat([image, image.flip(-1)]), tokens)
        one = tiny.encode(image.flip(-1), tokens)
    torch.testing.assert_close(two[1:], one, atol=1e-5, rtol=1e-5)


def test_prompt_cache_is_lru(inputs):
    editor = PortraitEditor("tiny").eval()
    editor.config.prompt_cache_size = 2
    _, ref = inputs
    t_a = editor.prompt_tokens_for("a", ref)
    assert editor.prompt_tokens_for("a", ref * 0) is t_a  # hit: the reference is not re-read
    editor.prompt_tokens_for("b", ref + 1)
    editor.prompt_tokens_for("a", ref)  # refresh a
    editor.prompt_tokens_for("c", ref - 1)  # evicts b
    assert list(editor._prompt_cache) == ["a", "c"]
    assert not t_a.requires_grad


def test_bad_inputs_raise_input_error(tiny, inputs):
    image, reference = inputs
    tokens = torch.zeros(1, 197, 32)
    with pytest.raises(InputError, match=r"\[B,3,224,224\]"):
        tiny.encode_prompt(reference[:, :, :200])
    with pytest.raises(InputError, match=r"\[B,3,512,512\]"):
        tiny.encode(image[:, :, :256], tokens)
    with pytest.raises(InputError, match="prompt tokens"):
        tiny.encode(image, torch.zeros(1, 197, 31))
    with pytest.raises(InputError, match="25"):
        tiny.render(torch.zeros(1, 96, 256, 256), torch.zeros(1, 16))


def test_save_load_round_trip_is_exact(tiny, inputs, tmp_path):
    image, reference = inputs
    tiny.save_pretrained(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["preset"] == "tiny" and cfg["format"] == "streamfx-3dpe-editor"
    assert not list((tmp_path / "m").glob("*.pt")) and not list((tmp_path / "m").glob("*.bin"))
    back = PortraitEditor.from_pretrained(tmp_path / "m")
    assert not back.training
    sa, sb = tiny.state_dict(), back.state_dict()
    assert list(sa) == list(sb)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    cam = camera_from_angles(0.0, 0.1)
    with torch.inference_mode():
        assert torch.equal(tiny.edit(image, reference, cam)["image"],
                           back.edit(image, reference, cam)["image"])  # fmt: skip


def test_from_pretrained_errors(tiny, tmp_path):
    with pytest.raises(ModelFileError, match="config.json"):
        PortraitEditor.from_pretrained(tmp_path / "nothing")
    d = tiny.save_pretrained(tmp_path / "m2")
    from safetensors.torch import load_file, save_file

    sd = load_file(str(d / "model.safetensors"))
    sd.pop("encoder.decoder.1.weight")
    save_file(sd, str(d / "model.safetensors"))
    with pytest.raises(CheckpointError, match=r"encoder\.decoder\.1\.weight \[16, 16, 3, 3\]"):
        PortraitEditor.from_pretrained(d)


def test_mismatched_plane_channels_is_a_config_error():
    cfg = get_preset("tiny")
    cfg.encoder.planes = 48
    with pytest.raises(ConfigError, match="triplane channels"):
        PortraitEditor(cfg)


def test_camera_numpy_and_batch_expansion(tiny):
    tri = torch.zeros(2, 96, 256, 256)
    with torch.inference_mode():
        out = tiny.render(tri, np.asarray(camera_from_angles(0.0, 0.0)))
    assert out["image"].shape[0] == 2
