"""One-Euro filter: smooths a still noisy signal, follows a fast one, vectorised."""

from __future__ import annotations

import numpy as np

from streamfx.temporal.one_euro import OneEuroFilter, OneEuroParams


def test_first_sample_passes_and_constant_stays() -> None:
    f = OneEuroFilter()
    x = np.arange(12.0).reshape(4, 3)
    assert np.array_equal(f(x, 0.0), x)
    for i in range(1, 10):
        assert np.allclose(f(x, i / 30), x)


def test_still_noise_is_reduced() -> None:
    rng = np.random.default_rng(0)
    f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0))
    noisy = 5.0 + rng.normal(0, 1.0, size=(300, 478, 2))
    out = np.stack([f(x, i / 30) for i, x in enumerate(noisy)])
    assert out[50:].std() < 0.4 * noisy[50:].std()
    assert abs(out[50:].mean() - 5.0) < 0.1


def test_beta_reduces_lag_on_fast_motion() -> None:
    ramp = [np.array([100.0 * i / 30]) for i in range(60)]  # 100 units/s
    lags = []
    for beta in (0.0, 1.0):
        f = OneEuroFilter(OneEuroParams(min_cutoff=0.5, beta=beta))
        out = [f(x, i / 30) for i, x in enumerate(ramp)]
        lags.append(float(ramp[-1][0] - out[-1][0]))
    assert lags[1] < 0.3 * lags[0]
    assert lags[0] > 5.0


def test_scale_makes_beta_relative() -> None:
    a, b = OneEuroFilter(OneEuroParams(beta=1.0)), OneEuroFilter(OneEuroParams(beta=1.0))
    for i in range(20):
        ya = a(np.array([10.0 * i]), i / 30, scale=1.0)
        yb = b(np.array([100.0 * i]), i / 30, scale=10.0)
    assert np.allclose(ya * 10, yb, rtol=1e-6)


def test_repeated_time_and_reset() -> None:
    f = OneEuroFilter()
    f(np.zeros(2), 0.0)
    y = f(np.ones(2), 0.1)
    assert np.array_equal(f(np.full(2, 9.0), 0.1), y)
    f.reset()
    assert np.array_equal(f(np.full(2, 9.0), 0.2), np.full(2, 9.0))
