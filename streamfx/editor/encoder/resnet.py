"""ResNet-34 stem, layer1 and layer2 without BatchNorm (Live3D / 3DPE ``encoder.*``).

The official encoder is smp's ``ResNetEncoder`` (torchvision ResNet-34, 5 input channels,
depth 3) with every BatchNorm replaced by Identity and a bias added to every conv. Only the
stem, ``layer1`` and ``layer2`` run; ``layer3``/``layer4`` exist in the checkpoint but are never
executed, so they are not built here (``unused_resnet_keys`` lists them for the importer).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Blocks per stage of ResNet-34 (layer1..layer4).
RESNET34_BLOCKS = (3, 4, 6, 3)


class BasicBlock(nn.Module):
    """3x3 conv -> ReLU -> 3x3 conv, plus identity (or 1x1 strided downsample), then ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,cin,H,W] -> [B,cout,H/stride,W/stride]."""
        idt = x if self.downsample is None else self.downsample(x)
        out = self.conv2(F.relu(self.conv1(x)))
        return F.relu(out + idt)


def _layer(cin: int, cout: int, blocks: int, stride: int) -> nn.Sequential:
    mods = [BasicBlock(cin, cout, stride)] + [BasicBlock(cout, cout) for _ in range(blocks - 1)]
    return nn.Sequential(*mods)


class ResNetLow(nn.Module):
    """Stem (7x7 s2 conv + ReLU), 3x3 s2 max-pool + ``layer1``, ``layer2``.

    Input [B,in_channels,H,W]; output the ``layer2`` features [B,width2,H/8,W/8].
    """

    def __init__(
        self,
        in_channels: int = 5,
        widths: tuple[int, int] = (64, 128),
        blocks: tuple[int, int] = (3, 4),
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, 2, 3)
        self.layer1 = _layer(widths[0], widths[0], blocks[0], 1)
        self.layer2 = _layer(widths[0], widths[1], blocks[1], 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,C,H,W] -> [B,width2,H/8,W/8]."""
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 3, 2, 1)
        return self.layer2(self.layer1(x))


def unused_resnet_keys(
    widths: tuple[int, int] = (64, 128), prefix: str = "encoder."
) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the never-executed ResNet-34 ``layer3``/``layer4`` tensors (40 keys).

    ``widths`` are the stem/layer2 widths; layer3 and layer4 double them like ResNet-34.
    """
    w = (widths[0], widths[1], 2 * widths[1], 4 * widths[1])
    out: dict[str, tuple[int, ...]] = {}
    for li in (2, 3):
        cin, cout = w[li - 1], w[li]
        for b in range(RESNET34_BLOCKS[li]):
            name = f"{prefix}layer{li + 1}.{b}."
            out[name + "conv1.weight"] = (cout, cin if b == 0 else cout, 3, 3)
            out[name + "conv1.bias"] = (cout,)
            out[name + "conv2.weight"] = (cout, cout, 3, 3)
            out[name + "conv2.bias"] = (cout,)
            if b == 0:
                out[name + "downsample.0.weight"] = (cout, cin, 1, 1)
                out[name + "downsample.0.bias"] = (cout,)
    return out
