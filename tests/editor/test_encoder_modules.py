"""Unit tests of the 3DPE encoder modules (no fixture needed unless stated)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from streamfx.editor.encoder.aspp import DeepLabV3Decoder
from streamfx.editor.encoder.e_high import EncoderEhigh
from streamfx.editor.encoder.e_low import EncoderF
from streamfx.editor.encoder.e_t import EncoderFinal
from streamfx.editor.encoder.live3d import EncoderConfig, Live3DEditingEncoder
from streamfx.editor.encoder.mae import MAEEncoder, sincos_pos_embed
from streamfx.editor.encoder.prompt import EncoderRef, cross_attention
from streamfx.editor.encoder.resnet import ResNetLow, unused_resnet_keys
from streamfx.editor.encoder.segformer import Block, OverlapPatchEmbed
from streamfx.editor.presets import get_preset

torch.set_num_threads(2)


def _tiny() -> EncoderConfig:
    return get_preset("tiny").encoder


def test_module_shapes_small_widths():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 64, 64, generator=g)
    assert ResNetLow(5, (8, 16), (1, 2))(x).shape == (2, 16, 8, 8)
    assert DeepLabV3Decoder(16, 12, (1, 2, 3)).eval()(torch.randn(2, 16, 8, 8)).shape == (
        2, 12, 8, 8,
    )  # fmt: skip
    assert EncoderF(12, 32, 2, 1, 2.0, 6)(torch.randn(2, 12, 8, 8)).shape == (2, 6, 16, 16)
    assert EncoderEhigh(5, 4, 6, 2)(x).shape == (2, 6, 16, 16)
    assert EncoderFinal(12, 32, 2, 2, 2.0, 8, 9)(torch.randn(2, 12, 16, 16)).shape == (
        2, 9, 32, 32,
    )  # fmt: skip
    emb, h, w = OverlapPatchEmbed(6, 16, 7, 4)(torch.randn(2, 6, 16, 16))
    assert (emb.shape, h, w) == ((2, 16, 16), 4, 4)


def test_block_sr_ratio_reduces_keys_but_keeps_tokens():
    blk = Block(16, 2, 2.0, sr_ratio=2)
    x = torch.randn(1, 64, 16)
    assert blk(x, 8, 8).shape == x.shape
    assert blk.attn.sr.weight.shape == (16, 16, 2, 2)


def test_cross_attention_is_projection_free_softmax_of_keys():
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(2, 5, 8, generator=g), torch.randn(2, 7, 8, generator=g)
    w = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(8), dim=-1)
    torch.testing.assert_close(cross_attention(q, k), w @ k)
    # every output row is a convex combination of the key rows: inside their bounding box
    out = cross_attention(q * 100, k)
    assert (out <= k.max(1, keepdim=True).values + 1e-5).all()


def test_prompt_branch_replaces_features_no_residual():
    ref = EncoderRef(8, 4, {"image_size": 32, "patch": 16, "dim": 16, "depth": 1, "heads": 2})
    f_high = torch.randn(1, 8, 16, 16)
    tokens = torch.randn(1, 5, 16)
    out = ref(f_high, tokens)
    assert out.shape == f_high.shape
    # identical tokens -> the attention returns that token at every query: the output no longer
    # depends on F_high (no residual) and is periodic with the two PixelShuffles' period 4
    same = ref(f_high, tokens[:, :1].expand(1, 5, 16))
    torch.testing.assert_close(same, ref(torch.randn(1, 8, 16, 16), tokens[:, :1].expand(1, 5, 16)))
    torch.testing.assert_close(same, same[..., :4, :4].repeat(1, 1, 4, 4))


def test_mae_returns_cls_plus_patches():
    mae = MAEEncoder(32, 16, 16, 1, 2, 2.0)
    assert mae(torch.randn(3, 3, 32, 32)).shape == (3, 5, 16)
    assert not mae.pos_embed.requires_grad


def test_sincos_table_matches_official(parity_dir):
    with np.load(parity_dir / "kept_official_tensors.npz") as z:
        official = z["encoder.Ref_encoder.mae_encoder.pos_embed"][0]
    ours = sincos_pos_embed(768, 14)
    assert ours.shape == official.shape
    assert np.abs(ours - official).max() <= 1e-6


def test_coordinate_channels_are_raw_row_then_column():
    enc = Live3DEditingEncoder(_tiny())
    x5 = enc.with_coords(torch.zeros(2, 3, 512, 512))
    assert x5.shape == (2, 5, 512, 512)
    assert x5[1, 3, 7, 300] == 7 and x5[1, 4, 7, 300] == 300
    assert x5[0, 3].max() == 511 and x5.dtype == torch.float32


def test_tiny_encoder_end_to_end_shapes_and_eval_determinism():
    enc = Live3DEditingEncoder(_tiny()).eval()
    img = torch.rand(1, 3, 512, 512) * 2 - 1
    with torch.no_grad():
        tokens = enc.encode_prompt(torch.randn(1, 3, 224, 224))
        tri = enc(img, tokens)
        again = enc(img, tokens)
        enc.train()
        noisy = enc(img, tokens)  # ASPP dropout active in train mode
    assert tokens.shape == (1, 197, 32)
    assert tri.shape == (1, 96, 256, 256)
    assert torch.equal(tri, again)
    assert not torch.equal(tri, noisy)


def test_official_key_names_and_order(parity_dir):
    """Our state_dict keys are exactly the official ones (minus the 40 unused), in order."""
    keys = json.loads((parity_dir / "keys.json").read_text())["encoder"]
    with torch.device("meta"):
        enc = Live3DEditingEncoder(EncoderConfig())
    ours = [(k, tuple(v.shape)) for k, v in enc.state_dict().items()]
    unused = unused_resnet_keys()
    official = [(e["key"], tuple(e["shape"])) for e in keys]
    assert ours == [(k, s) for k, s in official if k not in unused]
    assert {k: s for k, s in official if k in unused} == unused
    assert len(unused) == 40 and not any(e["used_in_forward"] for e in keys if e["key"] in unused)


@pytest.mark.parametrize("name", ["3dpe", "tiny"])
def test_encoder_config_round_trip(name):
    cfg = get_preset(name).encoder
    assert EncoderConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_editor_package_imports_lazily():
    """``import streamfx.editor`` and the camera maths must not pull in torch."""
    import subprocess
    import sys

    code = (
        "import sys, streamfx.geometry.camera, streamfx.editor as e;"
        "assert 'torch' not in sys.modules, 'torch imported eagerly';"
        "assert e.camera_from_angles(0.0, 0.0).shape == (25,);"
        "assert 'torch' not in sys.modules;"
        "e.EncoderConfig; assert 'torch' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
