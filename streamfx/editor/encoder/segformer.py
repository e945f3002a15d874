"""SegFormer pieces (smp 0.3.3 ``mix_transformer`` maths): overlapping patch embedding and Block.

Tokens are [B,N,C] with N = H*W in row-major order; LayerNorm eps is PyTorch's default 1e-5
(the official Live3D code builds these with ``nn.LayerNorm``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def tokens_to_map(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """[B,H*W,C] tokens -> [B,C,H,W] feature map."""
    b, _, c = x.shape
    return x.transpose(1, 2).reshape(b, c, h, w)


class OverlapPatchEmbed(nn.Module):
    """k x k conv with stride s and padding k//2, flattened to tokens, then LayerNorm."""

    def __init__(self, cin: int, dim: int, patch: int = 7, stride: int = 2) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, stride, patch // 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        """[B,cin,H,W] -> (tokens [B,H'*W',dim], H', W')."""
        x = self.proj(x)
        h, w = x.shape[-2:]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class EfficientAttention(nn.Module):
    """Multi-head self-attention whose keys/values come from a ``sr_ratio``-strided conv."""

    def __init__(self, dim: int, heads: int, sr_ratio: int = 1) -> None:
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(dim, 2 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.sr_ratio = sr_ratio
        if sr_ratio > 1:
            self.sr = nn.Conv2d(dim, dim, sr_ratio, sr_ratio)
            self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """[B,N,C] -> [B,N,C] (explicit softmax, like smp)."""
        b, n, c = x.shape
        hd = c // self.heads
        q = self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2)
        src = x
        if self.sr_ratio > 1:
            src = self.sr(tokens_to_map(x, h, w)).flatten(2).transpose(1, 2)
            src = self.norm(src)
        kv = self.kv(src).reshape(b, -1, 2, self.heads, hd).permute(2, 0, 3, 1, 4)
        attn = (q @ kv[0].transpose(-2, -1)) * self.scale
        out = attn.softmax(dim=-1) @ kv[1]
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class DWConv(nn.Module):
    """3x3 depthwise conv on tokens (``mlp.dwconv.dwconv``)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """[B,N,C] -> [B,N,C]."""
        return self.dwconv(tokens_to_map(x, h, w)).flatten(2).transpose(1, 2)


class MixFFN(nn.Module):
    """fc1 -> depthwise 3x3 -> GELU -> fc2."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dwconv = DWConv(hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """[B,N,dim] -> [B,N,dim]."""
        return self.fc2(F.gelu(self.dwconv(self.fc1(x), h, w)))


class Block(nn.Module):
    """Pre-norm SegFormer block: x + attn(norm1(x)); x + mlp(norm2(x))."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 2.0, sr_ratio: int = 1) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = EfficientAttention(dim, heads, sr_ratio)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MixFFN(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """[B,H*W,dim] -> [B,H*W,dim]."""
        x = x + self.attn(self.norm1(x), h, w)
        return x + self.mlp(self.norm2(x), h, w)
