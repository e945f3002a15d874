"""MeshEditor.edit_faces: a frame's faces as one batch give exactly the single-face edits;
effects computed only around the face give the whole crop's pixels where the face is."""

from __future__ import annotations

import copy
import math

import cv2
import numpy as np
import pytest

from streamfx.backends.mesh import MeshConfig, MeshEditor
from streamfx.backends.mesh.assets import astronaut, face_from_landmarks
from streamfx.backends.mesh.styles import EFFECTS, apply_effect, apply_effect_boxed
from streamfx.geometry.camera import camera_from_angles

SCALES = ((1.0, (40, 30)), (0.62, (600, 60)), (0.4, (700, 400)), (0.28, (300, 520)))


@pytest.fixture(scope="module")
def group():
    """A 1024x720 frame with the astronaut at four sizes (faces about 25 to 90 px wide)."""
    img, lm = astronaut()
    frame = np.full((720, 1024, 3), 118, np.uint8)
    faces = []
    for s, (x, y) in SCALES:
        small = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        h, w = small.shape[:2]
        frame[y : y + h, x : x + w] = small
        pts = lm.copy()
        pts[:, :2] = (pts[:, :2] + 0.5) * s - 0.5 + (x, y)
        pts[:, 2] *= s
        faces.append(pts)
    return frame, [face_from_landmarks(frame, pts, track_id=t) for t, pts in enumerate(faces)]


def test_edit_faces_equals_single_edits(group) -> None:
    frame, faces = group
    cameras = [None, camera_from_angles(math.radians(12), 0.0), None, None]
    batch_ed, single_ed = (MeshEditor("cartoon", MeshConfig(crossfade_frames=2)) for _ in "ab")
    for ed in (batch_ed, single_ed):
        ed.set_track_style(2, "sketch")
    for step in range(3):  # a style change mid-way: per-track cross-fades stay in step
        if step == 1:
            batch_ed.set_style("neon")
            single_ed.set_style("neon")
        batch = batch_ed.edit_faces(frame, faces, cameras)
        singles = [single_ed.edit(frame, f, c) for f, c in zip(faces, cameras, strict=True)]
        assert len(batch) == len(faces)
        for b, s in zip(batch, singles, strict=True):
            np.testing.assert_array_equal(b.image, s.image)
            np.testing.assert_array_equal(b.alpha, s.alpha)
            np.testing.assert_array_equal(b.depth, s.depth)
            assert b.color_match == s.color_match
            assert set(b.timings) == {"lift", "render", "style"}
    assert batch_ed.style_of(2) == "sketch" and batch_ed.style_of(0) == "neon"
    assert batch_ed.edit_faces(frame, [], []) == []


@pytest.mark.parametrize("effect", sorted(set(EFFECTS) - {"identity"}))
def test_boxed_effect_equals_the_whole_crop_where_the_face_is(group, effect: str) -> None:
    frame, faces = group
    ed = MeshEditor("identity", MeshConfig(output_size=512))
    for face in faces[:3]:
        g = ed.render(frame, face)
        x0, y0, x1, y1 = g.style_region(16)
        assert (x1 - x0) * (y1 - y0) < 0.8 * g.size[0] * g.size[1]  # really a region
        boxed, whole = apply_effect_boxed(effect, g), apply_effect(effect, g)
        on = g.alpha > 0
        assert not on[:y0].any() and not on[y1:].any()
        assert not on[:, :x0].any() and not on[:, x1:].any()
        diff = np.abs(boxed.astype(int) - whole.astype(int))[on]
        assert diff.max() <= 2 and (diff > 0).mean() < 1e-3, (effect, g.work_size)


def test_the_trackers_crop_is_optional(group) -> None:
    """Without ``face.crop`` the background is warped here (outside the face box only): the
    pixels where alpha > 0 are the same as with it."""
    frame, faces = group
    bare = [copy.copy(f) for f in faces]
    for f in bare:
        f.crop = None
    ed = MeshEditor("sketch", MeshConfig(output_size=512))
    assert ed.needs_crop is False
    edits = ed.edit_faces(frame, faces, [None] * 4), ed.edit_faces(frame, bare, [None] * 4)
    for face, with_crop, without in zip(faces, *edits, strict=True):
        on = with_crop.alpha > 0
        np.testing.assert_array_equal(with_crop.alpha, without.alpha)
        np.testing.assert_array_equal(with_crop.image[on], without.image[on])
        plain = cv2.warpAffine(frame, face.to_crop, (512, 512), flags=cv2.INTER_LINEAR)
        corner = np.abs(without.image[:16, :16].astype(int) - plain[:16, :16])
        assert corner.max() <= 1  # the plain (bilinear) crop around the face


@pytest.mark.parametrize("style", sorted(EFFECTS))
def test_small_faces_are_edited_at_their_own_resolution(group, style: str) -> None:
    """By default a face's edit comes back at the resolution its crop has in the frame (not at
    512, only to be shrunk back): composited into the frame it looks like the full 512 edit
    (blurred over 2 px, a few grey levels apart; pixel for pixel too, but for sketch, whose
    hatching is drawn at least 3 pixels wide instead of aliasing at 2)."""
    from streamfx.backends.mesh.lift import affine_scale
    from streamfx.compose import ComposeConfig, Compositor

    frame, faces = group
    native, full = MeshEditor(style), MeshEditor(style, MeshConfig(output_size=512))
    small = native.edit_faces(frame, faces, [None] * 4)
    big = full.edit_faces(frame, faces, [None] * 4)
    cfg = ComposeConfig(color_match="none", fade_frames=1)
    for face, a, b in zip(faces, small, big, strict=True):
        side = a.image.shape[0]
        own = 512 / affine_scale(face.to_crop)  # the crop's side in frame pixels
        assert side == a.alpha.shape[0] == native.output_size_for(face) < 512
        assert abs(side - own) <= 8 or side == native.work_size_for(face) > own
        assert b.image.shape == (512, 512, 3)
        out_a = Compositor(cfg).compose(frame, [face], {face.track_id: a}).astype(np.float32)
        out_b = Compositor(cfg).compose(frame, [face], {face.track_id: b}).astype(np.float32)
        on = np.any(out_b != frame, axis=2)
        assert on.sum() > 200
        blur_a, blur_b = (cv2.GaussianBlur(o, (0, 0), 2.0) for o in (out_a, out_b))
        assert np.abs(blur_a - blur_b)[on].mean() < 10.0, side
        if style != "sketch":
            assert np.abs(out_a - out_b)[on].mean() < 6.0, side


def test_normals_made_in_the_batch_once_a_style_read_them(group) -> None:
    """A style that read the normal map gets it made with the other attributes from then on
    (one gather for the frame's faces), with exactly the pixels of the lazy map."""
    from streamfx.backends.mesh.gbuffer import render_gbuffers
    from streamfx.backends.mesh.lift import lift_face

    frame, faces = group
    meshes = [lift_face(f) for f in faces]
    args = (frame, [(512, 512)] * 4, [128] * 4, [f.from_crop for f in faces], [None] * 4)
    lazy = render_gbuffers(meshes, *args)
    eager = render_gbuffers(meshes, *args, normals=[True, False, True, False])
    assert [g.made("normals") for g in lazy] == [False] * 4
    assert [g.made("normals") for g in eager] == [True, False, True, False]
    for a, b in zip(lazy, eager, strict=True):
        np.testing.assert_array_equal(a.normals, b.normals)
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.alpha, b.alpha)
    ed = MeshEditor("bronze")  # reads normals; cartoon does not
    first, second = (ed.edit_faces(frame, faces, [None] * 4) for _ in "ab")
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.image, b.image)
