"""Settings of the face tracker (a dataclass; the CLI and presets build on it).

Landmark and pose smoothing live in ``streamfx.temporal.config.TemporalConfig``.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.errors import ConfigError, check_field

POLICIES = ("largest", "central", "all")
DETECTORS = ("full_range", "landmarker")


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
    compute_crop: bool = True
    """Resample the 512x512 EG3D crop for every returned face (off: transforms only)."""
    crop_filter: str = "cubic"
    """Resampling filter of the crop: ``lanczos`` (the official one; ~30 ms per face with
    OpenCV on one core), ``cubic`` (~3 ms; differs from Lanczos by ~1 grey level) or ``linear``."""
    crop_truncate: bool = False
    """Place the EG3D crop with the official implementation's int() truncations (the crop
    moves in steps of one pixel of its 1024 grid; for parity checks against official crops).
    Off: sub-pixel, so a slowly moving head never snaps and the crop follows a shifted or
    scaled frame exactly."""

    detector: str = "full_range"
    """How faces are found: ``full_range`` (MediaPipe's full-range BlazeFace finds faces down to
    ~40 px in 720p every ``detect_every`` frames, the landmarker runs on a crop around each face
    and follows it from its landmarks in between; ``face_detection_full_range_sparse.tflite`` is
    fetched by the model-file manager) or ``landmarker`` (the landmarker's own short-range
    detector on the whole frame, with the zoomed fallback below for small faces)."""
    detect_every: int = 5
    """``full_range``: frames between detector runs while faces are followed (each run looks at
    one of the frame's windows in turn: the whole frame, then square windows of its height);
    a followed face that is lost brings the next run forward and looks everywhere at once."""
    detect_window: float = 0.67
    """``full_range``: side of the square windows the detector also looks at, as a fraction of
    the frame's shorter side (a 60 px face in 720p is found in a 480 px window, not in the
    whole frame); frames whose windows would be under 256 px use the whole frame only."""
    follow_budget: int = 0
    """``full_range``: most followed faces landmarked per frame (0: all). With more faces than
    this, they take turns and a face not landmarked on a frame keeps its last landmarks there
    (groups: e.g. 3 of 6 faces per frame halves tracking, each face updated every other
    frame); counted in ``FaceTracker.stats['held']``."""
    follow_factor: float = 2.0
    """``full_range``: side of the square crop around a face's last landmark box (or detector
    box), in face sizes, that the landmarker runs on."""
    follow_size: int = 256
    """``full_range``: the crop is resampled to this side (pixels) when smaller; larger crops
    are resampled to at most ``follow_max_size``."""
    follow_max_size: int = 384
    """``full_range``: largest side (pixels) of the resampled crop around a large face."""

    follow_threads: int = 0
    """``full_range``: followed faces landmarked at once, each on its own thread (MediaPipe
    runs without Python's lock, so a group's landmarking takes less wall time; the results are
    the same). 0 (auto): the usable CPU cores, at most 4; 1: one face after another."""

    zoom: bool = True
    """Look for faces too small for MediaPipe's detector (narrower than ~15% of the frame) in
    zoomed windows: tiles of the frame when too few faces are found, and crops around small
    tracked faces in ``track`` (see ``streamfx.face.zoom``). With ``detector=full_range`` the
    tiles are only the last resort of ``detect`` (a still where the detector finds no face)."""
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
        check_field(self.max_faces >= 1, "face.max_faces", ">= 1", self.max_faces)
        check_field(self.min_face_px >= 0, "face.min_face_px", ">= 0 pixels", self.min_face_px)
        for name in (
            "min_detection_confidence",
            "min_presence_confidence",
            "min_tracking_confidence",
        ):
            value = getattr(self, name)
            check_field(0.0 <= value <= 1.0, f"face.{name}", "a score in [0, 1]", value)
        check_field(
            self.lost_timeout_ms >= 0, "face.lost_timeout_ms", ">= 0 ms", self.lost_timeout_ms
        )
        parse_policy(self.policy)
        ok = self.detector in DETECTORS
        check_field(ok, "face.detector", " or ".join(DETECTORS), self.detector)
        check_field(self.detect_every >= 1, "face.detect_every", ">= 1 frame", self.detect_every)
        ok = 0.2 <= self.detect_window <= 1.0
        check_field(ok, "face.detect_window", "a fraction in [0.2, 1]", self.detect_window)
        ok = self.follow_budget >= 0
        check_field(ok, "face.follow_budget", ">= 0 faces (0: all)", self.follow_budget)
        ok = self.follow_threads >= 0
        check_field(ok, "face.follow_threads", ">= 0 (0: auto)", self.follow_threads)
        ok = self.follow_factor >= 1.2
        check_field(ok, "face.follow_factor", ">= 1.2 face sizes", self.follow_factor)
        ok = 64 <= self.follow_size <= self.follow_max_size
        check_field(ok, "face.follow_size", ">= 64 and <= follow_max_size", self.follow_size)
        ok = bool(self.zoom_scales) and all(0.0 < f <= 1.0 for f in self.zoom_scales)
        check_field(ok, "face.zoom_scales", "fractions in (0, 1]", self.zoom_scales)
        ok = 0.0 <= self.zoom_overlap < 0.9
        check_field(ok, "face.zoom_overlap", "a fraction in [0, 0.9)", self.zoom_overlap)
        check_field(self.zoom_size >= 64, "face.zoom_size", ">= 64 pixels", self.zoom_size)
        check_field(self.zoom_every >= 1, "face.zoom_every", ">= 1 frame", self.zoom_every)
        check_field(self.roi_factor >= 1.0, "face.roi_factor", ">= 1", self.roi_factor)
        ok = self.crop_filter in ("lanczos", "cubic", "linear")
        check_field(ok, "face.crop_filter", "lanczos, cubic or linear", self.crop_filter)


def parse_policy(policy: str) -> tuple[str, int | None]:
    """Split a policy string into (kind, track id); ConfigError on an unknown one."""
    if policy in POLICIES:
        return policy, None
    if policy.startswith("id:"):
        try:
            return "id", int(policy[3:])
        except ValueError:
            pass
    raise ConfigError(f"face.policy: expected one of {', '.join(POLICIES)} or id:N, got {policy!r}")
