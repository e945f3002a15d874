"""The network against the in-repo golden slice of the ``tiny`` preset (no ``../shared``
needed): deterministic weights and inputs, outputs recorded from the parity-checked code."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).with_name("golden")))
from tiny_golden import GOLDEN, tiny_outputs  # noqa: E402


@pytest.fixture(scope="module")
def outputs() -> dict[str, np.ndarray]:
    return tiny_outputs()


@pytest.mark.parametrize("name", ["tokens", "triplane", "image", "image_raw", "alpha", "depth"])
def test_tiny_preset_matches_its_golden_slice(outputs, name: str) -> None:
    with np.load(GOLDEN) as golden:
        want = golden[name]
    got = outputs[name]
    assert got.shape == want.shape
    scale = float(np.abs(want).max()) or 1.0
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale, err_msg=name)


def test_the_golden_slice_is_not_degenerate(outputs) -> None:
    # a golden of zeros or of one repeated value would pass for many broken networks
    for name in ("tokens", "triplane", "image"):
        assert float(np.std(outputs[name])) > 1e-3, name
