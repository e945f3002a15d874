"""MAE ViT-B/16 encoder (no masking): the 3DPE prompt encoder ``Ref_encoder.mae_encoder``.

Returns all 1 + (S/16)^2 tokens (CLS first) after the final LayerNorm; LayerNorm eps 1e-6.
The positional embedding is the fixed 2-D sin-cos table (stored in the checkpoint as a buffer
that loads like a parameter; it is registered as a non-trainable parameter here).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LN_EPS = 1e-6


def sincos_pos_embed(dim: int, grid: int, cls_token: bool = True) -> np.ndarray:
    """MAE 2-D sin-cos table [1+grid^2, dim] (float32): column terms first, then row terms."""
    omega = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4.0))
    ar = np.arange(grid, dtype=np.float32)
    cols, rows = np.meshgrid(ar, ar)  # cols[i, j] = j, rows[i, j] = i
    parts = []
    for pos in (cols.reshape(-1), rows.reshape(-1)):
        out = np.einsum("m,d->md", pos, omega)
        parts += [np.sin(out), np.cos(out)]
    emb = np.concatenate(parts, axis=1).astype(np.float32)
    if cls_token:
        emb = np.concatenate([np.zeros([1, dim], dtype=np.float32), emb], axis=0)
    return emb


class PatchEmbed(nn.Module):
    """Non-overlapping p x p patches -> tokens [B,(S/p)^2,dim]."""

    def __init__(self, patch: int, cin: int, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,3,S,S] -> [B,(S/p)^2,dim]."""
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention with a fused qkv projection (timm layout)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,N,C] -> [B,N,C]."""
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    """fc1 -> GELU -> fc2."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,N,dim] -> [B,N,dim]."""
        return self.fc2(F.gelu(self.fc1(x)))


class ViTBlock(nn.Module):
    """Pre-norm transformer block (eps 1e-6)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,N,dim] -> [B,N,dim]."""
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MAEEncoder(nn.Module):
    """ViT encoder over a [B,3,S,S] ImageNet-normalised image -> [B,1+(S/p)^2,dim] tokens."""

    def __init__(
        self,
        image_size: int = 224,
        patch: int = 16,
        dim: int = 768,
        depth: int = 12,
        heads: int = 12,
        mlp_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        self.image_size = image_size
        grid = image_size // patch
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        table = torch.from_numpy(sincos_pos_embed(dim, grid))[None]
        self.pos_embed = nn.Parameter(table, requires_grad=False)
        self.patch_embed = PatchEmbed(patch, 3, dim)
        self.blocks = nn.ModuleList([ViTBlock(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,3,S,S] -> [B,1+(S/p)^2,dim] (CLS first, after the final LayerNorm)."""
        x = self.patch_embed(x) + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)
