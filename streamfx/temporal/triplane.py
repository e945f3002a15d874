"""Temporal smoothing of triplane features per track (motion-adaptive EMA).

Smoothing in the 3-D representation instead of on pixels keeps a still face stable without
ghosting when the head turns: the renderer re-poses the smoothed triplane at the current camera,
so only appearance is averaged, never the pose.
"""

from __future__ import annotations

import torch

from streamfx.temporal.config import TriplaneSmootherConfig


class TriplaneSmoother:
    """Keeps one smoothed triplane per track id; ``reset`` on track loss."""

    def __init__(self, config: TriplaneSmootherConfig | None = None) -> None:
        self.config = config or TriplaneSmootherConfig()
        self._state: dict[int, torch.Tensor] = {}

    def __call__(self, track_id: int, triplane: torch.Tensor) -> torch.Tensor:
        """Blend ``triplane`` [1,96,256,256] into the track's state and return the smoothed one."""
        prev = self._state.get(track_id)
        if prev is None or prev.shape != triplane.shape:
            self._state[track_id] = triplane.detach().clone()
            return triplane
        motion = float((triplane - prev).abs().mean())
        cfg = self.config
        w = min(1.0, max(cfg.min_weight, motion / max(cfg.motion_scale, 1e-12)))
        out = prev.lerp(triplane.detach(), w)
        self._state[track_id] = out
        return out

    def reset(self, track_id: int | None = None) -> None:
        """Forget one track (or all when ``track_id`` is None)."""
        if track_id is None:
            self._state.clear()
        else:
            self._state.pop(track_id, None)
