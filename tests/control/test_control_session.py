"""The styles the live controls offer: the running editor's, and adapted ones (with a delta)
only where the engine can apply them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from streamfx.control.session import style_entries


@pytest.fixture
def adapted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A user 3DPE style ``bronzed`` with adapted weights, and a plain one ``plain``."""
    import torch
    from safetensors.torch import save_file

    from streamfx.styles_store import add_reference_style

    ref = tmp_path / "ref.png"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(ref)
    delta = tmp_path / "delta.safetensors"
    save_file({"encoder.Ref_encoder.w": torch.zeros(2)}, str(delta))
    root = tmp_path / "styles"
    monkeypatch.setenv("STREAMFX_STYLES", str(root))
    add_reference_style("bronzed", ref, delta=delta, root=root)
    add_reference_style("plain", ref, root=root)
    return "bronzed"


def test_adapted_styles_are_offered_only_where_they_run(adapted: str) -> None:
    torch_engine = {s.name for s in style_entries("3dpe", adapted=True)}
    exported = {s.name for s in style_entries("3dpe", adapted=False)}
    assert {adapted, "plain"} <= torch_engine
    assert "plain" in exported and adapted not in exported
    assert all(s.editor == "3dpe" for s in style_entries("3dpe"))
    assert adapted not in {s.name for s in style_entries("mesh")}
