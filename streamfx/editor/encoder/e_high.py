"""E_high (``EHigh_encoder``): a plain conv stack keeping high-frequency detail.

7x7 s2 conv (in -> stem), 3x3 s2 conv (stem -> feat), then ``n_convs`` 3x3 convs (feat -> feat),
LeakyReLU(0.01) between convs and none after the last. [B,in,H,W] -> [B,feat,H/4,W/4].
"""

from __future__ import annotations

import torch
from torch import nn


class EncoderEhigh(nn.Module):
    """Conv stack with keys ``net.0, net.2, ..., net.12`` (LeakyReLUs at the odd indices)."""

    def __init__(self, in_channels: int = 5, stem: int = 64, feat: int = 128, n_convs: int = 5):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, stem, 7, 2, 3), nn.LeakyReLU(0.01)]
        layers += [nn.Conv2d(stem, feat, 3, 2, 1)]
        for _ in range(n_convs):
            layers += [nn.LeakyReLU(0.01), nn.Conv2d(feat, feat, 3, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,in,H,W] -> [B,feat,H/4,W/4]."""
        return self.net(x)
