"""Export-friendly sampling ops equal the official torch ops they replace."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from streamfx.editor.render.importance import sample_pdf, smooth_weights, stratified_depths
from streamfx.editor.render.marcher import exclusive_cumprod, march


def _official_sample_pdf(
    bins: torch.Tensor, weights: torch.Tensor, u: torch.Tensor
) -> torch.Tensor:
    """EG3D ``sample_pdf`` with ``searchsorted`` and in-place masking, given quantiles ``u``."""
    eps, (rays, k), n = 1e-5, weights.shape, u.shape[1]
    weights = weights + eps
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cat([torch.zeros_like(pdf[:, :1]), torch.cumsum(pdf, -1)], -1)
    inds = torch.searchsorted(cdf, u.contiguous(), right=True)
    below, above = torch.clamp_min(inds - 1, 0), torch.clamp_max(inds, k)
    sampled = torch.stack([below, above], -1).view(rays, 2 * n)
    cdf_g = torch.gather(cdf, 1, sampled).view(rays, n, 2)
    bins_g = torch.gather(bins, 1, sampled).view(rays, n, 2)
    denom = cdf_g[..., 1] - cdf_g[..., 0]
    denom[denom < eps] = 1
    return bins_g[..., 0] + (u - cdf_g[..., 0]) / denom * (bins_g[..., 1] - bins_g[..., 0])


def test_smooth_weights_equals_max_then_avg_pool() -> None:
    w = torch.rand(50, 47)
    w[:5] = 0  # all-empty rays too
    ref = F.max_pool1d(w.unsqueeze(1), 2, 1, padding=1)
    ref = F.avg_pool1d(ref, 2, 1).squeeze(1) + 0.01
    assert torch.equal(smooth_weights(w), ref[:, 1:-1])


def test_sample_pdf_matches_searchsorted_version() -> None:
    torch.manual_seed(0)
    bins = torch.sort(torch.rand(64, 47) * 3, dim=1).values
    weights = torch.rand(64, 45) ** 4
    weights[:4] = 0
    weights[4, 10] = 100.0  # a spike: many quantiles fall into one bin
    det = sample_pdf(bins, weights, 48)
    u = torch.linspace(0, 1, 48).expand(64, 48)
    torch.testing.assert_close(det, _official_sample_pdf(bins, weights, u), rtol=0, atol=1e-6)
    gen = torch.Generator().manual_seed(3)
    rnd = sample_pdf(bins, weights, 48, deterministic=False, generator=gen)
    u = torch.rand((64, 48), generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(rnd, _official_sample_pdf(bins, weights, u), rtol=0, atol=1e-6)
    assert torch.all(det[:, 1:] >= det[:, :-1])  # deterministic samples are ascending
    assert torch.all(det <= bins[:, 45:46])  # the last bin edge (index 46) is never reached


def test_stratified_depths() -> None:
    det = stratified_depths(2, 5, 2.25, 3.3, 48)
    assert det.shape == (2, 5, 48, 1)
    assert torch.equal(det[1, 4, :, 0], torch.linspace(2.25, 3.3, 48))
    rnd = stratified_depths(2, 5, 2.25, 3.3, 48, deterministic=False)
    jitter = rnd - det
    assert jitter.min() >= 0 and jitter.max() <= (3.3 - 2.25) / 47 + 1e-6 and jitter.std() > 0


def test_exclusive_cumprod_equals_shifted_cumprod() -> None:
    x = 1 - torch.rand(30, 96, 1) + 1e-10
    ref = torch.cumprod(torch.cat([torch.ones_like(x[:, :1]), x], -2), -2)[:, :-1]
    torch.testing.assert_close(exclusive_cumprod(x, dim=-2), ref, rtol=2e-5, atol=1e-7)


def test_march_weights_sum_to_one_minus_transmittance() -> None:
    depths = torch.linspace(2.0, 3.0, 20).reshape(1, 1, 20, 1).repeat(1, 4, 1, 1)
    sigma = torch.randn(1, 4, 20, 1) * 3
    colors = torch.rand(1, 4, 20, 5)
    composite, depth, weights = march(colors, sigma, depths)
    mid = (sigma[:, :, 1:] + sigma[:, :, :-1]) / 2
    optical = (F.softplus(mid - 1) * (depths[:, :, 1:] - depths[:, :, :-1])).sum(2)
    torch.testing.assert_close(weights.sum(2), 1 - torch.exp(-optical), rtol=0, atol=1e-5)
    assert composite.shape == (1, 4, 5) and depth.shape == (1, 4, 1)
    assert torch.all((depth >= 2.0) & (depth <= 3.0))
