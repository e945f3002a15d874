"""``TriplaneRenderer``: the frozen EG3D half of 3DPE (rays, triplane, decoder, marcher, SR)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from streamfx.editor.render.config import RenderConfig
from streamfx.editor.render.decoder import OSGDecoder
from streamfx.editor.render.importance import importance_depths, stratified_depths
from streamfx.editor.render.marcher import clamp_depth, march
from streamfx.editor.render.rays import sample_rays, split_camera
from streamfx.editor.render.superres import SuperResolution
from streamfx.editor.render.triplane import sample_triplane
from streamfx.errors import InputError


class TriplaneRenderer(nn.Module):
    """Volume-render a triplane at an EG3D camera, then super-resolve.

    State-dict keys are exactly the official ``renderer_state_dict`` (``const``,
    ``decoder.net.{0,2}.*``, ``superresolution.block{0,1}.*``); :meth:`fold_styles` adds only
    non-persistent buffers, so keys never change.
    """

    def __init__(self, config: RenderConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or RenderConfig()
        self.const = nn.Parameter(torch.randn(1, 1, cfg.w_dim))
        self.decoder = OSGDecoder(
            cfg.plane_channels, cfg.decoder_hidden, cfg.decoder_output_dim, cfg.decoder_lr_mul
        )
        self.superresolution = SuperResolution(
            in_ch=cfg.decoder_output_dim,
            channels=cfg.sr_channels,
            w_dim=cfg.w_dim,
            input_resolution=cfg.sr_input_resolution,
            img_ch=cfg.img_channels,
            antialias=cfg.sr_antialias,
        )

    # ----------------------------------------------------------------- styles
    def fold_styles(self) -> TriplaneRenderer:
        """Fold the constant style into plain SR conv weights (inference; idempotent).

        Recomputed from the current parameters on every call; :meth:`load_state_dict` refreshes
        an existing fold. Training should call :meth:`unfold_styles` so gradients reach
        ``const`` and the affines.
        """
        self.superresolution.fold_styles(self.const[:, 0])
        return self

    def unfold_styles(self) -> TriplaneRenderer:
        """Return to the unfolded (trainable) super-resolution path."""
        self.superresolution.unfold_styles()
        return self

    @property
    def folded(self) -> bool:
        """Whether the super-resolution runs on folded weights."""
        return self.superresolution.folded

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        """``nn.Module.load_state_dict``; re-folds the styles if they were folded."""
        was_folded = self.folded
        result = super().load_state_dict(state_dict, strict=strict, assign=assign)
        if was_folded:
            self.fold_styles()
        return result

    # ---------------------------------------------------------------- forward
    def forward(
        self,
        triplane: torch.Tensor,
        camera: torch.Tensor,
        deterministic: bool = True,
        generator: torch.Generator | None = None,
        return_sr_stages: bool = False,
    ) -> dict[str, torch.Tensor]:
        """Render ``triplane`` [B, 3*C, H, W] at ``camera`` [B, 25] (EG3D labels).

        Returns a dict: ``image`` [B,3,S,S] (S = config.image_resolution, 512),
        ``image_raw`` [B,3,R,R] (R = neural_resolution, 128), ``image_depth`` [B,1,R,R],
        ``feature_image`` [B,C,R,R] in [-1,1], ``alpha`` [B,1,R,R] (sum of the final ray
        weights, in [0,1]) and, with ``return_sr_stages``, ``sr_block{i}_rgb`` for every SR
        block but the last. ``deterministic`` uses the fixture's sampling convention; False
        draws the official random jitter / pdf samples from ``generator``.
        """
        planes = self._check(triplane, camera)
        raw = self.render_volume(planes, camera, deterministic, generator)
        w = None if self.folded else self.const[:, 0]
        images = self.superresolution(raw["image_raw"], raw["feature_image"], w)
        out = dict(raw, image=images[-1])
        if return_sr_stages:
            for i, img in enumerate(images[:-1]):
                out[f"sr_block{i}_rgb"] = img
        return out

    def _check(self, triplane: torch.Tensor, camera: torch.Tensor) -> torch.Tensor:
        c = self.config.plane_channels
        if triplane.ndim != 4 or triplane.shape[1] != 3 * c:
            raise InputError(f"triplane must be [B,{3 * c},H,W], got {tuple(triplane.shape)}")
        if camera.ndim != 2 or camera.shape != (triplane.shape[0], 25):
            raise InputError(
                f"camera must be [B,25] with B={triplane.shape[0]}, got {tuple(camera.shape)}"
            )
        return triplane.reshape(triplane.shape[0], 3, c, *triplane.shape[-2:])

    def render_volume(
        self,
        planes: torch.Tensor,
        camera: torch.Tensor,
        deterministic: bool = True,
        generator: torch.Generator | None = None,
        ray_chunk: int | None = None,
    ) -> dict[str, torch.Tensor]:
        """Volume rendering only: planes [B,3,C,H,W] -> image_raw, image_depth, feature_image,
        alpha (see :meth:`forward`). ``ray_chunk`` overrides ``config.ray_chunk`` (an execution
        setting: deterministic renders are the same for any chunk)."""
        cfg, res = self.config, self.config.neural_resolution
        # Rays, depths and points stay float32 whatever the triplane dtype.
        cam2world, intrinsics = split_camera(camera.to(planes.device, torch.float32))
        origins, dirs = sample_rays(cam2world, intrinsics, res)
        chunk = ray_chunk or cfg.ray_chunk or origins.shape[1]
        parts = [
            self._render_rays(
                planes, origins[:, i : i + chunk], dirs[:, i : i + chunk], deterministic, generator
            )
            for i in range(0, origins.shape[1], chunk)
        ]
        feats, depth, alpha, lo, hi = (list(t) for t in zip(*parts, strict=True))
        depth = clamp_depth(torch.cat(depth, 1), torch.stack(lo).min(), torch.stack(hi).max())
        b = planes.shape[0]

        def image(t: torch.Tensor) -> torch.Tensor:
            return t.permute(0, 2, 1).reshape(b, t.shape[-1], res, res).contiguous()

        feature_image = image(torch.cat(feats, 1))
        return {
            "image_raw": feature_image[:, : cfg.img_channels],
            "image_depth": image(depth),
            "feature_image": feature_image,
            "alpha": image(torch.cat(alpha, 1)),
        }

    def _render_rays(
        self,
        planes: torch.Tensor,
        origins: torch.Tensor,
        dirs: torch.Tensor,
        deterministic: bool,
        generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, ...]:
        """Two-pass render of rays [B,M,3] -> (features [B,M,C], depth [B,M,1] unclamped,
        alpha [B,M,1], min depth, max depth)."""
        cfg = self.config
        b, m, _ = origins.shape
        coarse = stratified_depths(
            b,
            m,
            cfg.ray_start,
            cfg.ray_end,
            cfg.depth_resolution,
            deterministic=deterministic,
            generator=generator,
            device=origins.device,
        )
        colors, sigmas = self.decode_samples(planes, origins, dirs, coarse)
        if cfg.depth_resolution_importance > 0:
            _, _, weights = march(colors, sigmas, coarse)
            fine = importance_depths(
                coarse,
                weights,
                cfg.depth_resolution_importance,
                deterministic=deterministic,
                generator=generator,
            )
            colors_f, sigmas_f = self.decode_samples(planes, origins, dirs, fine)
            depths = torch.cat([coarse, fine], dim=-2)
            order = torch.sort(depths, dim=-2).indices
            depths = torch.gather(depths, -2, order)
            colors = torch.gather(
                torch.cat([colors, colors_f], -2), -2, order.expand(-1, -1, -1, colors.shape[-1])
            )
            sigmas = torch.gather(torch.cat([sigmas, sigmas_f], -2), -2, order)
        else:
            depths = coarse
        feats, depth, weights = march(colors, sigmas, depths)
        return feats, depth, weights.sum(2), depths.min(), depths.max()

    def decode_samples(
        self, planes: torch.Tensor, origins: torch.Tensor, dirs: torch.Tensor, depths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode points o + z*d for depths [B,M,S,1] -> (colors [B,M,S,C], sigma [B,M,S,1])."""
        b, m, s, _ = depths.shape
        points = (origins.unsqueeze(-2) + depths * dirs.unsqueeze(-2)).reshape(b, -1, 3)
        sigma, rgb = self.decoder(sample_triplane(planes, points, self.config.box_warp))
        return rgb.reshape(b, m, s, -1), sigma.reshape(b, m, s, 1)
