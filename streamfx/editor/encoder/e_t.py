"""E_t (``Final_encoder``, official ``EncoderFinal`` in LT mode): fusion to the triplane.

concat[F_high', F] [B,2*feat,128,128] -> 3x3 conv -> 7x7 s2 overlapping patch embed
(``pathembed``, sic) -> one SegFormer block (sr_ratio 2) -> PixelShuffle(2) -> ``output_net``:
3x3 conv, LReLU, bilinear x2 (align_corners=True), 3x3 conv, LReLU, 3x3, LReLU, 3x3, LReLU, 3x3
-> triplane [B,planes,256,256].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from streamfx.editor.encoder.segformer import Block, OverlapPatchEmbed, tokens_to_map


class Upsample2x(nn.Module):
    """Bilinear x2 with align_corners=True (``nn.UpsamplingBilinear2d``); no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,C,H,W] -> [B,C,2H,2W]."""
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)


class EncoderFinal(nn.Module):
    """Keys ``net.0``, ``pathembed``, ``block``, ``output_net.{0,3,5,7,9}``."""

    def __init__(
        self,
        cin: int = 256,
        dim: int = 1024,
        heads: int = 2,
        sr_ratio: int = 2,
        mlp_ratio: float = 2.0,
        hidden: int = 128,
        planes: int = 96,
    ) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(cin, cin, 3, 1, 1))
        self.pathembed = OverlapPatchEmbed(cin, dim, patch=7, stride=2)
        self.block = Block(dim, heads, mlp_ratio, sr_ratio)
        c = dim // 4
        act = nn.LeakyReLU(0.01)
        self.output_net = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1), act, Upsample2x(),
            nn.Conv2d(c, hidden, 3, 1, 1), act,
            nn.Conv2d(hidden, hidden, 3, 1, 1), act,
            nn.Conv2d(hidden, planes, 3, 1, 1), act,
            nn.Conv2d(planes, planes, 3, 1, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,cin,H,W] -> [B,planes,2H,2W]."""
        x, h, w = self.pathembed(self.net(x))
        x = F.pixel_shuffle(tokens_to_map(self.block(x, h, w), h, w), 2)
        return self.output_net(x)
