"""The distillation loss terms (PAPER.md 4.3) and their weights.

Terms are named by what they compare; the multi-view copies carry an ``mv/`` prefix and the same
weight: ``tri`` (triplane L1), ``image``, ``raw``, ``depth``, ``feature`` (L1 on the renders),
``lpips`` and ``raw_lpips`` (LPIPS on the image and on the raw image), ``adv`` (the student's
adversarial term). A term whose weight is 0 is not computed.
"""

from __future__ import annotations

import sys
from typing import Any

import torch
import torch.nn.functional as F

from streamfx.training.config import TrainConfig


def term_weights(cfg: TrainConfig) -> dict[str, float]:
    """Each term's weight (by the term's name without the ``mv/`` prefix)."""
    return {"tri": cfg.tri_weight, "image": cfg.image_weight, "raw": cfg.raw_weight,
            "depth": cfg.depth_weight, "feature": cfg.feature_weight, "lpips": cfg.lpips_weight,
            "raw_lpips": cfg.lpips_weight, "adv": cfg.adv_weight}  # fmt: skip


def make_lpips(cfg: TrainConfig, device: torch.device, say: bool = True) -> Any:
    """The LPIPS network of ``cfg.lpips`` (ModelFileError naming a missing file), or None when
    none is given or its weight is 0; ``say``: print once on stderr that the term is off."""
    if cfg.lpips_weight == 0:
        return None
    if not cfg.lpips:
        if say:
            print(
                f"train: LPIPS term off (no --lpips weights given; the recipe weighs it "
                f"{cfg.lpips_weight})",
                file=sys.stderr,
            )
        return None
    from streamfx.training.lpips import load_lpips

    return load_lpips(cfg.lpips, cfg.lpips_net, device)


def match_size(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``x`` resized (bilinear) to the spatial size of ``like`` when it differs."""
    if x.shape[-2:] != like.shape[-2:]:
        x = F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)
    return x


def render_losses(
    student: dict, teacher: dict, weights: dict[str, float], lp: Any, prefix: str = ""
) -> dict[str, torch.Tensor]:
    """The L1 (and LPIPS) terms between two render dicts (teacher resized to the student's)."""
    out: dict[str, torch.Tensor] = {}
    keys = {"image": "image", "raw": "image_raw", "depth": "image_depth",
            "feature": "feature_image"}  # fmt: skip
    for name, key in keys.items():
        s, t = student[key], teacher[key]
        if weights[name] > 0 and s.shape[1] == t.shape[1]:  # feature channels may differ
            out[prefix + name] = F.l1_loss(s, match_size(t, s))
    if lp is not None:
        for name, key in (("lpips", "image"), ("raw_lpips", "image_raw")):
            s = student[key]
            out[prefix + name] = lp(s, match_size(teacher[key], s)).mean()
    return out


def total_loss(terms: dict[str, torch.Tensor], weights: dict[str, float]) -> torch.Tensor:
    """Weighted sum of the terms (weight by the name after any ``mv/`` prefix)."""
    return sum(weights[k.rsplit("/", 1)[-1]] * v for k, v in terms.items())  # type: ignore[return-value]
