"""Stratified and importance depth sampling of EG3D's ``ImportanceRenderer``.

Deterministic mode is the parity fixture's convention (README §3): coarse depths are exactly
``linspace(start, end, n)`` (the official jitter set to 0) and the inverse-CDF uses ``det=True``
(``u = linspace(0, 1, n)``). Random mode is the official inference/training behaviour. The ops
are export-friendly: compare-and-sum instead of ``searchsorted``, ``where`` instead of in-place
masking, shifted maxima instead of max/avg pooling (the same arithmetic).
"""

from __future__ import annotations

import torch


def stratified_depths(
    batch: int,
    rays: int,
    start: float,
    end: float,
    n: int,
    *,
    deterministic: bool = True,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Coarse depths [B, M, n, 1]: ``linspace(start, end, n)`` (+ U[0, bin) jitter if random)."""
    depths = torch.linspace(start, end, n, device=device).reshape(1, 1, n, 1)
    depths = depths.expand(batch, rays, n, 1)
    if deterministic:
        return depths
    delta = (end - start) / (n - 1)
    noise = torch.rand(depths.shape, generator=generator, device=depths.device)
    return depths + noise * delta


def smooth_weights(weights: torch.Tensor) -> torch.Tensor:
    """EG3D smoothing: max_pool1d(2,1,pad 1), avg_pool1d(2,1), +0.01, keep [1:-1].

    weights [R, S-1] (the coarse interval weights) -> [R, S-3]. Element i of the result is
    (max(w[i], w[i+1]) + max(w[i+1], w[i+2])) / 2 + 0.01: the pooled padding never reaches
    the kept elements, so no padding is needed.
    """
    left = torch.maximum(weights[:, :-2], weights[:, 1:-1])
    right = torch.maximum(weights[:, 1:-1], weights[:, 2:])
    return (left + right) / 2 + 0.01


def sample_pdf(
    bins: torch.Tensor,
    weights: torch.Tensor,
    n: int,
    *,
    deterministic: bool = True,
    generator: torch.Generator | None = None,
    eps: float = 1e-5,
) -> torch.Tensor:
    """EG3D/NeRF inverse-CDF sampling: bins [R, K+1] (or more), weights [R, K] -> [R, n].

    Only the first K+1 bin edges are reachable (the official quirk is kept). With
    ``deterministic`` the quantiles are ``linspace(0, 1, n)``, otherwise uniform random.
    """
    rays, k = weights.shape
    weights = weights + eps
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cat([torch.zeros_like(pdf[:, :1]), torch.cumsum(pdf, -1)], -1)  # [R, K+1]
    if deterministic:
        u = torch.linspace(0, 1, n, device=bins.device, dtype=cdf.dtype).expand(rays, n)
    else:
        u = torch.rand((rays, n), generator=generator, device=bins.device, dtype=cdf.dtype)
    # searchsorted(cdf, u, right=True) == number of cdf entries <= u (cdf is non-decreasing).
    inds = (cdf.unsqueeze(1) <= u.unsqueeze(2)).sum(-1)
    below = torch.clamp(inds - 1, min=0)
    above = torch.clamp(inds, max=k)
    cdf_lo, cdf_hi = torch.gather(cdf, 1, below), torch.gather(cdf, 1, above)
    bin_lo, bin_hi = torch.gather(bins, 1, below), torch.gather(bins, 1, above)
    denom = cdf_hi - cdf_lo
    denom = torch.where(denom < eps, torch.ones_like(denom), denom)
    return bin_lo + (u - cdf_lo) / denom * (bin_hi - bin_lo)


def importance_depths(
    depths: torch.Tensor,
    weights: torch.Tensor,
    n: int,
    *,
    deterministic: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Fine depths [B, M, n, 1] from coarse depths [B,M,S,1] and marcher weights [B,M,S-1,1]."""
    b, m, s, _ = depths.shape
    with torch.no_grad():
        z = depths.reshape(b * m, s)
        w = smooth_weights(weights.reshape(b * m, s - 1).float())
        mids = 0.5 * (z[:, :-1] + z[:, 1:])
        fine = sample_pdf(mids, w, n, deterministic=deterministic, generator=generator)
    return fine.reshape(b, m, n, 1)
