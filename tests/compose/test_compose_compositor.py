"""Compositor: unchanged paste-back, colour matching, alpha masks, fades, several faces."""

from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from streamfx.backends.mesh.assets import astronaut
from streamfx.compose import ComposeConfig, Compositor, hull_mask
from streamfx.errors import ConfigError, InputError
from streamfx.face.align import eg3d_crop_transform, five_points, warp_crop
from streamfx.face.types import Face
from streamfx.record import FaceEdit


@pytest.fixture(scope="module")
def scene():
    """The astronaut photo and its face: the shipped MediaPipe landmarks and the EG3D crop
    (no face model needed)."""
    img, lm = astronaut()
    to_crop, from_crop = eg3d_crop_transform(five_points(lm), (img.shape[1], img.shape[0]))
    lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
    face = Face(
        track_id=0,
        landmarks=lm,
        bbox=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
        crop=warp_crop(img, to_crop, 512),
        to_crop=to_crop,
        from_crop=from_crop,
    )
    return img, face


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _inside(face, shape) -> np.ndarray:
    return hull_mask(face.landmarks, (0, 0), shape[:2]) > 0


def test_unmodified_crop_leaves_the_frame_unchanged(scene) -> None:
    img, face = scene
    out = Compositor(ComposeConfig(fade_frames=1)).compose(img, [face], {0: FaceEdit(face.crop)})
    inside = _inside(face, img.shape)
    assert _psnr(out[inside], img[inside]) > 40.0
    assert np.array_equal(out[~inside], img[~inside])
    assert out is not img and not np.array_equal(out, np.zeros_like(out))


def test_face_at_the_frame_border(scene) -> None:
    from streamfx.face import FaceTracker

    img = np.ascontiguousarray(scene[0][20:, 195:])  # face cut by the left edge
    with FaceTracker() as tr:
        (face,) = tr.detect(img)
    out = Compositor(ComposeConfig(fade_frames=1)).compose(img, [face], {0: FaceEdit(face.crop)})
    inside = _inside(face, img.shape)
    assert face.bbox[0] < 0 and inside[:, 0].any()
    assert _psnr(out[inside], img[inside]) > 35.0
    assert np.array_equal(out[~inside], img[~inside])


def test_colour_shifted_crop_is_pulled_back(scene) -> None:
    img, face = scene
    shifted = np.clip(face.crop.astype(int) + (45, -25, 15), 0, 255).astype(np.uint8)
    inside = _inside(face, img.shape)
    err = {}
    for mode in ("lab", "none"):
        comp = Compositor(ComposeConfig(fade_frames=1, color_match=mode))
        out = comp.compose(img, [face], {0: FaceEdit(shifted)})
        err[mode] = np.abs(out[inside].astype(float) - img[inside]).mean(axis=0)
    assert err["none"][0] > 20
    assert np.all(err["lab"] < 0.35 * err["none"])


def test_an_edit_can_opt_out_of_colour_matching(scene) -> None:
    img, face = scene
    shifted = np.clip(face.crop.astype(int) + (45, -25, 15), 0, 255).astype(np.uint8)
    inside = _inside(face, img.shape)
    comp = Compositor(ComposeConfig(fade_frames=1, color_match="lab"))
    edit = FaceEdit(shifted, color_match="none")  # e.g. a bronze restyle
    out = comp.compose(img, [face], {0: edit})
    err = np.abs(out[inside].astype(float) - img[inside]).mean(axis=0)
    assert err[0] > 20  # the red shift survives


def test_colour_transfer_is_smoothed_per_track(scene) -> None:
    img, face = scene
    inside = _inside(face, img.shape)
    comp = Compositor(ComposeConfig(fade_frames=1, color_smoothing=0.8))
    comp.compose(img, [face], {0: FaceEdit(face.crop)})
    dark = (face.crop * 0.6).astype(np.uint8)

    def err() -> float:
        out = comp.compose(img, [face], {0: FaceEdit(dark)})
        return float(np.abs(out[inside].astype(float) - img[inside]).mean())

    errs = [err() for _ in range(25)]
    assert errs[0] > 2 * errs[-1]  # the first dark frame keeps most of the old transfer
    assert errs[-1] < 6.0 and all(a >= b - 0.2 for a, b in zip(errs, errs[1:], strict=False))


