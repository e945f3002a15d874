"""The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012), vectorised over any array shape.

A low-pass filter whose cut-off rises with speed: still signals are smoothed hard (little
jitter), fast ones lightly (little lag). Used for face landmarks and head poses.
"""

from __future__ import annotations

import math

import numpy as np

from streamfx.temporal.config import OneEuroParams


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One-Euro filter over arrays of a fixed shape (float64 state).

    ``f(x, t)`` returns the filtered value; t in seconds, strictly increasing (a repeated or
    older time stamp returns the last output unchanged). ``scale`` divides the speed before the
    cut-off is computed, so that ``beta`` can be given per face size instead of per pixel.
    """

    def __init__(self, params: OneEuroParams | None = None) -> None:
        self.params = params or OneEuroParams()
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unfiltered."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def __call__(self, x: np.ndarray, t: float, scale: float = 1.0) -> np.ndarray:
        """Filter one sample ``x`` (any shape, same every call) taken at time ``t`` seconds."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._x.shape != x.shape or self._t is None:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), float(t)
            return x.copy()
        dt = float(t) - self._t
        if dt <= 0.0:
            return self._x.copy()
        p = self.params
        dx = (x - self._x) / dt
        a_d = _alpha(p.d_cutoff, dt)
        self._dx = self._dx + a_d * (dx - self._dx)
        cutoff = p.min_cutoff + p.beta * np.abs(self._dx) / max(scale, 1e-9)
        a = _alpha(cutoff, dt)
        self._x = self._x + a * (x - self._x)
        self._t = float(t)
        return self._x.copy()
