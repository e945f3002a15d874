"""The adversarial term of the recipe (PAPER.md 4.2-4.3): a camera-conditioned EG3D-style ResNet
discriminator on (image ⊕ reference) and its update with the non-saturating loss and R1.

``Discriminator`` follows EG3D's ``DualDiscriminator_Editing`` (the StyleGAN2 ResNet
discriminator with a camera-conditioned projection head; 6 input channels: the image and the
reference prompt image), in fp32 and written from the architecture, not ported: equalised
learning rate, [1,3,3,1] FIR blur before each stride-2 conv, ResNet blocks from the image
resolution down to 4x4, minibatch standard deviation, and a mapping network embedding the 25
camera numbers. Widths: ``min(64 * width // res, width)`` per resolution (EG3D: width 512).
Its weights are drawn from their own generator (``seed``), so building one does not move the
global RNG (an interrupted run that builds it later draws the same weights).

``discriminator_step``: softplus(-D(real)) + softplus(D(fake)) + R1 (gamma/2 * |grad D(real)|^2
on both real inputs, every ``r1_every`` steps, scaled by it) then one Adam step (grads averaged
over DDP processes). ``generator_loss``: softplus(-D(fake)) for the student.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

_FIR = torch.tensor([1.0, 3.0, 3.0, 1.0])
_LRELU_GAIN = math.sqrt(2.0)


def _lrelu(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * (_LRELU_GAIN * gain)


class Conv(nn.Module):
    """Equalised-LR conv (weight ~ N(0,1), runtime gain 1/sqrt(fan-in)); ``down``: FIR blur
    then stride 2 (EG3D's padding); ``act``: leaky ReLU 0.2 with gain sqrt(2)."""

    def __init__(self, cin: int, cout: int, k: int, gen: torch.Generator, *, down: bool = False,
                 act: bool = True, bias: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k, generator=gen))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.gain = 1.0 / math.sqrt(cin * k * k)
        self.k, self.down, self.act = k, down, act
        f = torch.outer(_FIR, _FIR)
        self.register_buffer("fir", (f / f.sum()).expand(cin, 1, 4, 4).clone(), persistent=False)

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = self.weight * self.gain
        if self.down:
            p = (4 - 2) + (self.k - 1)  # FIR taps - down + kernel - 1
            x = F.pad(x, ((p + 1) // 2, p // 2, (p + 1) // 2, p // 2))
            x = F.conv2d(x, self.fir, groups=x.shape[1])
            x = F.conv2d(x, w, self.bias, stride=2)
        else:
            x = F.conv2d(x, w, self.bias, padding=self.k // 2)
        return _lrelu(x, gain) if self.act else x * gain


class Dense(nn.Module):
    """Equalised-LR linear layer with a learning-rate multiplier."""

    def __init__(self, cin: int, cout: int, gen: torch.Generator, *, act: bool = True,
                 lr_mul: float = 1.0) -> None:  # fmt: skip
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, generator=gen) / lr_mul)
        self.bias = nn.Parameter(torch.zeros(cout))
        self.gain, self.lr_mul, self.act = lr_mul / math.sqrt(cin), lr_mul, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.gain, self.bias * self.lr_mul)
        return _lrelu(x) if self.act else x


class Block(nn.Module):
    """ResNet block at one resolution: (fromrgb) conv 3x3, conv 3x3 down, 1x1 skip down."""

    def __init__(self, cin: int, tmp: int, cout: int, img_channels: int, gen: torch.Generator):
        super().__init__()
        self.fromrgb = Conv(img_channels, tmp, 1, gen) if cin == 0 else None
        self.conv0 = Conv(tmp, tmp, 3, gen)
        self.conv1 = Conv(tmp, cout, 3, gen, down=True)
        self.skip = Conv(tmp, cout, 1, gen, down=True, act=False, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fromrgb is not None:
            x = self.fromrgb(x)
        g = math.sqrt(0.5)
        return self.skip(x, gain=g) + self.conv1(self.conv0(x), gain=g)


def _minibatch_std(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """Append the std over groups of samples (StyleGAN2: one channel, groups of <= 4)."""
    n, c, h, w = x.shape
    g = max(d for d in range(1, min(group, n) + 1) if n % d == 0)
    y = x.reshape(g, -1, 1, c, h, w)
    y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean((2, 3, 4))
    y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], 1)


