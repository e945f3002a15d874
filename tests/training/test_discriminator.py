"""The recipe's discriminator: its weights come from its seed alone (building one leaves the
global RNG where it was, which exact resume relies on), the non-saturating update with R1 runs
with finite terms and separates real from fake on a toy pair, the generator term has gradients."""

from __future__ import annotations

import pytest
import torch

from streamfx.training.discriminator import Discriminator, discriminator_step, generator_loss


def test_weights_from_the_seed_alone() -> None:
    torch.manual_seed(5)
    before = torch.get_rng_state()
    a, b = Discriminator(32, 16, seed=3), Discriminator(32, 16, seed=3)
    assert torch.equal(torch.get_rng_state(), before)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), k
    c = Discriminator(32, 16, seed=4)
    assert not torch.equal(a.blocks[0].conv0.weight, c.blocks[0].conv0.weight)
    assert [blk.conv1.weight.shape[0] for blk in a.blocks] == [16, 16, 16]  # 32 -> 4


def test_bad_resolution_is_refused() -> None:
    with pytest.raises(ValueError, match="power of 2"):
        Discriminator(48)


def test_updates_separate_real_from_fake_with_r1() -> None:
    torch.manual_seed(0)
    disc = Discriminator(16, 16, seed=0)
    opt = torch.optim.Adam(disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real = torch.rand(4, 3, 16, 16) * 0.5 + 0.5  # bright
    fake = -torch.rand(4, 3, 16, 16) * 0.5 - 0.5  # dark
    ref, cam = torch.zeros(4, 3, 16, 16), torch.randn(4, 25)
    first = None
    for i in range(15):
        terms = discriminator_step(
            disc, opt, real, fake, ref, cam, r1_gamma=1.0, r1=i % 2 == 0, r1_every=2
        )
        assert all(bool(torch.isfinite(v)) for v in terms.values())
        assert ("r1" in terms) == (i % 2 == 0)
        first = first or float(terms["real"] + terms["fake"])
    assert float(terms["real"] + terms["fake"]) < 0.8 * first
    assert not any(p.requires_grad for p in disc.parameters())  # frozen outside its step
    grads = [p.grad.clone() for p in disc.parameters()]
    x = fake.clone().requires_grad_(True)
    loss = generator_loss(disc, x, ref, cam)
    loss.backward()
    assert bool(torch.isfinite(loss)) and float(x.grad.abs().sum()) > 0
    for g, p in zip(grads, disc.parameters(), strict=True):  # the student's term leaves D alone
        assert torch.equal(g, p.grad)
