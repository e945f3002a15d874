"""DeepLabV3 decoder (smp 0.3.3 layout, BatchNorm removed): ASPP + 3x3 conv (``decoder.*``).

Key names follow smp 0.3.3: ``0.convs.{0..3}.0`` (1x1 and three dilated 3x3 branches),
``0.convs.4.1`` (image-pool branch), ``0.project.0`` (1x1 fuse), ``1`` (3x3 post conv).
Removed BatchNorms are kept as ``nn.Identity`` placeholders so the indices match.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _branch(cin: int, cout: int, dilation: int) -> nn.Sequential:
    k, pad = (1, 0) if dilation == 0 else (3, dilation)
    conv = nn.Conv2d(cin, cout, k, padding=pad, dilation=max(dilation, 1))
    return nn.Sequential(conv, nn.Identity(), nn.ReLU())


class ASPPPooling(nn.Sequential):
    """Global average pool -> 1x1 conv -> ReLU, broadcast back to the input size."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1), nn.Identity(), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,cin,H,W] -> [B,cout,H,W] (constant over space)."""
        size = x.shape[-2:]
        for mod in self:
            x = mod(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: 5 branches, concat, 1x1 projection, Dropout(0.5)."""

    def __init__(self, cin: int, cout: int, rates: tuple[int, ...] = (12, 24, 36)) -> None:
        super().__init__()
        branches = [_branch(cin, cout, 0)] + [_branch(cin, cout, r) for r in rates]
        self.convs = nn.ModuleList([*branches, ASPPPooling(cin, cout)])
        n = len(self.convs)
        self.project = nn.Sequential(
            nn.Conv2d(n * cout, cout, 1), nn.Identity(), nn.ReLU(), nn.Dropout(0.5)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,cin,H,W] -> [B,cout,H,W]."""
        return self.project(torch.cat([conv(x) for conv in self.convs], dim=1))


class DeepLabV3Decoder(nn.Sequential):
    """ASPP -> 3x3 conv -> (Identity) -> ReLU; [B,cin,H,W] -> [B,cout,H,W]."""

    def __init__(self, cin: int, cout: int = 256, rates: tuple[int, ...] = (12, 24, 36)) -> None:
        super().__init__(
            ASPP(cin, cout, rates), nn.Conv2d(cout, cout, 3, padding=1), nn.Identity(), nn.ReLU()
        )
