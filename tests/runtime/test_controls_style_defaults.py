"""A style's ``[defaults]`` (style.toml) set the live controls when the style is selected."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfx.backends.styles_catalog import load_style
from streamfx.errors import ConfigError
from streamfx.outputs.preview import KeyControls
from streamfx.runtime.controls import ControlState, LiveControls


def _style(root: Path, name: str, defaults: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "style.toml").write_text(
        f'name = "{name}"\neditor = "mesh"\neffect = "cartoon"\n[defaults]\n{defaults}'
    )


@pytest.fixture
def calm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user style ``calm``: cartoon that looks at the camera, at 80 % strength."""
    _style(tmp_path, "calm", "pose_fraction = 0.5\nstrength = 0.8\n")
    monkeypatch.setenv("STREAMFX_STYLES", str(tmp_path))
    return tmp_path


def test_selecting_a_style_applies_its_defaults(calm: Path) -> None:
    controls = LiveControls(ControlState(default_style="cartoon"), styles=["cartoon", "calm"])
    assert controls.snapshot().pose_fraction == 0.0
    controls.set_style("calm", track=3)  # one face's style: no shared control changes
    assert controls.snapshot().pose_fraction == 0.0
    state = controls.set_style("calm")
    assert (state.pose_fraction, state.strength) == (0.5, 0.8)
    controls.update(pose_fraction=0.2)  # a later change stands ...
    controls.set_style("cartoon")  # ... a style without defaults leaves the controls be
    assert controls.snapshot().pose_fraction == 0.2 and controls.snapshot().strength == 0.8
    controls.set_style("calm")  # ... until the style is selected again
    assert controls.snapshot().pose_fraction == 0.5


def test_the_start_style_and_the_preview_keys_apply_defaults_too(calm: Path) -> None:
    start = LiveControls(ControlState(default_style="calm"), styles=["calm"])
    assert start.snapshot().pose_fraction == 0.5 and start.snapshot().strength == 0.8
    controls = LiveControls(ControlState(default_style="cartoon"), styles=["cartoon", "calm"])
    assert KeyControls(controls).press("n") == "style: calm"
    assert controls.snapshot().pose_fraction == 0.5


def test_injected_defaults_and_unknown_fields(calm: Path) -> None:
    table = {"a": {"smoothing": 0.1, "colour": 3.0}}
    controls = LiveControls(styles=["a", "b"], style_defaults=lambda s: table.get(s, {}))
    controls.set_style("a")
    assert controls.snapshot().smoothing == 0.1  # only control fields are taken
    controls.set_style("b")
    assert controls.snapshot().smoothing == 0.1


def test_a_default_out_of_the_controls_range_is_refused_in_the_file(calm: Path) -> None:
    _style(calm, "wild", "pose_max_deg = 75\n")
    with pytest.raises(ConfigError, match=r"wild.*pose_max_deg.*\[0, 60\]"):
        load_style("wild")
