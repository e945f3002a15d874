"""Fixtures for the engine tests: the tiny preset with deterministic random weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from streamfx.editor import PortraitEditor
from streamfx.geometry.camera import camera_from_angles


@pytest.fixture(scope="session")
def tiny_editor() -> PortraitEditor:
    """The tiny preset, seed 0, in inference state (treat as read-only)."""
    torch.manual_seed(0)
    return PortraitEditor("tiny")._ready()


@pytest.fixture(scope="session")
def tiny_weights(tiny_editor, tmp_path_factory) -> Path:
    """The same tiny editor saved as a weights folder."""
    return tiny_editor.save_pretrained(tmp_path_factory.mktemp("tiny-weights"))


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory) -> Path:
    """One engine cache for the session (exports are shared between tests)."""
    return tmp_path_factory.mktemp("engine-cache")


@pytest.fixture(scope="session")
def frame_inputs() -> dict[str, torch.Tensor]:
    """refs [1,3,224,224], images [3,3,512,512] in [-1,1], cameras [3,25] (distinct poses)."""
    g = torch.Generator().manual_seed(7)
    cams = [camera_from_angles(y, p) for y, p in ((0.0, 0.0), (0.3, -0.1), (-0.25, 0.15))]
    return {
        "refs": torch.randn(1, 3, 224, 224, generator=g),
        "images": torch.rand(3, 3, 512, 512, generator=g) * 2 - 1,
        "cameras": torch.stack([torch.from_numpy(c).float() for c in cams]),
    }


def rel_l2(got: torch.Tensor, want: torch.Tensor) -> float:
    """||got - want|| / ||want|| in float64."""
    got, want = got.double().cpu(), want.double().cpu()
    assert got.shape == want.shape, (got.shape, want.shape)
    return float((got - want).norm() / want.norm().clamp_min(1e-30))
