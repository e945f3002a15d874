"""Live controls: the settings a running pipeline reads on every frame, changed from anywhere.

``LiveControls`` is the one object the control API, the preview window's keys and the OBS
script write to, and the edit stage, the track stage and the runner read from. Writers and
readers live on different threads: every change takes a lock, bumps ``version`` and calls the
listeners (the API's WebSocket) outside the lock; the frame path only takes an immutable
``ControlState`` snapshot (one lock, no allocation beyond the snapshot) per frame.

Nothing here blocks: a style change is a note of what is wanted; the edit stage hands it to the
backend, which prepares the new style off the frame path and cross-fades to it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from streamfx.errors import ConfigError, check_field

POLICIES = ("all", "largest")


@dataclass(frozen=True)
class ControlState:
    """One consistent reading of the controls (what the frame path uses for one frame).

    default_style: style of every face without its own (None: the backend's start style).
    track_styles: track id -> style for faces with their own style.
    policy: which faces are edited: ``all``, ``largest`` or ``id:N`` (only track N).
    strength: blend of the edited face over the real one, in [0, 1].
    pose_fraction: pull of yaw and pitch toward frontal ("look at the camera"), in [0, 1].
    pose_max_deg: largest correction (degrees) applied to yaw and to pitch.
    pose_ease_frames: frames over which the correction eases in and out.
    smoothing: temporal smoothing of the edit (3DPE triplanes, mesh crops), 0 (off) .. 1.
    landmark_smoothing: One-Euro smoothing of landmarks and pose in the tracker.
    passthrough: show the real frame (edits fade out), e.g. while the streamer is away.
    crossfade_frames: frames of the cross-fade after a style change (0: a cut).
    version: bumped on every change.
    """

    default_style: str | None = None
    track_styles: dict[int, str] = field(default_factory=dict)
    policy: str = "all"
    strength: float = 1.0
    pose_fraction: float = 0.0
    pose_max_deg: float = 20.0
    pose_ease_frames: int = 8
    smoothing: float = 0.65
    landmark_smoothing: bool = True
    passthrough: bool = False
    crossfade_frames: int = 8
    version: int = 0

    def style_for(self, track_id: int) -> str | None:
        """The style track ``track_id`` should show (its own, else the default)."""
        return self.track_styles.get(track_id, self.default_style)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (track ids as strings)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["track_styles"] = {str(k): v for k, v in self.track_styles.items()}
        return d


def check_policy(policy: str) -> str:
    """``all``, ``largest`` or ``id:N``; ConfigError otherwise."""
    if policy in POLICIES:
        return policy
    if policy.startswith("id:") and policy[3:].lstrip("-").isdigit():
        return policy
    raise ConfigError(f"policy: expected all, largest or id:N, got {policy!r}")


def _check(state: ControlState) -> None:
    s = state
    check_field(0.0 <= s.strength <= 1.0, "strength", "a number in [0, 1]", s.strength)
    ok = 0.0 <= s.pose_fraction <= 1.0
    check_field(ok, "pose.fraction", "a number in [0, 1]", s.pose_fraction)
    ok = 0.0 <= s.pose_max_deg <= 60.0
    check_field(ok, "pose.max_deg", "degrees in [0, 60]", s.pose_max_deg)
    ok = 0 <= s.pose_ease_frames <= 300
    check_field(ok, "pose.ease_frames", "0..300 frames", s.pose_ease_frames)
    check_field(0.0 <= s.smoothing <= 1.0, "smoothing", "a number in [0, 1]", s.smoothing)
    ok = 0 <= s.crossfade_frames <= 300
    check_field(ok, "crossfade_frames", "0..300 frames", s.crossfade_frames)
    check_policy(s.policy)


Listener = Callable[[str, dict[str, Any]], None]
#: Controls a style may start from (its style.toml ``[defaults]``, see ``styles_catalog``).
STYLE_DEFAULT_FIELDS = ("strength", "pose_fraction", "pose_max_deg", "smoothing")


def catalog_defaults(style: str) -> dict[str, float]:
    """The ``[defaults]`` of catalog style ``style`` (empty for a style without them, an
    unknown name or a reference image: the backend judges those)."""
    from streamfx.backends.styles_catalog import load_style

    try:
        spec = load_style(style)
    except Exception:
        return {}
    return {k: v for k, v in spec.defaults.items() if k in STYLE_DEFAULT_FIELDS}


class LiveControls:
    """Thread-safe holder of the live settings (see ``ControlState`` for each one).

    styles: the names a style may be set to (None: anything; the backend judges).
    style_defaults: a style name -> its control values (default: the catalog's style.toml
    ``[defaults]``, e.g. ``pose_fraction = 0.5``), applied when the style becomes the default
    style (at start and on ``set_style`` without a track; a per-track style changes no shared
    control); later changes of those controls stand until the next style. ``set``
    raises ``ConfigError`` (a ``ValueError``) for a bad value and ``UnknownStyle`` (a
    ``KeyError``) for a style not in ``styles``; nothing changes then.
    Listeners get ``(event, data)``: ``controls`` (any change, data = the new state),
    ``style`` (data: style, track), ``face`` (appeared / lost), ``swap`` (a style reached the
    output, with its latency), ``stats`` (from the runner).
    """

    def __init__(
        self,
        state: ControlState | None = None,
        styles: list[str] | None = None,
        style_defaults: Callable[[str], dict[str, float]] | None = None,
    ):
        self._lock = threading.Lock()
        self._style_defaults = style_defaults or catalog_defaults
        self._defaults_cache: dict[str, dict[str, float]] = {}
        state = state or ControlState()
        if state.default_style:
            state = replace(state, **self._defaults_of(state.default_style))
        self._state = state
        _check(self._state)
        self.styles = list(styles) if styles is not None else None
        self._listeners: list[Listener] = []
        self._swaps: dict[int | None, tuple[str, float]] = {}  # track -> (style, t_request)

    # -- reading -----------------------------------------------------------------------------
    def snapshot(self) -> ControlState:
        """The current state (immutable; cheap)."""
        with self._lock:
            return self._state

    @property
    def version(self) -> int:
        return self._state.version

    # -- writing -----------------------------------------------------------------------------
    def update(self, **changes: Any) -> ControlState:
        """Change any ``ControlState`` fields at once (checked first; all or nothing)."""
        known = set(ControlState.__dataclass_fields__) - {"version"}
        unknown = set(changes) - known
        if unknown:
            raise ConfigError(f"unknown control(s) {sorted(unknown)}")
        with self._lock:
            new = replace(self._state, **changes, version=self._state.version + 1)
            _check(new)
            self._state = new
        self.emit("controls", new.to_dict())
        return new

    def set_style(self, style: str, track: int | None = None) -> ControlState:
        """Ask for ``style`` on every face (``track`` None) or on one track's face."""
        self.check_style(style)
        defaults = self._defaults_of(style) if track is None else {}
        now = time.monotonic()
        with self._lock:
            st = self._state
            if track is None:
                new = replace(st, default_style=style, **defaults, version=st.version + 1)
                _check(new)
            else:
                styles = dict(st.track_styles)
                styles[int(track)] = style
                new = replace(st, track_styles=styles, version=st.version + 1)
            self._state = new
            self._swaps[track] = (style, now)
        self.emit("style", {"style": style, "track": track})
        self.emit("controls", new.to_dict())
        return new

    def clear_track_style(self, track: int) -> ControlState:
        """Track ``track`` follows the default style again."""
        with self._lock:
            st = self._state
            styles = {k: v for k, v in st.track_styles.items() if k != int(track)}
            new = replace(st, track_styles=styles, version=st.version + 1)
            self._state = new
        self.emit("controls", new.to_dict())
        return new

    def step_style(self, step: int, current: str | None = None) -> str | None:
        """Move the default style ``step`` places along ``styles`` (wrapping); the new name."""
        if not self.styles:
            return None
        cur = self.snapshot().default_style or current
        i = self.styles.index(cur) if cur in self.styles else -1 if step > 0 else 0
        name = self.styles[(i + step) % len(self.styles)]
        self.set_style(name)
        return name

    def _defaults_of(self, style: str) -> dict[str, Any]:
        """The style's control values (cached; unknown fields left out)."""
        if style not in self._defaults_cache:
            values = self._style_defaults(style) or {}
            known = {k: v for k, v in values.items() if k in STYLE_DEFAULT_FIELDS}
            self._defaults_cache[style] = known
        return self._defaults_cache[style]

    def check_style(self, style: str) -> None:
        if self.styles is not None and style not in self.styles:
            raise UnknownStyle(style, self.styles)

    # -- swap latency --------------------------------------------------------------------------
    def swap_pending(self, track: int | None) -> tuple[str, float] | None:
        with self._lock:
            return self._swaps.get(track)

    def swap_reached(self, track: int | None, style: str) -> float | None:
        """The edit stage saw ``style`` on the output of ``track`` (None: the default): the
        seconds since it was asked for, once (None when no such request is pending)."""
        with self._lock:
            pending = self._swaps.get(track)
            if pending is None or pending[0] != style:
                return None
            del self._swaps[track]
        seconds = time.monotonic() - pending[1]
        self.emit("swap", {"style": style, "track": track, "latency_ms": seconds * 1e3})
        return seconds

    # -- events ------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event, data)`` on every event; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to every listener (errors in a listener are its own business)."""
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            try:
                fn(event, data)
            except Exception:  # a broken listener never reaches the frame path
                pass


class UnknownStyle(KeyError):
    """A style name that is not among the available ones."""

    def __init__(self, style: str, available: list[str]) -> None:
        super().__init__(style)
        self.style, self.available = style, list(available)

    def __str__(self) -> str:
        return f"unknown style {self.style!r}; available: {', '.join(self.available)}"
