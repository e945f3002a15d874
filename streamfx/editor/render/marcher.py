"""EG3D ``MipRayMarcher2``: midpoint-rule compositing with softplus(sigma - 1) density."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def exclusive_cumprod(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Product of the elements before each position along ``dim`` (1 at the first).

    Computed as exp(cumsum(log x)) so it exports to ONNX (which has no CumProd); ``x`` must be
    positive (the marcher feeds ``1 - alpha + 1e-10``).
    """
    logs = torch.log(x)
    first = torch.zeros_like(logs.narrow(dim, 0, 1))
    shifted = torch.cat([first, logs.narrow(dim, 0, logs.shape[dim] - 1)], dim=dim)
    return torch.exp(torch.cumsum(shifted, dim=dim))


def march(
    colors: torch.Tensor, densities: torch.Tensor, depths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Composite samples along each ray.

    Args:
        colors: [B, M, S, C] decoded features per sample.
        densities: [B, M, S, 1] raw sigma per sample.
        depths: [B, M, S, 1] sample depths, ascending along S.

    Returns:
        (composite [B,M,C] mapped by x*2-1, depth [B,M,1] *unclamped* with NaN -> +inf,
        weights [B,M,S-1,1]). Clamp the depth with :func:`clamp_depth`.
    """
    deltas = depths[:, :, 1:] - depths[:, :, :-1]
    colors_mid = (colors[:, :, :-1] + colors[:, :, 1:]) / 2
    densities_mid = (densities[:, :, :-1] + densities[:, :, 1:]) / 2
    depths_mid = (depths[:, :, :-1] + depths[:, :, 1:]) / 2
    density_delta = F.softplus(densities_mid - 1) * deltas
    alpha = 1 - torch.exp(-density_delta)
    weights = alpha * exclusive_cumprod(1 - alpha + 1e-10, dim=-2)
    composite = torch.sum(weights * colors_mid, -2)
    depth = torch.sum(weights * depths_mid, -2) / weights.sum(2)
    depth = torch.where(torch.isnan(depth), torch.full_like(depth, float("inf")), depth)
    return composite * 2 - 1, depth, weights


def clamp_depth(depth: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """EG3D clamps composite depth to the min/max of *all* sample depths of the batch."""
    return torch.minimum(torch.maximum(depth, lo), hi)
