"""A tiny dataset in the official layout: 4 inputs, two styles of edits (colour shifts)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def make_tiny_dataset(root: Path, n: int = 4, size: int = 512) -> Path:
    from streamfx.geometry.camera import camera_from_angles

    rng = np.random.default_rng(0)
    labels = []
    yy, xx = np.mgrid[0:size, 0:size] / size
    for style in ("", "_gold", "_ink"):
        (root / f"00000{style}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        base = np.stack([xx, yy, 0.5 + 0.5 * np.sin(6 * xx + i)], -1)
        base = base * 0.6 + 0.4 * rng.random((1, 1, 3))
        name = f"img{i:08d}.png"
        Image.fromarray((base * 255).astype(np.uint8)).save(root / "00000" / name)
        gold = base * np.array([1.0, 0.8, 0.3])
        Image.fromarray((gold * 255).astype(np.uint8)).save(root / "00000_gold" / name)
        ink = np.repeat(base.mean(-1, keepdims=True), 3, -1) ** 2
        Image.fromarray((ink * 255).astype(np.uint8)).save(root / "00000_ink" / name)
        cam = camera_from_angles(0.2 * (i - n / 2) / n, 0.0)
        labels.append([f"00000/{name}", [float(v) for v in np.asarray(cam).reshape(25)]])
    (root / "dataset.json").write_text(json.dumps({"labels": labels}))
    return root


@pytest.fixture(scope="session")
def tiny_dataset_maker():
    """``make_tiny_dataset(root, n, size)``."""
    return make_tiny_dataset