def test_alpha_mask_any_resolution(scene) -> None:
    img, face = scene
    grey = np.full((512, 512, 3), 200, np.uint8)
    comp = Compositor(ComposeConfig(fade_frames=1, color_match="none"))
    out = comp.compose(img, [face], {0: FaceEdit(grey, alpha=np.zeros((128, 128), np.float32))})
    assert np.array_equal(out, img)
    alpha = np.zeros((128, 128), np.float32)
    alpha[32:96, 32:96] = 1.0  # the crop's central half
    comp.reset()
    out = comp.compose(img, [face], {0: FaceEdit(grey, alpha=alpha)})
    centre = cv2.transform(np.array([[[255.5, 255.5]]]), face.from_crop)[0, 0].astype(int)
    assert np.all(out[centre[1], centre[0]] == 200)
    corner = cv2.transform(np.array([[[20.0, 20.0]]]), face.from_crop)[0, 0].astype(int)
    assert np.array_equal(out[corner[1], corner[0]], img[corner[1], corner[0]])


def test_fade_out_when_lost_and_back_in(scene) -> None:
    img, face = scene
    white = FaceEdit(np.full((512, 512, 3), 255, np.uint8))
    comp = Compositor(ComposeConfig(fade_frames=4, color_match="none", hold_frames=0))
    c = tuple(int(v) for v in cv2.transform(np.array([[[255.5, 300.0]]]), face.from_crop)[0, 0])
    base = float(img[c[1], c[0]].mean())

    def level(out: np.ndarray) -> float:
        return (float(out[c[1], c[0]].mean()) - base) / (255.0 - base)

    ups = [level(comp.compose(img, [face], {0: white})) for _ in range(5)]
    assert ups == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0], abs=0.02)
    downs = [level(comp.compose(img, [], {})) for _ in range(3)]
    assert downs == pytest.approx([0.75, 0.5, 0.25], abs=0.02)
    assert level(comp.compose(img, [face], {0: white})) == pytest.approx(0.5, abs=0.02)
    for _ in range(2):
        comp.compose(img, [], {})
    assert comp.compose(img, [], {}) is img and comp.tracks  # faded out, state kept
    assert comp.compose(img, [], {}, ended=[0]) is img and not comp.tracks


def test_a_missed_detection_holds_the_edit_and_only_an_end_resets(scene) -> None:
    img, face = scene
    white = FaceEdit(np.full((512, 512, 3), 255, np.uint8))
    comp = Compositor(ComposeConfig(fade_frames=4, color_match="none", hold_frames=2))
    c = tuple(int(v) for v in cv2.transform(np.array([[[255.5, 300.0]]]), face.from_crop)[0, 0])
    base = float(img[c[1], c[0]].mean())

    def level(out: np.ndarray) -> float:
        return (float(out[c[1], c[0]].mean()) - base) / (255.0 - base)

    for _ in range(4):
        comp.compose(img, [face], {0: white})
    held = [level(comp.compose(img, [], {})) for _ in range(3)]
    assert held == pytest.approx([1.0, 1.0, 0.75], abs=0.02)  # two misses held, then fading
    assert level(comp.compose(img, [face], {0: white})) == pytest.approx(1.0, abs=0.02)
    comp.compose(img, [face], {0: white}, ended=[0])  # the tracker ended track 0: fresh start
    assert level(comp.compose(img, [face], {0: white})) == pytest.approx(0.5, abs=0.02)


def test_several_faces_and_no_face(scene) -> None:
    img, face = scene
    frame = np.zeros((512, 1024, 3), np.uint8)
    frame[:, :512], frame[:, 512:] = img, img
    other = copy.deepcopy(face)
    other.track_id = 7
    other.landmarks = face.landmarks + np.float32([512, 0, 0])
    other.bbox = (face.bbox[0] + 512, face.bbox[1], face.bbox[2] + 512, face.bbox[3])
    other.from_crop = face.from_crop + [[0, 0, 512], [0, 0, 0]]
    other.to_crop = face.to_crop - face.to_crop[:, :1] * 512 * np.array([[0, 0, 1]])
    red = np.zeros((512, 512, 3), np.uint8)
    red[..., 0] = 255
    comp = Compositor(ComposeConfig(fade_frames=1, color_match="none", hold_frames=0))
    out = comp.compose(frame, [face, other], {0: FaceEdit(red), 7: FaceEdit(red)})
    for dx in (0, 512):
        x, y = int((face.bbox[0] + face.bbox[2]) / 2) + dx, int((face.bbox[1] + face.bbox[3]) / 2)
        assert tuple(out[y, x]) == (255, 0, 0)
    assert comp.compose(frame, [], {}) is frame  # fade_frames=1: gone at once
    assert Compositor().compose(frame, [], {}) is frame
    assert Compositor().compose(frame, [face], {}) is frame  # a face without an edit


