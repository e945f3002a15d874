"""Preview window: a clear error without a display, the stats overlay drawing, and the keyboard
shortcuts acting on the real live controls (no window needed: the key handler is called)."""

from __future__ import annotations

import numpy as np
import pytest

from streamfx.errors import SinkError
from streamfx.outputs import PreviewSink
from streamfx.outputs.preview import KEY_HELP, POSE_ON, STRENGTH_STEP, KeyControls
from streamfx.runtime.controls import ControlState, LiveControls
from streamfx.runtime.slate import make_slate


def test_no_display_is_a_clear_sink_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SinkError, match="no display"):
        PreviewSink().open(64, 48, 30.0)


def test_overlay_draws_text_without_touching_the_frame() -> None:
    sink = PreviewSink()
    image = np.full((60, 200, 3), 100, np.uint8)
    sink.set_overlay("in 25.0 fps | out 25.0 fps\ndropped 3")
    drawn = sink._draw(image)
    assert (image == 100).all()  # the frame itself is never modified
    changed = (drawn != 100).any(axis=2)
    assert changed[:24].any() and changed[24:44].any()  # two lines of text
    assert not changed[50:].any()


def test_slate_darkens_the_last_frame_and_writes_on_it() -> None:
    base = np.full((120, 160, 3), 200, np.uint8)
    slate = make_slate(base, 160, 120)
    assert slate.shape == (120, 160, 3) and slate[0, 0, 0] == 60
    assert (slate == 255).any()  # the text
    assert make_slate(None, 161, 91).shape == (91, 161, 3)


def _controls() -> LiveControls:
    start = ControlState(default_style="cartoon")
    return LiveControls(start, styles=["cartoon", "sketch", "bronze"])


def test_keys_switch_styles_passthrough_pose_and_strength_on_the_live_controls() -> None:
    controls = _controls()
    sink = PreviewSink()
    sink.controls = controls  # as ``streamfx camera`` hands it over
    sink.on_key(ord("n"))
    assert controls.snapshot().default_style == "sketch" and sink.message == "style: sketch"
    sink.on_key(ord("p"))
    sink.on_key(ord("["))  # wraps around
    assert controls.snapshot().default_style == "bronze"
    sink.on_key(ord(" "))
    assert controls.snapshot().passthrough and sink.message == "passthrough on"
    sink.on_key(ord(" "))
    assert not controls.snapshot().passthrough
    sink.on_key(ord("c"))
    assert controls.snapshot().pose_fraction == POSE_ON
    controls.update(pose_fraction=0.3)  # e.g. from the web panel
    sink.on_key(ord("c"))
    assert controls.snapshot().pose_fraction == 0.0 and sink.message == "pose correction off"
    sink.on_key(ord("c"))  # back at the last value
    assert controls.snapshot().pose_fraction == 0.3
    sink.on_key(ord("+"))  # already at 1: stays there
    assert controls.snapshot().strength == 1.0
    sink.on_key(ord("-"))
    assert controls.snapshot().strength == pytest.approx(0.9) and sink.message == "strength 0.9"
    for _ in range(12):
        sink.on_key(ord("-"))
    assert controls.snapshot().strength == 0.0  # clamped, never an error
    sink.on_key(ord("="))
    assert controls.snapshot().strength == pytest.approx(STRENGTH_STEP)
    version = controls.version
    sink.on_key(ord("z"))  # not a shortcut: nothing changes
    assert controls.version == version and not sink.wants_stop
    sink.on_key(27)
    assert sink.wants_stop


def test_help_on_h_is_drawn_over_the_frame() -> None:
    sink = PreviewSink()
    sink.controls = _controls()
    assert sink.lines() == ["h: keys"]
    sink.on_key(ord("h"))
    lines = sink.lines()
    assert lines[0] == "keys:" and list(KEY_HELP) == lines[1:]
    assert any("pose correction" in line for line in lines)
    image = np.full((200, 320, 3), 100, np.uint8)
    drawn = sink._draw(image, lines)
    rows = (drawn != 100).any(axis=(1, 2))
    assert rows[:20].any() and rows[135:150].any()  # eight lines, 18 px apart
    assert not rows[155:].any()
    sink.on_key(ord("h"))
    assert "keys:" not in sink.lines()


def test_keys_without_controls_only_toggle_help_and_quit() -> None:
    sink = PreviewSink()
    sink.on_key(ord("n"))
    assert sink.message is None and sink.lines() == []
    sink.on_key(ord("h"))
    assert sink.show_help
    sink.on_key(ord("q"))
    assert sink.wants_stop


def test_key_controls_with_no_styles_say_so() -> None:
    keys = KeyControls(LiveControls(ControlState(), styles=[]))
    assert keys.press("n") == "no other style to switch to"
    assert keys.press("x") is None
