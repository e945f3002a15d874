"""Every built-in mesh style edits the face and only the face once composited."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streamfx.backends.mesh import MeshEditor
from streamfx.backends.mesh.assets import astronaut, face_from_landmarks
from streamfx.backends.mesh.paste import paste_edit
from streamfx.backends.mesh.styles import EFFECTS, apply_effect, get_effect
from streamfx.backends.styles_catalog import list_styles
from streamfx.errors import ConfigError

MESH_STYLES = sorted(s.name for s in list_styles() if s.editor == "mesh" and s.name != "identity")


@pytest.fixture(scope="module")
def scene():
    img, lm = astronaut()
    face = face_from_landmarks(img, lm)
    hull = np.zeros(img.shape[:2], np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(np.round(lm[:, :2]).astype(np.int32)), 1)
    inner = cv2.erode(hull, np.ones((15, 15), np.uint8)).astype(bool)
    outside = ~cv2.dilate(hull, np.ones((9, 9), np.uint8)).astype(bool)
    return img, face, inner, outside


def _composite(frame: np.ndarray, edit, face) -> np.ndarray:
    """The project's compositor (no colour matching: mesh styles recolour on purpose, and no
    fade-in), else the mesh package's minimal warp + alpha blend."""
    try:
        from streamfx.compose import ComposeConfig, Compositor
    except ImportError:
        return paste_edit(frame, edit, face.from_crop)
    comp = Compositor(ComposeConfig(color_match="none", fade_frames=1))
    return comp.compose(frame, [face], {face.track_id: edit})


def test_all_builtin_styles_are_listed() -> None:
    assert {"cartoon", "sketch", "bronze", "marble", "neon", "golden"} <= set(MESH_STYLES)


@pytest.mark.parametrize("style", MESH_STYLES)
def test_style_changes_the_face_and_keeps_the_background(scene, style: str) -> None:
    img, face, inner, outside = scene
    ed = MeshEditor(style)
    edit = ed.edit(img, face)
    side = ed.output_size_for(face)  # the crop at the face's own resolution
    assert edit.image.shape == (side, side, 3) and edit.image.dtype == np.uint8
    out = _composite(img, edit, face)
    assert np.array_equal(out[outside], img[outside]), "pixels outside the face changed"
    change = np.abs(out.astype(np.int32) - img)[inner].mean()
    assert change > 12.0, f"{style} barely changes the face (mean abs diff {change:.1f})"


def test_identity_composite_keeps_the_face() -> None:
    img, lm = astronaut()
    face = face_from_landmarks(img, lm)
    out = _composite(img, MeshEditor("identity").edit(img, face), face)
    assert np.abs(out.astype(np.int32) - img).mean() < 1.0


def test_effect_registry_and_parameter_checks(scene) -> None:
    img, face, _, _ = scene
    g = MeshEditor("identity").render(img, face)
    assert set(EFFECTS) >= {"identity", *MESH_STYLES}
    with pytest.raises(ConfigError, match="available"):
        get_effect("nope")
    with pytest.raises(ConfigError, match="levels"):
        apply_effect("cartoon", g, {"no_such_param": 1})
    strong = apply_effect("cartoon", g, {"levels": 3})
    assert not np.array_equal(strong, apply_effect("cartoon", g))


@pytest.mark.parametrize("style", MESH_STYLES)
def test_style_is_stable_under_camera_noise(scene, style: str) -> None:
    """Sitting still: sensor noise (sigma 2 levels) must not make styled pixels pop (flicker)."""
    img, face, _, _ = scene
    rng = np.random.default_rng(1)
    ed = MeshEditor(style)
    outs = []
    for _ in range(2):
        noisy = np.clip(img + rng.normal(0.0, 2.0, img.shape), 0, 255).astype(np.uint8)
        edit = ed.edit(noisy, face)
        outs.append(edit.image.astype(np.int32))
    diff = np.abs(outs[0] - outs[1])[edit.alpha > 0.5]
    assert np.percentile(diff, 99) <= 20, f"{style}: p99 change {np.percentile(diff, 99)}"
    assert (diff > 40).mean() < 0.002
