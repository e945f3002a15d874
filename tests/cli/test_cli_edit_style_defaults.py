"""``streamfx edit`` applies a style's ``[defaults]`` (strength, pose correction, smoothing) as
the live camera does, single file and batch; settings given explicitly win."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from streamfx.batch.job import offline_controls
from streamfx.cli.main import main
from streamfx.config import EditingConfig, PipelineConfig
from streamfx.errors import ConfigError
from streamfx.temporal.config import TemporalConfig


def _style(root: Path, name: str, defaults: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "style.toml").write_text(
        f'name = "{name}"\neditor = "mesh"\neffect = "cartoon"\n[defaults]\n{defaults}'
    )


@pytest.fixture(autouse=True)
def styles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``calm`` (cartoon at 80 %, looking at the camera, smooth) and ``ghost`` (strength 0)."""
    root = tmp_path / "styles"
    _style(root, "calm", "strength = 0.8\npose_fraction = 0.5\nsmoothing = 0.9\n")
    _style(root, "ghost", "strength = 0.0\n")
    monkeypatch.setenv("STREAMFX_STYLES", str(root))
    return root


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    from streamfx.backends.mesh.assets import astronaut

    p = tmp_path / "in" / "photo.png"
    p.parent.mkdir()
    Image.fromarray(astronaut()[0]).save(p)
    return p


def _controls(style: str | None, editing: dict | None = None, **temporal):
    from streamfx.backends.mesh.editor import MeshEditor

    editor = EditingConfig(style=style, **(editing or {}))
    config = PipelineConfig(editor=editor, temporal=TemporalConfig(**temporal))
    backend = MeshEditor("cartoon")
    try:
        return offline_controls(config, backend), backend
    finally:
        backend.close()


def test_style_defaults_fill_the_controls_and_explicit_smoothing_wins() -> None:
    (state, origin), backend = _controls("calm")
    assert (state.strength, state.pose_fraction, state.smoothing) == (0.8, 0.5, 0.9)
    assert state.pose_max_deg == 20.0 and state.pose_ease_frames == 0  # unset: as live
    assert origin == dict.fromkeys(("strength", "pose_fraction", "smoothing"), "style calm")
    (state, origin), _ = _controls("calm", edit_smoothing=0.2)
    assert state.smoothing == 0.2 and origin["smoothing"] == "--temporal.edit-smoothing"
    assert state.strength == 0.8  # the style still sets what was not given
    (state, origin), _ = _controls("calm", smooth_triplanes=False)
    assert state.smoothing == 0.0 and origin["smoothing"] == "--temporal.no-smooth-triplanes"
    (state, _), backend = _controls("ghost")
    assert state.strength == 0.0 and state.smoothing == backend.smoothing  # the editor's own
    assert _controls("cartoon")[0] is None  # no defaults: the editor runs as it always did
    assert _controls(None)[0] is None


def test_strength_and_pose_flags_win_over_the_style() -> None:
    (state, origin), _ = _controls("calm", {"strength": 0.3, "pose_fraction": 0.0})
    assert (state.strength, state.pose_fraction, state.smoothing) == (0.3, 0.0, 0.9)
    assert origin["strength"] == "--strength" and origin["pose_fraction"] == "--pose-fraction"
    assert origin["smoothing"] == "style calm"
    (state, origin), _ = _controls("cartoon", {"strength": 0.5})  # a style without defaults
    assert state.strength == 0.5 and origin == {"strength": "--strength"}
    with pytest.raises(ConfigError, match=r"editor\.strength"):
        EditingConfig(strength=1.5)


def test_the_live_controls_start_from_the_flags(styles: Path) -> None:
    from streamfx.control.session import live_controls
    from streamfx.runtime.build import build_pipeline

    editor = EditingConfig(editor="mesh", style="calm", strength=0.4)
    built = build_pipeline(PipelineConfig(editor=editor))
    try:
        controls, _, _ = live_controls(PipelineConfig(editor=editor), built)
        state = controls.snapshot()
        assert (state.strength, state.pose_fraction) == (0.4, 0.5)  # flag, then the style's
        controls.set_style("ghost")  # a later style brings its own defaults
        assert controls.snapshot().strength == 0.0
    finally:
        built.pipeline.close()


def test_edit_with_strength_zero_keeps_the_real_face(photo: Path, tmp_path: Path, face_model):
    out = tmp_path / "zero.png"
    argv = ["edit", str(photo), "-o", str(out), "--style", "cartoon", "--strength", "0"]
    assert main([*argv, "--no-progress"]) == 0
    original = np.asarray(Image.open(photo).convert("RGB"))
    np.testing.assert_array_equal(np.asarray(Image.open(out).convert("RGB")), original)


def test_edit_applies_the_style_defaults(photo: Path, tmp_path: Path, face_model, capsys) -> None:
    original = np.asarray(Image.open(photo).convert("RGB"))
    outs = {}
    for style in ("cartoon", "ghost"):
        out = tmp_path / f"{style}.png"
        assert main(["edit", str(photo), "-o", str(out), "--style", style, "--no-progress"]) == 0
        outs[style] = np.asarray(Image.open(out).convert("RGB"))
    printed = capsys.readouterr().out
    assert "controls: strength 0 (style ghost)" in printed
    assert (np.abs(outs["cartoon"].astype(int) - original).max(-1) > 8).mean() > 0.01  # edited
    np.testing.assert_array_equal(outs["ghost"], original)  # strength 0: the real face


def test_a_config_file_value_wins_over_the_style(
    photo: Path, tmp_path: Path, face_model, capsys
) -> None:
    cfg = tmp_path / "run.toml"
    cfg.write_text("[temporal]\nedit_smoothing = 0.3\n")
    out = tmp_path / "calm.png"
    argv = ["edit", str(photo), "-o", str(out), "--style", "calm", "--config", str(cfg)]
    assert main(argv + ["--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "strength 0.8 (style calm)" in printed and "pose_fraction 0.5 (style calm)" in printed
    assert "smoothing 0.3 (--temporal.edit-smoothing)" in printed


def test_a_batch_applies_the_style_defaults(photo: Path, tmp_path: Path, face_model) -> None:
    second = photo.parent / "sub" / "second.png"
    second.parent.mkdir()
    Image.open(photo).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(second)
    out = tmp_path / "out"
    assert (
        main(["edit", str(photo.parent), "-o", str(out), "--style", "ghost", "--no-progress"]) == 0
    )
    for src in (photo, second):
        dst = out / src.relative_to(photo.parent)
        original = np.asarray(Image.open(src).convert("RGB"))
        np.testing.assert_array_equal(np.asarray(Image.open(dst).convert("RGB")), original)
