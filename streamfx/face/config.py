"""Settings of the face tracker (a dataclass; the CLI and presets build on it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from streamfx.errors import ConfigError
from streamfx.temporal.one_euro import OneEuroParams

POLICIES = ("largest", "central", "all")


@dataclass
class FaceConfig:
    """How faces are found, followed, smoothed and selected."""

    max_faces: int = 4
    """Most faces MediaPipe looks for per frame (``num_faces``)."""
    min_detection_confidence: float = 0.5
    """MediaPipe face-detector score needed to start a face."""
    min_presence_confidence: float = 0.5
    """MediaPipe landmark presence score needed to keep a face."""
    min_tracking_confidence: float = 0.5
    """MediaPipe tracking score below which the detector runs again (video mode)."""
    min_face_px: float = 40.0
    """Faces whose landmark box is smaller than this (pixels, larger side) are skipped and
    counted in ``FaceTracker.stats['too_small']``."""
    policy: str = "all"
    """Which faces to return: ``largest``, ``central`` (nearest the frame centre), ``all``, or
    ``id:N`` (only track N)."""
    lost_timeout_ms: float = 500.0
    """A track unseen for longer than this is dropped (its id is not reused); a face coming back
    sooner near where it was keeps its id."""
    match_max_distance: float = 0.8
    """Largest centre distance, in face sizes, for a detection to continue a track."""
    smooth: bool = True
    """Apply One-Euro smoothing to landmarks and poses in ``track`` (never in ``detect``)."""
    landmark_filter: OneEuroParams = field(
        default_factory=lambda: OneEuroParams(min_cutoff=1.5, beta=4.0, d_cutoff=1.0)
    )
    """One-Euro parameters for landmarks; speed is measured in face sizes per second."""
    pose_filter: OneEuroParams = field(
        default_factory=lambda: OneEuroParams(min_cutoff=1.0, beta=0.5, d_cutoff=1.0)
    )
    """One-Euro parameters for the head pose (rotation entries and translation / 10 cm)."""
    compute_crop: bool = True
    """Resample the 512x512 EG3D crop for every returned face (off: transforms only)."""
    crop_filter: str = "cubic"
    """Resampling filter of the crop: ``lanczos`` (the official one; ~30 ms per face with
    OpenCV on one core), ``cubic`` (~3 ms; differs from Lanczos by ~1 grey level) or ``linear``."""

    zoom: bool = True
    """Look for faces too small for MediaPipe's detector (narrower than ~15% of the frame) in
    zoomed windows: tiles of the frame when too few faces are found, and crops around small
    tracked faces in ``track`` (see ``streamfx.face.zoom``)."""
    zoom_scales: tuple[float, ...] = (1.0, 0.5)
    """Tile sides as fractions of the frame's shorter side (coarse first); a face is found in a
    tile when it is wider than ~15% of the tile."""
    zoom_overlap: float = 0.35
    """Overlap of neighbouring tiles, as a fraction of the tile side."""
    zoom_size: int = 256
    """Side (pixels) each tile or crop is resampled to before the landmarker runs on it."""
    zoom_min_side: int = 192
    """Tiles smaller than this (frame pixels) are not used (small frames need no zoom)."""
    zoom_every: int = 30
    """In ``track``, tiles run at most every this many frames while no face is followed (see
    ``zoom_track_when_fewer``), and at once when the number of followed faces drops. A scan of a
    1280x720 frame (18 tiles) costs ~150-270 ms on 2 shared CPU cores, so it shows as one slow
    frame per period; small faces already found are followed by crops (~10 ms each) instead."""
    zoom_track_when_fewer: bool = False
    """In ``track``, keep scanning tiles every ``zoom_every`` frames while fewer than
    ``max_faces`` faces are followed (group calls: finds people who join far from the camera).
    Off: periodic scans only while no face is followed, so a one-person call never stutters."""
    zoom_detect_when_fewer: bool = False
    """In ``detect``, run the tiles whenever fewer than ``max_faces`` faces are found (off: only
    when none is found)."""
    roi_below: float = 0.2
    """In ``track``, a followed face narrower than this fraction of the frame width that the full
    frame misses is looked for in a square crop around its last box."""
    roi_factor: float = 2.5
    """Side of that crop in face sizes."""

    def __post_init__(self) -> None:
        if self.max_faces < 1:
            raise ConfigError(f"max_faces must be >= 1, got {self.max_faces}")
        if self.min_face_px < 0:
            raise ConfigError(f"min_face_px must be >= 0, got {self.min_face_px}")
        parse_policy(self.policy)
        if not self.zoom_scales or not all(0.0 < f <= 1.0 for f in self.zoom_scales):
            raise ConfigError(f"zoom_scales must be fractions in (0, 1], got {self.zoom_scales}")
        if not 0.0 <= self.zoom_overlap < 0.9:
            raise ConfigError(f"zoom_overlap must be in [0, 0.9), got {self.zoom_overlap}")
        if self.zoom_size < 64 or self.zoom_every < 1 or self.roi_factor < 1.0:
            raise ConfigError(
                "expected zoom_size >= 64, zoom_every >= 1, roi_factor >= 1, got "
                f"{self.zoom_size}, {self.zoom_every}, {self.roi_factor}"
            )
        if self.crop_filter not in ("lanczos", "cubic", "linear"):
            raise ConfigError(
                f"crop_filter must be lanczos, cubic or linear, got {self.crop_filter!r}"
            )


def parse_policy(policy: str) -> tuple[str, int | None]:
    """Split a policy string into (kind, track id); ConfigError on an unknown one."""
    if policy in POLICIES:
        return policy, None
    if policy.startswith("id:"):
        try:
            return "id", int(policy[3:])
        except ValueError:
            pass
    raise ConfigError(f"unknown face policy {policy!r}; expected one of {POLICIES} or 'id:N'")
