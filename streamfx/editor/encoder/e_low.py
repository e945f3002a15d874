"""E_low's transformer head (``F_encoder``, official ``EncoderF`` in LT mode).

F_low [B,c,64,64] -> 7x7 s2 overlapping patch embed (c -> dim) -> ``depth`` SegFormer blocks
(sr_ratio 1) -> map [B,dim,32,32] -> PixelShuffle(2) -> bilinear x2 (align_corners=True)
-> 3x3 conv (dim/4 -> feat) -> LeakyReLU(0.01) -> 3x3 conv (feat -> feat): F [B,feat,128,128].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from streamfx.editor.encoder.segformer import Block, OverlapPatchEmbed, tokens_to_map


class EncoderF(nn.Module):
    """Transformer refinement of the DeepLab features; keys ``patchembed``, ``blocks``, ``net``."""

    def __init__(
        self,
        cin: int = 256,
        dim: int = 1024,
        heads: int = 4,
        depth: int = 2,
        mlp_ratio: float = 2.0,
        feat: int = 128,
    ) -> None:
        super().__init__()
        self.patchembed = OverlapPatchEmbed(cin, dim, patch=7, stride=2)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio, 1) for _ in range(depth)])
        self.net = nn.Sequential(
            nn.Conv2d(dim // 4, feat, 3, 1, 1), nn.LeakyReLU(0.01), nn.Conv2d(feat, feat, 3, 1, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,cin,H,W] -> [B,feat,2H,2W]."""
        x, h, w = self.patchembed(x)
        for blk in self.blocks:
            x = blk(x, h, w)
        x = F.pixel_shuffle(tokens_to_map(x, h, w), 2)
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        return self.net(x)
