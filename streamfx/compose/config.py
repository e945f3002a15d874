"""Settings of the compositor (plain dataclass, no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.errors import check_field

COLOR_MODES = ("lab", "none")


@dataclass
class ComposeConfig:
    """How edited faces are blended back."""

    feather: float = 0.08
    """Width of the soft mask edge as a fraction of the face size (landmark box side)."""
    color_match: str = "lab"
    """``lab``: match the edit's Lab mean/std to the frame inside the face; ``none``: off.
    An edit overrides it with ``FaceEdit.color_match`` (the mesh styles set "none")."""
    color_strength: float = 1.0
    """0..1, how far the colour matching goes (0 = unchanged edit colours)."""
    color_smoothing: float = 0.8
    """0..1, weight of the previous frame's colour transfer per track (steadies flicker)."""
    fade_frames: int = 6
    """Frames to cross-fade an edit in (new or returning track) and out (lost track)."""
    fade_in: bool | None = None
    """Fade the edit of a new track in over ``fade_frames``. None: live runs fade in (a track
    change is smooth), offline edits do not (every face is fully edited from frame 0)."""

    hold_frames: int = 3
    """A tracked face missing from this many frames in a row (a detection hiccup) keeps its
    edit at its last place at full strength; after that it fades out. Its state (colour
    transfer, fade) is dropped only when the tracker ends the track."""

    def __post_init__(self) -> None:
        ok = 0.0 <= self.feather <= 1.0
        check_field(ok, "compose.feather", "a fraction of the face size in [0, 1]", self.feather)
        ok = self.color_match in COLOR_MODES
        check_field(ok, "compose.color_match", " or ".join(COLOR_MODES), self.color_match)
        check_field(self.fade_frames >= 1, "compose.fade_frames", ">= 1", self.fade_frames)
        ok = 0.0 <= self.color_smoothing < 1.0
        check_field(ok, "compose.color_smoothing", "a weight in [0, 1)", self.color_smoothing)
        ok = 0.0 <= self.color_strength <= 1.0
        check_field(ok, "compose.color_strength", "a fraction in [0, 1]", self.color_strength)
        check_field(self.hold_frames >= 0, "compose.hold_frames", ">= 0", self.hold_frames)
