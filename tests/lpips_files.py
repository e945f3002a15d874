"""Random LPIPS weights saved as the official files, for the tests that load LPIPS: torchvision's
backbone (``features.N.*``, with a classifier the loader ignores) and the lpips package's heads
(``linK.model.1.weight``, non-negative as trained ones are)."""

from __future__ import annotations

from pathlib import Path

import torch

BACKBONES = {"alex": "alexnet-owt-7be5be79.pth", "vgg": "vgg16-397923af.pth"}


def save_official_lpips(folder: Path, net: str = "alex", seed: int = 3):
    """Write ``folder`` (created) with random ``net`` weights in the official layout; -> the
    ``streamfx.training.lpips.LPIPS`` network holding exactly those weights."""
    from streamfx.training.lpips import LPIPS

    torch.manual_seed(seed)
    model = LPIPS(net)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("lin"):
                param.abs_()
    sd = model.state_dict()
    folder.mkdir()
    backbone = {k: v for k, v in sd.items() if k.startswith("features.")}
    backbone["classifier.1.weight"] = torch.zeros(4, 9)
    torch.save(backbone, folder / BACKBONES[net])
    torch.save({k: v for k, v in sd.items() if k.startswith("lin")}, folder / f"{net}.pth")
    return model


def official_lpips_folder(folder: Path, net: str = "alex") -> Path:
    """``save_official_lpips`` for a test that only passes the folder on (``--lpips DIR``)."""
    save_official_lpips(folder, net)
    return folder
