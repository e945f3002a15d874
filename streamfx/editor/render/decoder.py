"""EG3D OSG decoder: an equalised-learning-rate MLP from plane features to sigma + features."""

from __future__ import annotations

import math

import torch
import torch.nn as nn


class FullyConnectedLayer(nn.Module):
    """EG3D ``FullyConnectedLayer`` with a linear activation (keys ``weight``, ``bias``).

    The stored weight is unit-scale; at run time it is multiplied by ``lr_mul / sqrt(in)`` and
    the bias by ``lr_mul`` (equalised learning rate). A raw ``nn.Linear`` with the same tensors
    would be wrong by ``sqrt(in)``.
    """

    def __init__(
        self, in_features: int, out_features: int, lr_mul: float = 1.0, bias_init: float = 0.0
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)))
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.bias_gain = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [N, in] -> [N, out]."""
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias.to(x.dtype)
        if self.bias_gain != 1:
            b = b * self.bias_gain
        return torch.addmm(b.unsqueeze(0), x, w.t())


class OSGDecoder(nn.Module):
    """FC(C->hidden), Softplus, FC(hidden->1+out); keys ``net.0.*`` and ``net.2.*``.

    Output: sigma (raw, before the marcher's softplus(sigma-1)) and features
    ``sigmoid(raw)*1.002 - 0.001`` (the first 3 are the raw RGB).
    """

    def __init__(
        self, in_features: int = 32, hidden: int = 64, out_features: int = 32, lr_mul: float = 1.0
    ) -> None:
        super().__init__()
        self.net = nn.Sequential(
            FullyConnectedLayer(in_features, hidden, lr_mul=lr_mul),
            nn.Softplus(),
            FullyConnectedLayer(hidden, 1 + out_features, lr_mul=lr_mul),
        )

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """features [B, M, C] (already averaged over planes) -> (sigma [B,M,1], rgb [B,M,out])."""
        b, m, c = features.shape
        x = self.net(features.reshape(b * m, c)).reshape(b, m, -1)
        rgb = torch.sigmoid(x[..., 1:]) * (1 + 2 * 0.001) - 0.001
        return x[..., 0:1], rgb