def test_bad_inputs() -> None:
    with pytest.raises(ConfigError, match="color_match"):
        ComposeConfig(color_match="hsv")
    with pytest.raises(InputError, match="RGB frame"):
        Compositor().compose(np.zeros((4, 4), np.uint8), [], {})


def test_bad_edit_shape(scene) -> None:
    img, face = scene
    for bad in (np.zeros((256, 300, 3), np.uint8), np.zeros((8, 8, 3), np.uint8)):
        with pytest.raises(InputError, match=r"\[s,s,3\].*got uint8"):
            Compositor().compose(img, [face], {0: FaceEdit(bad)})


def test_an_edit_at_fewer_pixels_lands_where_the_full_crop_does(scene) -> None:
    """A 128-px edit (the crop at a quarter of 512 a side, what an editor returns for a small
    face) is placed exactly where its 512-px original is: the same frame pixels change, to
    nearly the same values."""
    img, face = scene
    yy, xx = np.mgrid[0:512, 0:512]
    full = np.stack([xx // 2, yy // 2, (xx + yy) // 4], -1).astype(np.uint8)
    alpha = np.zeros((512, 512), np.float32)
    alpha[128:384, 96:416] = 1.0
    small = cv2.resize(full, (128, 128), interpolation=cv2.INTER_AREA)
    small_alpha = cv2.resize(alpha, (128, 128), interpolation=cv2.INTER_AREA)
    cfg = ComposeConfig(fade_frames=1, color_match="none", feather=0.0)
    out_full = Compositor(cfg).compose(img, [face], {0: FaceEdit(full, alpha=alpha)})
    out_small = Compositor(cfg).compose(img, [face], {0: FaceEdit(small, alpha=small_alpha)})
    changed_full = np.any(out_full != img, axis=2)
    changed_small = np.any(out_small != img, axis=2)
    assert changed_full.sum() > 1000
    # a placement off by 3/8 of a small-edit pixel moves 1 % of the edge and adds 0.3 grey levels
    assert (changed_full ^ changed_small).sum() < 0.005 * changed_full.sum()
    both = changed_full & changed_small
    diff = np.abs(out_full[both].astype(int) - out_small[both].astype(int))
    assert diff.mean() < 1.3


def test_overlapping_regions_keep_the_face_blended_before(scene) -> None:
    """Two faces whose crops overlap in the frame but whose opacities do not: each keeps its
    edit (a later face's region must not paste the source frame back over an earlier face)."""
    img, face = scene
    frame = np.zeros((512, 1024, 3), np.uint8)
    frame[:, :512] = img
    dx = 0.35 * 512 * float(np.hypot(*face.from_crop[:, 0]))  # crops overlap, opacities not
    other = copy.deepcopy(face)
    other.track_id = 7
    other.landmarks = face.landmarks + np.float32([dx, 0, 0])
    other.bbox = (face.bbox[0] + dx, face.bbox[1], face.bbox[2] + dx, face.bbox[3])
    other.from_crop = face.from_crop + [[0, 0, dx], [0, 0, 0]]
    other.to_crop = cv2.invertAffineTransform(other.from_crop)
    alpha = np.zeros((512, 512), np.float32)
    alpha[200:312, 200:312] = 1.0
    red = np.zeros((512, 512, 3), np.uint8)
    red[..., 0] = 255
    comp = Compositor(ComposeConfig(fade_frames=1, color_match="none", feather=0.0))
    edit = FaceEdit(red, alpha=alpha)
    out = comp.compose(frame, [face, other], {0: edit, 7: edit})
    for f in (face, other):
        x, y = cv2.transform(np.array([[[255.5, 255.5]]]), f.from_crop)[0, 0].astype(int)
        assert tuple(out[y, x]) == (255, 0, 0)
    corner = cv2.transform(np.array([[[40.0, 40.0]]]), other.from_crop)[0, 0].astype(int)
    assert np.array_equal(out[corner[1], corner[0]], frame[corner[1], corner[0]])
