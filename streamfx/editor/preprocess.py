"""Reference preprocessing matching the official conventions (torch, no torchvision).

- Input portrait: uint8 [H,W,3] RGB (an EG3D 512x512 crop) -> float32 [1,3,H,W] in [-1,1],
  exactly ``float32(k / 255) * 2 - 1`` like the official ``ToTensor`` then ``* 2 - 1``.
- Reference prompt: uint8 [H,W,3] RGB -> [1,3,224,224]: /255, bicubic resize to 224 with
  antialias (torchvision >= 0.17 tensor ``Resize``; the fixture's ``ref_mae``), then ImageNet
  normalisation. ``antialias=False`` reproduces the authors' torchvision 0.14 behaviour.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from streamfx.errors import InputError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
REFERENCE_SIZE = 224


def _check_rgb_uint8(image: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise InputError(
            f"{what} must be a uint8 RGB array [H,W,3], got dtype {arr.dtype} shape {arr.shape}"
        )
    return np.ascontiguousarray(arr)


def _to_unit(image: np.ndarray) -> torch.Tensor:
    """uint8 [H,W,3] -> float32 [1,3,H,W] in [0,1] (``ToTensor``)."""
    if not image.flags.writeable:  # torch warns on read-only arrays (e.g. from PyAV / PIL)
        image = image.copy()
    return torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 RGB [H,W,3] -> float32 [1,3,H,W] in [-1,1] (the encoder's input convention)."""
    return _to_unit(_check_rgb_uint8(image, "input image")) * 2 - 1


def normalize_imagenet(x: torch.Tensor) -> torch.Tensor:
    """[B,3,H,W] in [0,1] -> ImageNet-normalised (x - mean) / std."""
    mean = torch.tensor(IMAGENET_MEAN, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def reference_to_tensor(
    reference: np.ndarray, size: int = REFERENCE_SIZE, antialias: bool = True
) -> torch.Tensor:
    """uint8 RGB [H,W,3] prompt image -> float32 [1,3,size,size] for the MAE prompt encoder."""
    x = _to_unit(_check_rgb_uint8(reference, "reference image"))
    x = F.interpolate(
        x, size=(size, size), mode="bicubic", align_corners=False, antialias=antialias
    )
    return normalize_imagenet(x)
