"""3DPE prompt branch ``Ref_encoder``: MAE tokens fused into E_high features by cross-attention.

Queries come from the E_high features (3x3 ``pre_conv`` -> 7x7 stride-4 overlapping patch
embedding -> LayerNorm); keys and values are both the MAE tokens. The attention is single-head,
has no learned projections and no residual: out = softmax(Q K^T / sqrt(d)) K. The [B,32*32,d]
result is folded back to E_high's shape by PixelShuffle(2) -> 1x1 ``proj_tail`` -> PixelShuffle(2).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from streamfx.editor.encoder.mae import MAEEncoder
from streamfx.editor.encoder.segformer import OverlapPatchEmbed, tokens_to_map


def cross_attention(queries: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """softmax(Q K^T / sqrt(d)) K with K = V = ``tokens``; [B,Nq,d] x [B,Nk,d] -> [B,Nq,d]."""
    scale = 1.0 / math.sqrt(queries.shape[-1])
    attn = torch.softmax((queries @ tokens.transpose(-2, -1)) * scale, dim=-1)
    return attn @ tokens


class EncoderRef(nn.Module):
    """Prompt encoder + cross-attention; replaces F_high [B,feat,h,w] by prompt-driven features."""

    def __init__(
        self,
        feat: int = 128,
        query_width: int = 96,
        mae: dict | None = None,
    ) -> None:
        super().__init__()
        self.mae_encoder = MAEEncoder(**(mae or {}))
        dim = self.mae_encoder.cls_token.shape[-1]
        if dim % 4:
            raise ValueError(f"MAE width must be divisible by 4 for PixelShuffle(2), got {dim}")
        self.pre_conv = nn.Conv2d(feat, query_width, 3, 1, 1)
        self.patch_emb = OverlapPatchEmbed(query_width, dim, patch=7, stride=4)
        self.proj_tail = nn.Conv2d(dim // 4, 4 * feat, 1, bias=False)

    def encode_prompt(self, reference: torch.Tensor) -> torch.Tensor:
        """[B,3,224,224] ImageNet-normalised reference -> prompt tokens [B,197,dim]."""
        return self.mae_encoder(reference)

    def queries(self, f_high: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        """[B,feat,H,W] -> (queries [B,(H/4)*(W/4),dim], H/4, W/4)."""
        return self.patch_emb(self.pre_conv(f_high))

    def forward(self, f_high: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """F_high [B,feat,H,W] + tokens [B,Nk,dim] -> F_high' [B,feat,H,W]."""
        q, h, w = self.queries(f_high)
        out = tokens_to_map(cross_attention(q, tokens), h, w)
        out = self.proj_tail(F.pixel_shuffle(out, 2))
        return F.pixel_shuffle(out, 2)
