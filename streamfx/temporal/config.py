"""Settings of the temporal filters: landmarks and head pose (One-Euro) and triplanes (EMA).

Plain dataclasses with no heavy imports, so the command line can be built from them quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamfx.errors import check_field


@dataclass
class OneEuroParams:
    """Parameters of a One-Euro filter."""

    min_cutoff: float = 1.0
    """Cut-off frequency (Hz) at zero speed: lower = steadier when still, more lag."""
    beta: float = 0.05
    """Speed coefficient: how fast the cut-off rises with speed (per unit of ``scale``/s)."""
    d_cutoff: float = 1.0
    """Cut-off frequency (Hz) of the speed estimate."""

    def __post_init__(self) -> None:
        check_field(self.min_cutoff > 0, "min_cutoff", "> 0 Hz", self.min_cutoff)
        check_field(self.beta >= 0, "beta", ">= 0", self.beta)
        check_field(self.d_cutoff > 0, "d_cutoff", "> 0 Hz", self.d_cutoff)


@dataclass
class TriplaneSmootherConfig:
    """Parameters of the motion-adaptive exponential moving average of triplanes (3DPE)."""

    min_weight: float = 0.35
    """Weight of the new triplane when the face does not move (lower = steadier, more lag)."""
    motion_scale: float = 0.05
    """Mean absolute triplane change at which the new triplane is taken as is (weight 1)."""

    def __post_init__(self) -> None:
        ok = 0.0 < self.min_weight <= 1.0
        check_field(ok, "temporal.triplane.min_weight", "a weight in (0, 1]", self.min_weight)
        ok = self.motion_scale > 0
        check_field(ok, "temporal.triplane.motion_scale", "> 0", self.motion_scale)


@dataclass
class TemporalConfig:
    """Smoothing over time. Per-track state starts and ends with the tracker's tracks."""

    smooth_landmarks: bool = True
    """One-Euro smoothing of landmarks and head pose in live and offline tracking."""
    landmarks: OneEuroParams = field(
        default_factory=lambda: OneEuroParams(min_cutoff=0.5, beta=15.0, d_cutoff=1.0)
    )
    """One-Euro parameters for landmarks; speed is measured in face sizes per second. Tuned
    with ``streamfx bench temporal`` (still face: low cut-off; moving face: a high ``beta``
    opens the filter at once, keeping the lag under 3 frames)."""
    pose: OneEuroParams = field(
        default_factory=lambda: OneEuroParams(min_cutoff=1.0, beta=0.5, d_cutoff=1.0)
    )
    """One-Euro parameters for the head pose (rotation entries and translation / 10 cm)."""
    smooth_triplanes: bool = True
    """Motion-adaptive smoothing of the edit per track: 3DPE triplane features, and the mesh
    editor's crop (live runs; see ``edit_smoothing``)."""
    edit_smoothing: float = 0.65
    """Live strength of that smoothing, 0..1 (the live control's starting value; 0: off).
    ``streamfx bench temporal`` measures flicker and the edit's lag for it."""
    triplane: TriplaneSmootherConfig = field(default_factory=TriplaneSmootherConfig)
    """Parameters of the triplane smoothing."""

    def __post_init__(self) -> None:
        ok = 0.0 <= self.edit_smoothing <= 1.0
        check_field(ok, "temporal.edit_smoothing", "a weight in [0, 1]", self.edit_smoothing)
