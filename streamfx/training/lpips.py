"""LPIPS v0.1 (Zhang et al. 2018, the ``lpips`` package) in plain torch, loading the official files.

The ``lpips`` package needs torchvision, and the torchvision wheels on the package index are CUDA
builds that fail to import beside a CPU torch; so the network is written out here: the
AlexNet (or VGG16) ``features`` stack in torchvision's layout and key names (``features.N.*``),
five taps after ReLUs, channel-wise unit normalisation, squared differences, the learned 1x1
heads in the ``lpips`` package's key names (``linK.model.1.weight``), a spatial mean and a sum.

Weights (no download here): ``load_lpips(path, net)`` takes a folder holding
- the heads: ``alex.pth`` / ``vgg.pth`` (the ``lpips`` package's ``lpips/weights/v0.1/``), and
- the backbone: torchvision's ImageNet file (``alexnet-owt-7be5be79.pth`` /
  ``vgg16-397923af.pth``, any ``alexnet*.pth`` / ``vgg16*.pth``),
or one file with both (an ``lpips.LPIPS().state_dict()``, keys ``net.sliceK.N.*`` + ``linK.*``,
or ours, keys ``features.N.*`` + ``linK.*``).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from streamfx.errors import ModelFileError

#: per net: the torchvision ``features`` layers up to the last tap ("M" = 2x2 max pool for VGG,
#: 3x3/2 for AlexNet; a tuple is a conv (in, out, kernel, stride, padding) followed by a ReLU),
#: and the indices of the ReLUs tapped
_ALEX = [(3, 64, 11, 4, 2), "M", (64, 192, 5, 1, 2), "M", (192, 384, 3, 1, 1),
         (384, 256, 3, 1, 1), (256, 256, 3, 1, 1)]  # fmt: skip
_VGG = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M", (128, 256), (256, 256),
        (256, 256), "M", (256, 512), (512, 512), (512, 512), "M", (512, 512), (512, 512),
        (512, 512)]  # fmt: skip
NETS = {
    "alex": {"layers": _ALEX, "taps": (1, 4, 7, 9, 11), "pool": 3, "min_size": 32,
             "backbone": "alexnet*.pth", "url": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"},
    "vgg": {"layers": _VGG, "taps": (3, 8, 15, 22, 29), "pool": 2, "min_size": 16,
            "backbone": "vgg16*.pth", "url": "https://download.pytorch.org/models/vgg16-397923af.pth"},
}  # fmt: skip
#: the ``lpips`` package's input scaling (inputs in [-1,1])
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)


class _Head(nn.Module):
    """A 1x1 conv to one channel, no bias; ``model.1`` as in the ``lpips`` package (its
    ``model.0`` is a dropout, inactive in eval mode)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Identity(), nn.Conv2d(channels, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class LPIPS(nn.Module):
    """Perceptual distance: ``lpips(x, y)`` with x, y [B,3,H,W] in [-1,1] -> [B]. Frozen."""

    def __init__(self, net: str = "alex") -> None:
        super().__init__()
        if net not in NETS:
            raise ValueError(f"LPIPS net: expected one of {sorted(NETS)}, got {net!r}")
        spec = NETS[net]
        self.net = net
        layers: list[nn.Module] = []
        channels = []
        for item in spec["layers"]:
            if item == "M":
                size = spec["pool"]
                layers.append(nn.MaxPool2d(size, 2))
                continue
            cin, cout, k, s, p = item if len(item) == 5 else (*item, 3, 1, 1)
            layers += [nn.Conv2d(cin, cout, k, s, p), nn.ReLU()]
        for i in spec["taps"]:
            channels.append(layers[i - 1].out_channels)
        self.features = nn.Sequential(*layers)
        self.taps = tuple(spec["taps"])
        self.min_size = int(spec["min_size"])
        for k, c in enumerate(channels):
            self.add_module(f"lin{k}", _Head(c))
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def _taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                out.append(x)
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] < self.min_size or x.shape[-2] < self.min_size:  # too small for the net
            size = (max(x.shape[-2], self.min_size), max(x.shape[-1], self.min_size))
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
            y = F.interpolate(y, size=size, mode="bilinear", align_corners=False)
        both = torch.cat([x, y]).sub(self.shift).div(self.scale)
        total = x.new_zeros(x.shape[0])
        for k, f in enumerate(self._taps(both)):
            f = f / (f.square().sum(1, keepdim=True).sqrt() + 1e-10)
            fx, fy = f.chunk(2)
            total = total + getattr(self, f"lin{k}")((fx - fy).square()).mean((1, 2, 3))
        return total


def lpips_files(path: str | Path, net: str = "alex") -> list[Path]:
    """The weight files ``path`` names for ``net``: [file] or [heads, backbone] in a folder.
    ModelFileError naming what is missing."""
    p = Path(path)
    spec = NETS[net]
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise ModelFileError(f"--lpips {p}: no such file or folder (LPIPS weights, see --help)")
    heads = p / f"{net}.pth"
    if not heads.is_file():
        raise ModelFileError(
            f"--lpips {p}: no {heads.name} in that folder (the LPIPS linear heads: the lpips "
            f"package's lpips/weights/v0.1/{heads.name})"
        )
    backbone = sorted(p.glob(spec["backbone"]))
    if not backbone:
        raise ModelFileError(
            f"--lpips {p}: no {spec['backbone']} in that folder (torchvision's ImageNet "
            f"{net} weights, {spec['url']})"
        )
    return [heads, backbone[0]]


def _state_dict(path: Path) -> dict[str, torch.Tensor]:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)  # official files: CUDA
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error
        raise ModelFileError(f"--lpips {path}: not a torch weights file ({exc})") from exc
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ModelFileError(f"--lpips {path}: expected a state dict, got {type(obj).__name__}")
    return obj


def _official_keys(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """torchvision (``features.N``) and lpips (``net.sliceK.N``, ``linK``) keys -> ours."""
    out = {}
    for k, v in sd.items():
        if k.startswith("net.slice"):  # lpips.LPIPS: net.slice2.3.weight == features.3.weight
            k = "features." + k.split(".", 2)[2]
        if k.startswith(("features.", "lin")):
            out[k] = v
    return out


def load_lpips(path: str | Path, net: str = "alex", device: str | torch.device = "cpu") -> LPIPS:
    """An ``LPIPS`` with the official weights from ``path`` (see the module docstring)."""
    model = LPIPS(net)
    files = lpips_files(path, net)
    sd: dict[str, torch.Tensor] = {}
    for f in files:
        sd.update(_official_keys(_state_dict(f)))
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    if missing:
        names = ", ".join(str(f) for f in files)
        raise ModelFileError(
            f"--lpips {names}: no {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''} "
            f"(expected LPIPS-{net}: torchvision features.N.* and lpips linK.model.1.weight "
            "keys; weights of another net?)"
        )
    for k, v in own.items():
        if tuple(sd[k].shape) != tuple(v.shape):
            raise ModelFileError(
                f"--lpips {path}: {k} has shape {tuple(sd[k].shape)}, expected {tuple(v.shape)} "
                f"(weights of another net than {net}?)"
            )
    model.load_state_dict({k: sd[k] for k in own})
    return model.to(device)
