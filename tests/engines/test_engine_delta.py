"""``Engine.with_delta``: the torch engine runs adapted tensors swapped into a network that shares
everything else with its own (channels_last included); engines with baked weights refuse."""

from __future__ import annotations

import pytest
import torch

from streamfx.engines import open_engine
from streamfx.engines.delta import read_delta, swap_parameters
from streamfx.errors import ConfigError, InputError


def _delta(editor, scale: float = 0.2) -> dict[str, torch.Tensor]:
    from streamfx.training.adapt import adapt_names

    params = dict(editor.named_parameters())
    g = torch.Generator().manual_seed(3)
    return {
        n: params[n].detach() + scale * torch.randn(params[n].shape, generator=g)
        for n in adapt_names(editor)
    }


@pytest.mark.parametrize("channels_last", [False, True])
def test_torch_variant_equals_a_network_with_the_delta_loaded(
    tiny_weights, frame_inputs, channels_last
) -> None:
    from streamfx.editor import PortraitEditor

    engine = open_engine(
        "torch", tiny_weights, device="cpu", warmup=False, channels_last=channels_last
    )
    before = {k: v.clone() for k, v in engine.editor.state_dict().items()}
    tensors = _delta(engine.editor)
    variant = engine.with_delta(tensors, "style x")
    assert "style x" in variant.label and variant.takes_delta
    refs, images = frame_inputs["refs"], frame_inputs["images"][:2]
    hand = PortraitEditor.from_pretrained(tiny_weights)
    with torch.no_grad():
        for name, p in hand.named_parameters():
            if name in tensors:
                p.copy_(tensors[name])
        want_tokens = hand.encode_prompt(refs)
        want_tri = hand.encode(images, want_tokens)
    tokens = variant.encode_prompt(refs)
    assert torch.allclose(tokens, want_tokens, atol=1e-5)
    assert torch.allclose(variant.encode(images, tokens), want_tri, atol=1e-4)
    base_tokens = engine.encode_prompt(refs)
    assert not torch.allclose(base_tokens, tokens, atol=1e-3)
    after = engine.editor.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the base is untouched


def test_a_misfit_delta_and_a_bad_file_are_input_errors(tiny_editor, tmp_path) -> None:
    with pytest.raises(InputError, match="encoder.nope"):
        swap_parameters(tiny_editor, {"encoder.nope": torch.zeros(1)}, "d.safetensors")
    name = next(n for n, _ in tiny_editor.named_parameters() if n.startswith("encoder."))
    with pytest.raises(InputError, match=rf"{name} has shape \(2, 2\)"):
        swap_parameters(tiny_editor, {name: torch.zeros(2, 2)}, "d.safetensors")
    bad = tmp_path / "delta.safetensors"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match="not a readable safetensors"):
        read_delta(bad)
    with pytest.raises(InputError, match="cannot be read"):
        read_delta(tmp_path / "missing.safetensors")


def test_onnxruntime_refuses_a_delta(tiny_weights, engine_cache) -> None:
    engine = open_engine(
        "onnxruntime", tiny_weights, device="cpu", cache_dir=engine_cache, warmup=False
    )
    assert not engine.takes_delta
    with pytest.raises(ConfigError, match="baked in.*--engine torch"):
        engine.with_delta({}, "style x")
    engine.close()
