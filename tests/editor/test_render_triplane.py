"""Triplane lookup: EG3D's (x,y), (x,z), (z,x) projection, bilinear, zeros outside, plane mean."""

from __future__ import annotations

import pytest
import torch

from streamfx.editor.render.triplane import project_points, sample_triplane

SIZE = 16


def _texel(coord: torch.Tensor, box_warp: float) -> torch.Tensor:
    """Continuous texel index of a world coordinate (align_corners=False)."""
    g = coord * 2 / box_warp
    return ((g + 1) * SIZE - 1) / 2


@pytest.mark.parametrize("box_warp", [1.0, 2.0])
def test_each_plane_samples_its_eg3d_axes(box_warp: float) -> None:
    """Plane k holds its column index in channel 0 and its row index in channel 1."""
    points = (torch.rand(1, 50, 3) - 0.5) * 0.8 * box_warp
    x, y, z = points[0].unbind(-1)
    expected_axes = {0: (x, y), 1: (x, z), 2: (z, x)}  # (width, height) coordinates
    ramp = torch.arange(SIZE, dtype=torch.float32)
    for plane, (u, v) in expected_axes.items():
        planes = torch.zeros(1, 3, 2, SIZE, SIZE)
        planes[0, plane, 0] = ramp[None, :]
        planes[0, plane, 1] = ramp[:, None]
        feats = sample_triplane(planes, points, box_warp)[0]
        inside = (_texel(u, box_warp) >= 0) & (_texel(u, box_warp) <= SIZE - 1)
        inside &= (_texel(v, box_warp) >= 0) & (_texel(v, box_warp) <= SIZE - 1)
        torch.testing.assert_close(feats[inside, 0], _texel(u, box_warp)[inside] / 3)
        torch.testing.assert_close(feats[inside, 1], _texel(v, box_warp)[inside] / 3)


def test_mean_over_planes_and_zeros_outside_the_box() -> None:
    planes = torch.stack([torch.full((4, 8, 8), float(k + 1)) for k in range(3)])[None]
    centre = sample_triplane(planes, torch.zeros(1, 1, 3), 1.0)
    torch.testing.assert_close(centre, torch.full((1, 1, 4), 2.0))
    outside = sample_triplane(planes, torch.tensor([[[0.0, 0.0, 0.75]]]), 1.0)
    # z = 0.75 is outside: planes (x,z) and (z,x) give 0, plane (x,y) still gives 1.
    torch.testing.assert_close(outside, torch.full((1, 1, 4), 1 / 3))


def test_project_points_layout() -> None:
    pts = torch.tensor([[[0.1, 0.2, 0.3]]])
    grid = project_points(pts, 1.0)
    assert grid.shape == (3, 1, 1, 2)
    expected = torch.tensor([[0.2, 0.4], [0.2, 0.6], [0.6, 0.2]])
    torch.testing.assert_close(grid[:, 0, 0], expected)
