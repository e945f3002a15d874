"""The four graphs every engine runs, as torch modules with fixed input/output names.

An edit is split where the product needs to step in (triplane smoothing and pose correction sit
between ``encoder`` and ``volume``) and where a stage is worth timing on its own:

==========  ==========================================  ===========================================
graph       inputs                                      outputs
==========  ==========================================  ===========================================
prompt      reference [B,3,224,224] ImageNet-normalised tokens [B,197,d]
encoder     image [B,3,512,512] in [-1,1], tokens       triplane [B,planes,T,T]
volume      triplane, camera [B,25]                     features [B,C,R,R], alpha [B,1,R,R],
                                                        depth [B,1,R,R]
superres    features [B,C,R,R]                          image [B,3,S,S] in about [-1,1]
==========  ==========================================  ===========================================

The torch engine calls these modules; the exporter writes exactly these modules to ONNX, so the
torch and ONNX paths cannot drift apart. Rendering is always deterministic (the fixture's
sampling): random sampling would put ``RandomUniformLike`` into the graph and change every frame.
A preset whose encoder takes smaller crops than 512 (``student``) has the 2x2 (or 4x4) box
down-sampling folded into the ``encoder`` graph, so every engine takes 512x512 crops.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: The crop side every engine's ``encode`` takes (the aligner's EG3D crop).
CROP_SIDE = 512

#: graph name -> (input names, output names), in call order.
GRAPH_IO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "prompt": (("reference",), ("tokens",)),
    "encoder": (("image", "tokens"), ("triplane",)),
    "volume": (("triplane", "camera"), ("features", "alpha", "depth")),
    "superres": (("features",), ("image",)),
}

GRAPH_NAMES: tuple[str, ...] = tuple(GRAPH_IO)


class PromptGraph(nn.Module):
    """reference [B,3,224,224] -> tokens [B,197,d] (the MAE prompt encoder)."""

    def __init__(self, editor) -> None:
        super().__init__()
        self.ref = editor.encoder.Ref_encoder

    def forward(self, reference: torch.Tensor) -> torch.Tensor:
        """[B,3,224,224] -> [B,197,d]."""
        return self.ref.encode_prompt(reference)


class EncoderGraph(nn.Module):
    """image [B,3,512,512] in [-1,1] + tokens [B,197,d] -> triplane [B,planes,T,T].

    When the preset's encoder side S is smaller than 512, the crop is box-averaged by 512/S
    first (an exact, export-friendly ``avg_pool2d``).
    """

    def __init__(self, editor) -> None:
        super().__init__()
        self.encoder = editor.encoder
        side = editor.config.encoder.image_size
        if CROP_SIDE % side:
            raise ValueError(f"encoder image_size {side} must divide the {CROP_SIDE} crop")
        self.pool = CROP_SIDE // side

    def forward(self, image: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """[B,3,512,512], [B,197,d] -> [B,planes,T,T]."""
        if self.pool > 1:
            image = F.avg_pool2d(image, self.pool)
        return self.encoder(image, tokens.to(image.dtype))


class VolumeGraph(nn.Module):
    """triplane [B,3C,T,T] + camera [B,25] -> (features [B,C',R,R], alpha, depth [B,1,R,R])."""

    def __init__(self, editor, ray_chunk: int | None = None) -> None:
        super().__init__()
        self.renderer = editor.renderer
        self.ray_chunk = ray_chunk

    def forward(
        self, triplane: torch.Tensor, camera: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Deterministic two-pass volume rendering (no super-resolution), ``ray_chunk`` rays
        at a time (None: all at once; the result is the same, the peak memory is not)."""
        c = self.renderer.config.plane_channels
        planes = triplane.reshape(triplane.shape[0], 3, c, *triplane.shape[-2:])
        raw = self.renderer.render_volume(planes, camera, True, ray_chunk=self.ray_chunk)
        return raw["feature_image"], raw["alpha"], raw["image_depth"]


class SuperResGraph(nn.Module):
    """features [B,C',R,R] -> image [B,3,S,S] (folded styles; the raw RGB is features[:, :3])."""

    def __init__(self, editor) -> None:
        super().__init__()
        self.renderer = editor.renderer

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """[B,C',R,R] -> [B,3,S,S]."""
        ren = self.renderer
        rgb = features[:, : ren.config.img_channels]
        w = None if ren.folded else ren.const[:, 0]
        return ren.superresolution(rgb, features, w)[-1]


def output_shapes(config: dict, batch: int) -> dict[str, tuple[int, ...]]:
    """Every graph output's exact shape for an editor config (``EditorConfig.to_dict()``) at
    ``batch``: what IO binding allocates (some exported output dims are symbolic)."""
    from streamfx.editor.presets import EditorConfig

    cfg = EditorConfig.from_dict(config)
    enc, ren = cfg.encoder, cfg.render_config()
    mae = enc.mae
    tokens = (mae["image_size"] // mae["patch"]) ** 2 + 1
    r, tri = ren.neural_resolution, enc.image_size // 2
    return {
        "tokens": (batch, tokens, mae["dim"]),
        "triplane": (batch, enc.planes, tri, tri),
        "features": (batch, ren.decoder_output_dim, r, r),
        "alpha": (batch, 1, r, r),
        "depth": (batch, 1, r, r),
        "image": (batch, ren.img_channels, ren.image_resolution, ren.image_resolution),
    }


def build_graphs(editor, ray_chunk: int | None = None) -> dict[str, nn.Module]:
    """graph name -> module sharing ``editor``'s parameters (eval mode, styles folded);
    ``ray_chunk``: rays per volume-rendering chunk (see :class:`VolumeGraph`)."""
    if not editor.renderer.folded:
        editor.renderer.fold_styles()
    editor.eval()
    return {
        "prompt": PromptGraph(editor),
        "encoder": EncoderGraph(editor),
        "volume": VolumeGraph(editor, ray_chunk),
        "superres": SuperResGraph(editor),
    }


def example_inputs(editor, batch: int = 2, seed: int = 0) -> dict[str, tuple[torch.Tensor, ...]]:
    """Fixed, deterministic inputs per graph (CPU, float32) for export and parity checks.

    image [B,3,512,512] uniform in [-1,1]; reference [B,3,224,224] normal; cameras at a few
    distinct yaw/pitch angles; tokens/triplane/features are computed from those by the graphs
    so that every graph sees realistic values.
    """
    from streamfx.geometry.camera import camera_from_angles

    g = torch.Generator().manual_seed(seed)
    ref_side = editor.config.encoder.mae["image_size"]
    image = torch.rand(batch, 3, CROP_SIDE, CROP_SIDE, generator=g) * 2 - 1
    reference = torch.randn(batch, 3, ref_side, ref_side, generator=g)
    cams = [camera_from_angles(0.25 * (i % 3 - 1), 0.1 * (i % 2)) for i in range(batch)]
    camera = torch.stack([torch.from_numpy(c).float() for c in cams])
    graphs = build_graphs(editor)
    with torch.no_grad():
        tokens = graphs["prompt"](reference)
        triplane = graphs["encoder"](image, tokens)
        features = graphs["volume"](triplane, camera)[0]
    return {
        "prompt": (reference,),
        "encoder": (image, tokens),
        "volume": (triplane, camera),
        "superres": (features,),
    }
