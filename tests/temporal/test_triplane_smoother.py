"""Motion-adaptive smoothing of triplanes per track."""

from __future__ import annotations

import torch

from streamfx.temporal.triplane import TriplaneSmoother, TriplaneSmootherConfig


def test_small_changes_are_smoothed_large_ones_taken_at_once() -> None:
    cfg = TriplaneSmootherConfig(min_weight=0.25, motion_scale=0.05)
    sm = TriplaneSmoother(cfg)
    base = torch.zeros(1, 96, 8, 8)
    assert torch.equal(sm(1, base), base)  # first frame of a track is taken as is
    jitter = base + 0.01  # sensor noise: mean change 0.01 < motion_scale
    out = sm(1, jitter)
    assert torch.allclose(out, base + 0.01 * 0.25)  # only the minimum weight gets through
    turn = base + 1.0  # a real change (head turned, new expression)
    assert torch.allclose(sm(1, turn), turn)


def test_tracks_are_independent_and_reset_forgets() -> None:
    sm = TriplaneSmoother()
    a, b = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    sm(1, a)
    assert torch.equal(sm(2, b), b)  # track 2 does not blend with track 1
    sm.reset(1)
    assert torch.equal(sm(1, b), b)  # a returning track starts fresh
    sm.reset()
    assert torch.equal(sm(2, a), a)
