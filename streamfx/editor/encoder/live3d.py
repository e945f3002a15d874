"""The whole 3DPE encoder (official ``Live3DEditingEncoder``, LT mode) with official key names.

image [B,3,S,S] in [-1,1] (+ raw row/column index channels appended here) and prompt tokens
[B,Nk,d] -> triplane [B,planes,S/2,S/2]. Submodules, in checkpoint order: ``encoder`` (ResNet
stem..layer2), ``decoder`` (DeepLabV3 ASPP), ``F_encoder`` (E_low head), ``EHigh_encoder``,
``Final_encoder`` (E_t) and ``Ref_encoder`` (MAE prompt encoder + cross-attention).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from streamfx.editor.encoder.aspp import DeepLabV3Decoder
from streamfx.editor.encoder.e_high import EncoderEhigh
from streamfx.editor.encoder.e_low import EncoderF
from streamfx.editor.encoder.e_t import EncoderFinal
from streamfx.editor.encoder.prompt import EncoderRef
from streamfx.editor.encoder.resnet import ResNetLow


@dataclass
class EncoderConfig:
    """Widths and depths of the 3DPE encoder; the defaults are the paper network (LT mode)."""

    image_size: int = 512
    """Input crop side S; the triplane side is S/2."""
    resnet_widths: tuple[int, int] = (64, 128)
    """Channels of the ResNet stem/layer1 and of layer2."""
    resnet_blocks: tuple[int, int] = (3, 4)
    """BasicBlocks in layer1 and layer2 (ResNet-34)."""
    aspp_width: int = 256
    """Channels of the DeepLabV3 ASPP branches and output (F_low)."""
    aspp_rates: tuple[int, ...] = (12, 24, 36)
    """Dilations of the three 3x3 ASPP branches."""
    low_dim: int = 1024
    """Token width of the E_low SegFormer blocks (divisible by 4)."""
    low_heads: int = 4
    """Attention heads in the E_low blocks."""
    low_depth: int = 2
    """Number of E_low SegFormer blocks."""
    mlp_ratio: float = 2.0
    """Mix-FFN hidden width / token width (E_low and E_t)."""
    feat: int = 128
    """Channels of F, F_high and F_high' (at S/4)."""
    high_stem: int = 64
    """Channels after E_high's 7x7 stem conv."""
    high_convs: int = 5
    """3x3 feat->feat convs at the end of E_high."""
    query_width: int = 96
    """Channels of the prompt branch's ``pre_conv``."""
    mae: dict = field(
        default_factory=lambda: {
            "image_size": 224, "patch": 16, "dim": 768, "depth": 12, "heads": 12, "mlp_ratio": 4.0
        }
    )  # fmt: skip
    """MAE ViT prompt encoder: reference size, patch, width, depth, heads, MLP ratio."""
    fusion_dim: int = 1024
    """Token width of the E_t SegFormer block (divisible by 4)."""
    fusion_heads: int = 2
    """Attention heads in the E_t block."""
    fusion_sr: int = 2
    """Spatial-reduction ratio of the E_t block's keys/values."""
    head_width: int = 128
    """Channels of E_t's output convolutions."""
    planes: int = 96
    """Triplane channels (3 planes x 32 features)."""

    def to_dict(self) -> dict:
        """JSON-friendly dict (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> EncoderConfig:
        """Inverse of ``to_dict``; unknown fields raise ``TypeError``."""
        d = dict(d)
        for k in ("resnet_widths", "resnet_blocks", "aspp_rates"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


def add_trunk(module: nn.Module, c: EncoderConfig) -> None:
    """Give ``module`` the encoder's trunk under the official names: E_low (``encoder``,
    ``decoder``, ``F_encoder``), E_high (``EHigh_encoder``) and E_t (``Final_encoder``); all
    but the prompt branch (the Live3D-LT reconstructor has no more)."""
    module.encoder = ResNetLow(5, c.resnet_widths, c.resnet_blocks)
    module.decoder = DeepLabV3Decoder(c.resnet_widths[1], c.aspp_width, c.aspp_rates)
    module.F_encoder = EncoderF(
        c.aspp_width, c.low_dim, c.low_heads, c.low_depth, c.mlp_ratio, c.feat
    )
    module.EHigh_encoder = EncoderEhigh(5, c.high_stem, c.feat, c.high_convs)
    module.Final_encoder = EncoderFinal(
        2 * c.feat, c.fusion_dim, c.fusion_heads, c.fusion_sr, c.mlp_ratio, c.head_width,
        c.planes,
    )  # fmt: skip


class Live3DEditingEncoder(nn.Module):
    """E_low + E_high + prompt branch + E_t; ``forward(image, tokens) -> triplane``."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        c = config or EncoderConfig()
        self.config = c
        add_trunk(self, c)
        self.Ref_encoder = EncoderRef(c.feat, c.query_width, c.mae)
        self._coords: dict[tuple, torch.Tensor] = {}

    def with_coords(self, image: torch.Tensor) -> torch.Tensor:
        """[B,3,H,W] -> [B,5,H,W]: appends the raw row index (ch 3) and column index (ch 4)."""
        b, _, h, w = image.shape
        key = (h, w, image.device, image.dtype)
        grid = self._coords.get(key)
        if grid is None:
            rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
            grid = torch.stack([rows, cols]).to(image.device, image.dtype)[None]
            self._coords[key] = grid
        return torch.cat([image, grid.expand(b, -1, -1, -1)], dim=1)

    def encode_prompt(self, reference: torch.Tensor) -> torch.Tensor:
        """[B,3,224,224] ImageNet-normalised reference -> prompt tokens [B,197,768]."""
        return self.Ref_encoder.encode_prompt(reference)

    def e_low(self, x5: torch.Tensor) -> torch.Tensor:
        """[B,5,S,S] -> F [B,feat,S/4,S/4] (ResNet -> ASPP -> SegFormer head)."""
        return self.F_encoder(self.decoder(self.encoder(x5)))

    def forward(self, image: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """image [B,3,S,S] in [-1,1], tokens [B,Nk,d] -> triplane [B,planes,S/2,S/2]."""
        x5 = self.with_coords(image)
        f_low = self.e_low(x5)
        f_high = self.Ref_encoder(self.EHigh_encoder(x5), tokens)
        return self.Final_encoder(torch.cat([f_high, f_low], dim=1))
