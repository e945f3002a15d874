"""Volume rendering against analytic answers (no fixture): known density fields, alpha range,
determinism, batching and chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from streamfx.editor.render import RenderConfig, TriplaneRenderer
from streamfx.errors import InputError
from streamfx.geometry.camera import FOCAL_OFFICIAL, camera_from_angles

RES = 8


def _renderer(**overrides: object) -> TriplaneRenderer:
    kw: dict = {"neural_resolution": RES, "sr_input_resolution": RES, "sr_channels": (4,)}
    kw.update(overrides)
    torch.manual_seed(0)
    return TriplaneRenderer(RenderConfig(**kw)).eval()


def _set_fc(layer: torch.nn.Module, weight: torch.Tensor, bias: torch.Tensor) -> None:
    """Give an equalised-LR FC the *effective* weight/bias (stored weight = eff * sqrt(in))."""
    with torch.no_grad():
        layer.weight.copy_(weight * math.sqrt(weight.shape[1]))
        layer.bias.copy_(bias)


def _frontal(batch: int = 1) -> torch.Tensor:
    return torch.from_numpy(camera_from_angles(0.0, 0.0)).reshape(1, 25).repeat(batch, 1)


def _ray_norms() -> np.ndarray:
    """|(x-0.5)/f, (y-0.5)/f, 1| per pixel [RES,RES], from the pinhole model alone."""
    c = (np.arange(RES) + 0.5) / RES - 0.5
    return np.sqrt(1 + (c[:, None] / FOCAL_OFFICIAL) ** 2 + (c[None, :] / FOCAL_OFFICIAL) ** 2)


def test_opaque_slab_renders_its_depth() -> None:
    """Planes (x,z) and (z,x) hold a step in z: the half-space z < 0.125 is opaque."""
    r = _renderer(ray_start=2.0, ray_end=3.4, depth_resolution=64, depth_resolution_importance=64)
    planes = torch.zeros(1, 3, 32, 64, 64)
    z_centres = ((2 * torch.arange(64) + 1) / 64 - 1) / 2  # world z of texel centres
    inside = (z_centres < 0.125).float()
    planes[0, 1, 0] = inside[:, None]  # plane 1 samples (x, z): z indexes rows (H)
    planes[0, 2, 0] = inside[None, :]  # plane 2 samples (z, x): z indexes columns (W)
    hidden_w, hidden_b = torch.zeros(64, 32), torch.full((64,), -50.0)
    hidden_w[0, 0] = 150.0  # hidden0 = softplus(150*f0 - 50), f0 = 2/3 inside, 0 outside
    out_w, out_b = torch.zeros(33, 64), torch.zeros(33)
    out_w[0, 0], out_b[0] = 20.0, -30.0  # sigma ~ +970 inside, -30 outside
    _set_fc(r.decoder.net[0], hidden_w, hidden_b)
    _set_fc(r.decoder.net[2], out_w, out_b)
    with torch.no_grad():
        out = r.render_volume(planes, _frontal())
    expected = (2.7 - 0.125) * _ray_norms()
    depth = out["image_depth"][0, 0].numpy()
    np.testing.assert_allclose(depth, expected, atol=5e-3)
    assert out["alpha"].min() > 0.999


def test_uniform_medium_matches_beer_lambert() -> None:
    """Constant density rho over [start, end]: alpha = 1 - exp(-rho L), analytic mean depth."""
    r = _renderer(box_warp=4.0)
    rho, length, start = 1.5, 3.3 - 2.25, 2.25
    sigma = 1 + math.log(math.expm1(rho))  # softplus(sigma - 1) == rho
    colour_logit = torch.linspace(-2, 2, 32)
    _set_fc(r.decoder.net[2], torch.zeros(33, 64), torch.cat([torch.tensor([sigma]), colour_logit]))
    planes = torch.randn(1, 3, 32, 16, 16)  # irrelevant: the output layer ignores features
    with torch.no_grad():
        out = r.render_volume(planes, _frontal())
    alpha = 1 - math.exp(-rho * length)
    np.testing.assert_allclose(out["alpha"].numpy(), alpha, atol=1e-5)
    decay = math.exp(-rho * length)
    mean_depth = start + 1 / rho - length * decay / (1 - decay)
    np.testing.assert_allclose(out["image_depth"].numpy(), mean_depth, atol=1e-3)
    colour = torch.sigmoid(colour_logit) * 1.002 - 0.001
    expected = (2 * alpha * colour - 1).reshape(1, 32, 1, 1).expand(1, 32, RES, RES)
    np.testing.assert_allclose(out["feature_image"].numpy(), expected.numpy(), atol=1e-5)


def test_empty_space_gives_zero_alpha_and_far_depth() -> None:
    r = _renderer()
    _set_fc(r.decoder.net[2], torch.zeros(33, 64), torch.full((33,), -1e4))
    with torch.no_grad():
        out = r.render_volume(torch.randn(1, 3, 32, 16, 16), _frontal())
    assert torch.all(out["alpha"] == 0)
    assert torch.all(out["image_depth"] == 3.3)  # NaN -> inf -> clamped to the farthest sample


@pytest.mark.parametrize("scale", [0.1, 10.0, 1000.0])
def test_alpha_stays_in_unit_interval(scale: float) -> None:
    r = _renderer()
    with torch.no_grad():
        r.decoder.net[2].weight.mul_(scale)
        out = r(torch.randn(2, 96, 32, 32) * scale, _frontal(2))
    assert torch.isfinite(out["image"]).all() and torch.isfinite(out["image_depth"]).all()
    assert out["alpha"].min() >= 0 and out["alpha"].max() <= 1
    depth = out["image_depth"]
    assert depth.min() >= 2.25 and depth.max() <= 3.3


def test_deterministic_mode_is_bit_stable_and_random_mode_is_seeded() -> None:
    r = _renderer()
    tri, cam = torch.randn(1, 96, 32, 32), _frontal()
    with torch.no_grad():
        a, b = r(tri, cam), r(tri, cam)
        g1, g2, g3 = (torch.Generator().manual_seed(s) for s in (7, 7, 8))
        ra = r(tri, cam, deterministic=False, generator=g1)
        rb = r(tri, cam, deterministic=False, generator=g2)
        rc = r(tri, cam, deterministic=False, generator=g3)
    for key in a:
        assert torch.equal(a[key], b[key]), key
        assert torch.equal(ra[key], rb[key]), key
    assert not torch.equal(ra["image_raw"], rc["image_raw"])
    assert not torch.equal(ra["image_raw"], a["image_raw"])


def test_batch_and_chunking_do_not_change_results() -> None:
    r = _renderer()
    tri = torch.randn(2, 96, 32, 32)
    cam = torch.cat([_frontal(), torch.from_numpy(camera_from_angles(0.4, -0.2)).reshape(1, 25)])
    chunked = _renderer(ray_chunk=24)
    chunked.load_state_dict(r.state_dict())
    with torch.no_grad():
        both = r(tri, cam)
        single = [r(tri[i : i + 1], cam[i : i + 1]) for i in range(2)]
        pieces = chunked(tri, cam)
    for key, value in both.items():
        torch.testing.assert_close(value, torch.cat([s[key] for s in single]), atol=1e-5, rtol=0)
        torch.testing.assert_close(value, pieces[key], atol=1e-5, rtol=0)
    assert both["image"].shape == (2, 3, 2 * RES, 2 * RES)
    assert both["feature_image"].shape == (2, 32, RES, RES)


def test_bad_shapes_raise_input_error() -> None:
    r = _renderer()
    with pytest.raises(InputError, match=r"\[B,96,H,W\]"):
        r(torch.zeros(1, 95, 8, 8), _frontal())
    with pytest.raises(InputError, match=r"\[B,25\]"):
        r(torch.zeros(1, 96, 8, 8), torch.zeros(1, 16))
