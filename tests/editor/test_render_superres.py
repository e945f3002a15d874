"""Super-resolution pieces: FIR up-sampling, modulation maths, folding the constant style."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from streamfx.editor.render import RenderConfig, TriplaneRenderer
from streamfx.editor.render.superres import SuperResolution, SynthesisLayer, fir_filter, upsample2d


def _small_sr() -> SuperResolution:
    torch.manual_seed(0)
    sr = SuperResolution(in_ch=6, channels=(8, 4), w_dim=16, input_resolution=8)
    with torch.no_grad():  # non-trivial biases so a missing bias would show
        for p in sr.parameters():
            if p.ndim == 1:
                p.normal_()
    return sr


def test_fir_filter_is_normalised_binomial() -> None:
    f = fir_filter()
    assert f.shape == (4, 4) and torch.isclose(f.sum(), torch.tensor(1.0))
    assert torch.equal(f, f.flip(0)) and torch.equal(f, f.t())
    assert f[1, 1] == 9 / 64 and f[0, 0] == 1 / 64


def test_upsample2d_equals_transposed_fir_conv() -> None:
    """Zero-insert + pad(2,1) + FIR*4 == a stride-2 transposed conv with the 4x4 filter * 4."""
    x = torch.randn(2, 3, 7, 5)
    kernel = (fir_filter() * 4).expand(3, 1, 4, 4)
    ref = F.conv_transpose2d(x, kernel, stride=2, padding=1, groups=3)
    torch.testing.assert_close(upsample2d(x, fir_filter(), 3), ref, rtol=0, atol=1e-6)
    flat = upsample2d(torch.ones(1, 1, 6, 6), fir_filter(), 1)
    torch.testing.assert_close(flat[..., 2:-2, 2:-2], torch.ones(1, 1, 8, 8))


def test_demodulated_weight_has_unit_norm() -> None:
    layer = SynthesisLayer(5, 7, w_dim=16, resolution=8)
    wt = layer.modulated_weight(torch.randn(1, 16))
    torch.testing.assert_close(wt.square().sum(dim=[1, 2, 3]), torch.ones(7), rtol=1e-5, atol=0)


@pytest.mark.parametrize("up", [1, 2])
def test_synthesis_layer_shapes(up: int) -> None:
    layer = SynthesisLayer(5, 7, w_dim=16, resolution=8 * up, up=up)
    y = layer(torch.randn(2, 5, 8, 8), torch.randn(1, 16))
    assert y.shape == (2, 7, 8 * up, 8 * up)


def test_folded_equals_unfolded_and_keys_are_unchanged() -> None:
    sr = _small_sr()
    rgb, x, w = torch.randn(2, 3, 8, 8), torch.randn(2, 6, 8, 8), torch.randn(1, 16)
    keys = list(sr.state_dict())
    unfolded = sr(rgb, x, w)
    sr.fold_styles(w)
    assert sr.folded and list(sr.state_dict()) == keys
    folded = sr(rgb, x, None)
    sr.fold_styles(w)  # idempotent
    again = sr(rgb, x, None)
    assert [t.shape for t in unfolded] == [(2, 3, 16, 16), (2, 3, 32, 32)]
    for a, b, c in zip(unfolded, folded, again, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
        assert torch.equal(b, c)
    sr.unfold_styles()
    assert not sr.folded


def test_unfolded_renderer_trains_const_and_fold_follows_loads() -> None:
    cfg = RenderConfig(neural_resolution=8, sr_input_resolution=8, sr_channels=(4,), w_dim=16)
    torch.manual_seed(0)
    r = TriplaneRenderer(cfg)
    cam = torch.tensor(
        [
            [1.0, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 2.7, 0, 0, 0, 1]
            + [4.26, 0, 0.5, 0, 4.26, 0.5, 0, 0, 1]
        ]
    )
    tri = torch.randn(1, 96, 16, 16)
    r(tri, cam)["image"].square().mean().backward()
    assert r.const.grad is not None and r.const.grad.abs().sum() > 0
    r.fold_styles()
    before = r(tri, cam)["image"].detach()
    other = TriplaneRenderer(cfg).state_dict()  # different random weights
    r.load_state_dict(other)
    assert r.folded
    fresh = TriplaneRenderer(cfg)
    fresh.load_state_dict(other)
    after, expected = r(tri, cam)["image"], fresh(tri, cam)["image"]
    torch.testing.assert_close(after, expected, rtol=0, atol=1e-5)
    assert not torch.allclose(after, before)
