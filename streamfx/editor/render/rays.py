"""EG3D ray sampler: one ray per pixel centre of a normalised-intrinsics pinhole camera."""

from __future__ import annotations

import torch

from streamfx.errors import InputError


def split_camera(camera: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split 25-number EG3D labels [B,25] into cam2world [B,4,4] and normalised K [B,3,3]."""
    if camera.ndim != 2 or camera.shape[1] != 25:
        raise InputError(f"camera must be a [B,25] EG3D label tensor, got {tuple(camera.shape)}")
    return camera[:, :16].reshape(-1, 4, 4), camera[:, 16:25].reshape(-1, 3, 3)


def sample_rays(
    cam2world: torch.Tensor, intrinsics: torch.Tensor, resolution: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ray origins and unit directions, both [B, resolution**2, 3], ray index = row*res + col.

    Same arithmetic as EG3D's ``RaySampler``: pixel (row v, col u) sits at normalised image
    coordinates ((u+0.5)/res, (v+0.5)/res), lifted with K (skew included) to z = 1 in camera
    space, moved to world space by cam2world, minus the origin, normalised.
    """
    n, m = cam2world.shape[0], resolution * resolution
    dev, dt = cam2world.device, cam2world.dtype
    origin = cam2world[:, :3, 3]
    fx, fy = intrinsics[:, 0, 0, None], intrinsics[:, 1, 1, None]
    cx, cy = intrinsics[:, 0, 2, None], intrinsics[:, 1, 2, None]
    sk = intrinsics[:, 0, 1, None]
    idx = torch.arange(resolution, dtype=dt, device=dev) * (1.0 / resolution) + (0.5 / resolution)
    y_cam = idx[:, None].expand(resolution, resolution).reshape(1, m)  # row
    x_cam = idx[None, :].expand(resolution, resolution).reshape(1, m)  # column
    z_cam = torch.ones((n, m), dtype=dt, device=dev)
    x_lift = (x_cam - cx + cy * sk / fy - sk * y_cam / fy) / fx * z_cam
    y_lift = (y_cam - cy) / fy * z_cam
    points = torch.stack((x_lift, y_lift, z_cam, torch.ones_like(z_cam)), dim=-1)
    world = torch.bmm(cam2world, points.permute(0, 2, 1)).permute(0, 2, 1)[:, :, :3]
    dirs = torch.nn.functional.normalize(world - origin[:, None, :], dim=2)
    return origin[:, None, :].expand(n, m, 3), dirs