class Discriminator(nn.Module):
    """D(image ⊕ reference, camera) -> logits [B,1]. Images [B,3,R,R] in [-1,1], R a power of 2
    >= 8; camera [B,25]."""

    def __init__(self, resolution: int, width: int = 512, c_dim: int = 25, img_channels: int = 6,
                 mapping_layers: int = 8, seed: int = 0) -> None:  # fmt: skip
        super().__init__()
        log2 = int(math.log2(resolution))
        if 2**log2 != resolution or resolution < 8:
            raise ValueError(f"discriminator: expected a power of 2 >= 8, got {resolution}")
        gen = torch.Generator().manual_seed(int(seed))
        ch = {2**i: min(64 * width // 2**i, width) for i in range(2, log2 + 1)}
        self.resolution, self.width = resolution, width
        self.blocks = nn.ModuleList()
        for i in range(log2, 2, -1):
            res = 2**i
            cin = ch[res] if res < resolution else 0
            self.blocks.append(Block(cin, ch[res], ch[res // 2], img_channels, gen))
        c4 = ch[4]
        self.embed = Dense(c_dim, c4, gen, act=False)
        self.mapping = nn.ModuleList(Dense(c4, c4, gen, lr_mul=0.01) for _ in range(mapping_layers))
        self.conv = Conv(c4 + 1, c4, 3, gen)
        self.fc = Dense(c4 * 16, c4, gen)
        self.out = Dense(c4, c4, gen, act=False)

    def forward(self, image: torch.Tensor, ref: torch.Tensor, camera: torch.Tensor) -> torch.Tensor:
        x = torch.cat([image, ref], 1)
        for block in self.blocks:
            x = block(x)
        x = self.conv(_minibatch_std(x))
        x = self.out(self.fc(x.flatten(1)))
        cmap = self.embed(camera)
        cmap = cmap * (cmap.square().mean(1, keepdim=True) + 1e-8).rsqrt()
        for layer in self.mapping:
            cmap = layer(cmap)
        return (x * cmap).sum(1, keepdim=True) / math.sqrt(cmap.shape[1])


def discriminator_step(
    disc: nn.Module,
    opt: torch.optim.Optimizer,
    real: torch.Tensor,
    fake: torch.Tensor,
    ref: torch.Tensor,
    camera: torch.Tensor,
    *,
    r1_gamma: float,
    r1: bool,
    r1_every: int = 1,
    world: int = 1,
) -> dict[str, torch.Tensor]:
    """One update of ``disc`` (non-saturating loss; R1 on both real inputs when ``r1``);
    returns the detached terms (``real``, ``fake``, ``r1``)."""
    disc.requires_grad_(True)
    opt.zero_grad(set_to_none=True)
    real = real.detach().requires_grad_(r1)
    ref = ref.detach().requires_grad_(r1)
    logits = disc(real, ref, camera)
    loss_real = F.softplus(-logits).mean()
    terms = {"real": loss_real}
    loss = loss_real
    if r1 and r1_gamma > 0:
        g_img, g_ref = torch.autograd.grad(logits.sum(), [real, ref], create_graph=True)
        penalty = g_img.square().sum((1, 2, 3)) + g_ref.square().sum((1, 2, 3))
        loss_r1 = (penalty * (r1_gamma / 2)).mean()
        terms["r1"] = loss_r1
        loss = loss + loss_r1 * r1_every
    loss_fake = F.softplus(disc(fake.detach(), ref.detach(), camera)).mean()
    terms["fake"] = loss_fake
    (loss + loss_fake).backward()
    if world > 1:
        import torch.distributed as dist

        for p in disc.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= world
    opt.step()
    disc.requires_grad_(False)
    return {k: v.detach() for k, v in terms.items()}


def generator_loss(disc: nn.Module, fake: torch.Tensor, ref: torch.Tensor,
                   camera: torch.Tensor) -> torch.Tensor:  # fmt: skip
    """softplus(-D(fake ⊕ ref, c)): the student's adversarial term (D frozen)."""
    disc.requires_grad_(False)
    return F.softplus(-disc(fake, ref.detach(), camera)).mean()


def disc_width_for(preset: str, resolution: int) -> int:
    """Default discriminator width by the student's preset (3dpe 512, student 128, tiny 32),
    else by its image resolution."""
    by_preset = {"3dpe": 512, "student": 128, "tiny": 32}
    if preset in by_preset:
        return by_preset[preset]
    return 512 if resolution >= 512 else 128 if resolution >= 256 else 32
