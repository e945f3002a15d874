"""Preview window: a clear error without a display, and the stats overlay drawing."""

from __future__ import annotations

import numpy as np
import pytest

from streamfx.errors import SinkError
from streamfx.outputs import PreviewSink
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
