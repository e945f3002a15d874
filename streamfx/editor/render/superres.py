"""EG3D ``SuperresolutionHybrid8XDC`` (fp32, no conv clamp, noise off) with foldable styles.

Each block is a StyleGAN2 ``SynthesisBlock`` (skip architecture): a modulated 3x3 conv with
x2 up-sampling (transposed conv stride 2 + 4x4 FIR, gain 4), a modulated 3x3 conv, and a 1x1
ToRGB added to the FIR-upsampled RGB skip. The style is the renderer's constant ``const``, so
the modulated weights are constants: :meth:`SuperResolution.fold_styles` precomputes them once
(inference) while the unfolded path recomputes them from the parameters (training, gradients
reach ``const``, the affines and the weights). Keys match the official checkpoint, including
the stored-but-unused ``noise_const`` / ``noise_strength``.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from streamfx.editor.render.decoder import FullyConnectedLayer

LRELU_GAIN = math.sqrt(2.0)


def fir_filter() -> torch.Tensor:
    """EG3D ``setup_filter([1,3,3,1])``: outer product normalised to sum 1, [4,4]."""
    a = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = torch.outer(a, a)
    return f / f.sum()


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor,
    up: int,
    pad: tuple[int, int, int, int],
    gain: float,
    channels: int,
) -> torch.Tensor:
    """Reference ``upfirdn2d`` (no down-sampling): zero-insert ``up``, pad (x0,x1,y0,y1), FIR.

    x [B,C,H,W] -> [B,C,H*up+y0+y1-3, W*up+x0+x1-3] for a 4x4 ``f``; paddings are >= 0 here.
    ``channels`` (= C) is passed as a Python int so exported graphs get a static kernel shape.
    """
    b, _, h, w = x.shape
    c = channels
    if up > 1:
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(b, c, h * up, w * up)
    x = F.pad(x, list(pad))
    kernel = (f * gain).to(x.dtype).flip([0, 1])
    kernel = kernel[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, kernel, groups=c)


def upsample2d(x: torch.Tensor, f: torch.Tensor, channels: int) -> torch.Tensor:
    """EG3D ``upfirdn2d.upsample2d`` x2 with a 4x4 filter: [B,C,H,W] -> [B,C,2H,2W]."""
    return upfirdn2d(x, f, up=2, pad=(2, 1, 2, 1), gain=4.0, channels=channels)


class SynthesisLayer(nn.Module):
    """Modulated, demodulated conv + bias + lrelu*sqrt(2); ``up`` is 1 or 2."""

    def __init__(
        self, in_ch: int, out_ch: int, w_dim: int, resolution: int, up: int = 1, kernel: int = 3
    ) -> None:
        super().__init__()
        self.up, self.padding, self.out_ch = up, kernel // 2, out_ch
        self.affine = FullyConnectedLayer(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel))
        self.noise_strength = nn.Parameter(torch.zeros([]))  # stored, unused (noise off)
        self.bias = nn.Parameter(torch.zeros(out_ch))
        # Buffer order matters for the official state_dict order.
        self.register_buffer("resample_filter", fir_filter())
        self.register_buffer("noise_const", torch.randn(resolution, resolution))  # unused
        self.register_buffer("folded_weight", None, persistent=False)

    def modulated_weight(self, w: torch.Tensor) -> torch.Tensor:
        """w [1, w_dim] -> demodulated conv weight [out, in, k, k]."""
        styles = self.affine(w)  # [1, in]
        wt = self.weight * styles.reshape(1, -1, 1, 1)
        dcoefs = (wt.square().sum(dim=[1, 2, 3]) + 1e-8).rsqrt()
        return wt * dcoefs.reshape(-1, 1, 1, 1)

    def forward(self, x: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
        """x [B,in,H,W] -> [B,out,H*up,W*up]; ``w`` may be None once folded."""
        weight = self.folded_weight if self.folded_weight is not None else self.modulated_weight(w)
        weight = weight.to(x.dtype)
        if self.up == 1:
            x = F.conv2d(x, weight, padding=self.padding)
        else:  # EG3D conv2d_resample: transposed conv (no flip), then FIR with pad 1, gain 4.
            x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
            x = upfirdn2d(x, self.resample_filter, 1, (1, 1, 1, 1), 4.0, self.out_ch)
        x = x + self.bias.to(x.dtype).reshape(1, -1, 1, 1)
        return F.leaky_relu(x, 0.2) * LRELU_GAIN


class ToRGBLayer(nn.Module):
    """Modulated 1x1 conv without demodulation, style gain 1/sqrt(in), linear + bias."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int) -> None:
        super().__init__()
        self.affine = FullyConnectedLayer(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.weight_gain = 1 / math.sqrt(in_ch)
        self.register_buffer("folded_weight", None, persistent=False)

    def modulated_weight(self, w: torch.Tensor) -> torch.Tensor:
        """w [1, w_dim] -> conv weight [out, in, 1, 1]."""
        styles = self.affine(w) * self.weight_gain
        return self.weight * styles.reshape(1, -1, 1, 1)

    def forward(self, x: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
        """x [B,in,H,W] -> [B,out,H,W]."""
        weight = self.folded_weight if self.folded_weight is not None else self.modulated_weight(w)
        x = F.conv2d(x, weight.to(x.dtype))
        return x + self.bias.to(x.dtype).reshape(1, -1, 1, 1)


class SynthesisBlock(nn.Module):
    """x2 block: conv0 (up 2), conv1, torgb; the RGB skip is FIR-upsampled and added."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, resolution: int, img_ch: int) -> None:
        super().__init__()
        self.img_ch = img_ch
        self.register_buffer("resample_filter", fir_filter())
        self.conv0 = SynthesisLayer(in_ch, out_ch, w_dim, resolution, up=2)
        self.conv1 = SynthesisLayer(out_ch, out_ch, w_dim, resolution)
        self.torgb = ToRGBLayer(out_ch, img_ch, w_dim)

    def forward(
        self, x: torch.Tensor, img: torch.Tensor, w: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(x [B,in,H,W], img [B,3,H,W]) -> (x [B,out,2H,2W], img [B,3,2H,2W])."""
        x = self.conv1(self.conv0(x, w), w)
        img = upsample2d(img, self.resample_filter, self.img_ch)
        return x, img + self.torgb(x, w)


class SuperResolution(nn.Module):
    """``SuperresolutionHybrid8XDC`` generalised to ``len(channels)`` x2 blocks (keys blockN)."""

    def __init__(
        self,
        in_ch: int = 32,
        channels: tuple[int, ...] = (256, 128),
        w_dim: int = 512,
        input_resolution: int = 128,
        img_ch: int = 3,
        antialias: bool = True,
    ) -> None:
        super().__init__()
        self.input_resolution, self.antialias = input_resolution, antialias
        res, prev = input_resolution, in_ch
        for i, ch in enumerate(channels):
            res *= 2
            self.add_module(f"block{i}", SynthesisBlock(prev, ch, w_dim, res, img_ch))
            prev = ch
        self.num_blocks = len(channels)

    def blocks(self) -> list[SynthesisBlock]:
        """The x2 blocks in order."""
        return [getattr(self, f"block{i}") for i in range(self.num_blocks)]

    def forward(
        self, rgb: torch.Tensor, x: torch.Tensor, w: torch.Tensor | None
    ) -> list[torch.Tensor]:
        """rgb [B,3,R,R], x [B,C,R,R], w [1,w_dim] (None if folded) -> RGB after each block."""
        if x.shape[-1] != self.input_resolution:
            size = (self.input_resolution, self.input_resolution)
            kw = {"mode": "bilinear", "align_corners": False, "antialias": self.antialias}
            x, rgb = F.interpolate(x, size=size, **kw), F.interpolate(rgb, size=size, **kw)
        images = []
        for block in self.blocks():
            x, rgb = block(x, rgb, w)
            images.append(rgb)
        return images

    def layers(self) -> list[SynthesisLayer | ToRGBLayer]:
        """Every modulated layer."""
        return [layer for b in self.blocks() for layer in (b.conv0, b.conv1, b.torgb)]

    @torch.no_grad()
    def fold_styles(self, w: torch.Tensor) -> None:
        """Precompute every modulated weight from the constant style w [1, w_dim]."""
        for layer in self.layers():
            layer.folded_weight = layer.modulated_weight(w).detach().clone()

    def unfold_styles(self) -> None:
        """Drop the folded weights; the forward recomputes them from the parameters again."""
        for layer in self.layers():
            layer.folded_weight = None

    @property
    def folded(self) -> bool:
        """True once :meth:`fold_styles` ran (and no unfold since)."""
        return all(layer.folded_weight is not None for layer in self.layers())
