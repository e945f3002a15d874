"""Triplane feature lookup with EG3D's plane-projection quirk kept.

EG3D's ``generate_planes`` + ``project_onto_planes`` sample plane 0 at (x, y), plane 1 at
(x, z) and plane 2 at (z, x): the yz-plane is never used and plane 2 is a transposed xz-plane.
Released EG3D / Live3D / 3DPE weights depend on it, so it is reproduced exactly (the official
inverse-matrix product has only 0/1 entries, so plain indexing is bit-identical).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: (first, second) coordinate index sampled on each plane; grid[...,0] indexes width.
PLANE_AXES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (2, 0))


def project_points(points: torch.Tensor, box_warp: float) -> torch.Tensor:
    """World points [B,M,3] -> grid coordinates [B*3, 1, M, 2] in [-1,1] inside the box."""
    p = (2 / box_warp) * points
    grids = [torch.stack((p[..., a], p[..., b]), dim=-1) for a, b in PLANE_AXES]
    return torch.stack(grids, dim=1).flatten(0, 1).unsqueeze(1)


def sample_triplane(planes: torch.Tensor, points: torch.Tensor, box_warp: float) -> torch.Tensor:
    """Mean over the three planes of bilinear features at ``points``.

    Args:
        planes: [B, 3, C, H, W] (plane-major split of the [B, 3*C, H, W] triplane).
        points: [B, M, 3] world coordinates; the box [-box_warp/2, box_warp/2]^3 maps to the planes.

    Returns:
        [B, M, C] features (zeros outside the box: grid_sample zeros padding,
        align_corners=False).
    """
    b, n_planes, c, h, w = planes.shape
    grid = project_points(points, box_warp).to(planes.dtype)
    feats = F.grid_sample(
        planes.reshape(b * n_planes, c, h, w),
        grid,
        mode="bilinear",
        padding_mode="zeros",
        align_corners=False,
    )  # [B*3, C, 1, M]
    feats = feats.reshape(b, n_planes, c, -1)
    return feats.mean(dim=1).transpose(1, 2)
