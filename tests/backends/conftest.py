"""Fixtures of the backend tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from streamfx.editor import PortraitEditor


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> Path:
    """A saved ``tiny`` 3DPE network with seeded random weights (a weights folder)."""
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("tiny3dpe")
    PortraitEditor("tiny").eval().save_pretrained(d)
    return d
