"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STREAMFX_SHARED", REPO.parent / "shared"))
PARITY = SHARED / "parity" / "3dpe"


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """The golden 3DPE fixture folder; tests using it skip cleanly when it is absent."""
    if not (PARITY / "keys.json").is_file():
        pytest.skip(f"3DPE parity fixture not found at {PARITY}")
    return PARITY


@pytest.fixture(scope="session")
def aligned_dir() -> Path:
    """Real EG3D-aligned crops from the official repo (tests only; never shipped)."""
    d = PARITY / "aligned"
    if not (d / "input.png").is_file():
        pytest.skip(f"aligned crops not found at {d}")
    return d


@pytest.fixture(scope="session")
def face_model() -> Path:
    """MediaPipe's face_landmarker.task through the model-file manager (``make test`` fetches
    it); tests using it skip cleanly when it cannot be had."""
    from streamfx.errors import ModelFileError
    from streamfx.modelfiles import ensure

    try:
        return Path(ensure("face_landmarker.task", progress=False))
    except ModelFileError as exc:
        pytest.skip(f"face model unavailable: {exc}")
