"""The renderer's ops are export-friendly (PAPER §7.2): a small folded renderer exports to ONNX
opset 17 without searchsorted/cumprod/nan_to_num and onnxruntime reproduces it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from streamfx.editor.render import RenderConfig, TriplaneRenderer
from streamfx.geometry.camera import camera_from_angles

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


class _Outputs(torch.nn.Module):
    def __init__(self, renderer: TriplaneRenderer) -> None:
        super().__init__()
        self.renderer = renderer

    def forward(self, triplane: torch.Tensor, camera: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.renderer(triplane, camera)
        return out["image"], out["image_depth"], out["alpha"]


@pytest.mark.filterwarnings("ignore")
def test_folded_renderer_exports_to_onnx(tmp_path: Path) -> None:
    cfg = RenderConfig(neural_resolution=16, sr_input_resolution=16, sr_channels=(8, 4))
    torch.manual_seed(0)
    model = _Outputs(TriplaneRenderer(cfg).eval().fold_styles())
    tri = torch.randn(1, 96, 32, 32)
    cam = torch.from_numpy(camera_from_angles(0.2, 0.1))[None]
    path = tmp_path / "renderer.onnx"
    torch.onnx.export(model, (tri, cam), str(path), opset_version=17, dynamo=False)
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "GridSample" in ops and "CumSum" in ops
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(
        None, {session.get_inputs()[0].name: tri.numpy(), session.get_inputs()[1].name: cam.numpy()}
    )
    with torch.no_grad():
        expected = model(tri, cam)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b.numpy(), atol=1e-5)
