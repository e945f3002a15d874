"""EG3D crop maths: the official resize+crop as one affine (sub-pixel by default, the official
int() truncations as an option), warp_crop, and the tracked crop following a moved frame."""

from __future__ import annotations

import numpy as np
import pytest

from streamfx.errors import InputError
from streamfx.face.align import (
    LM3D_STD,
    apply_affine,
    eg3d_crop_transform,
    fit_scale_shift,
    five_points,
    invert_affine,
    warp_crop,
)
from streamfx.face.config import FaceConfig


def _project(s: float, tx: float, ty: float, height: int, yaw: float = 0.2) -> np.ndarray:
    """Five image points (y down) of the template seen with a rotation, scale s and shift t."""
    c, sn = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, 0, sn], [0, 1, 0], [-sn, 0, c]])
    p = (LM3D_STD.astype(np.float64) @ rot.T)[:, :2] * s + (tx, ty)
    p[:, 1] = height - 1 - p[:, 1]
    return p


def test_fit_recovers_scale_and_shift() -> None:
    s, tx, ty = fit_scale_shift(_project(150.0, 320.0, 260.0, 480, yaw=0.0), 480)
    assert s == pytest.approx(150.0, rel=1e-6)
    assert (tx, ty) == pytest.approx((320.0, 260.0), abs=1e-6)


@pytest.mark.parametrize("truncate", [False, True])
def test_crop_is_the_official_box(truncate: bool) -> None:
    w, h = 640, 480
    pts = _project(150.0, 320.3, 260.7, h)
    to_crop, from_crop = eg3d_crop_transform(pts, (w, h), truncate=truncate)
    s, tx, ty = fit_scale_shift(pts, h)
    side = 700 * s / 300
    corners = apply_affine(from_crop, np.array([[-0.5, -0.5], [511.5, 511.5]]))
    assert corners[1] - corners[0] == pytest.approx([side, side], abs=0.5 if truncate else 1e-9)
    centre = corners.mean(axis=0)
    # sub-pixel: the box is centred on the fit, half a pixel up-left as in the official code
    # (PIL's resize convention); truncate: its int() truncations move it by under a pixel more
    want = [tx - 0.5, h - ty - 0.5]
    assert centre == pytest.approx(want, abs=1.5 if truncate else 1e-9)
    assert from_crop[0, 1] == 0 and from_crop[1, 0] == 0  # no rotation in the crop
    assert np.allclose(apply_affine(to_crop, apply_affine(from_crop, [[3.0, 7.0]])), [[3.0, 7.0]])


@pytest.mark.parametrize("truncate", [False, True])
def test_official_integer_path_for_identity_like_input(truncate: bool) -> None:
    """A face whose fit gives s = 300 * 512/700 centred on a 512 image maps onto itself."""
    pts = _project(300 * 512 / 700, 256.0, 255.0, 512, yaw=0.0)
    _, from_crop = eg3d_crop_transform(pts, (512, 512), truncate=truncate)
    corners = np.array([[-0.5, -0.5], [511.5, -0.5], [-0.5, 511.5], [511.5, 511.5]])
    err = apply_affine(from_crop, corners) - corners
    assert np.sqrt((err**2).sum(axis=1).mean()) < 1.5


def test_warp_crop_samples_the_right_pixels_and_pads_black() -> None:
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, size=(60, 80, 3), dtype=np.uint8)
    img = np.kron(small, np.ones((8, 8, 1), dtype=np.uint8))  # 480x640 blocks of 8 px
    to_crop = np.array([[2.0, 0.0, -200.0], [0.0, 2.0, -150.0]])  # crop px = 2 * frame px - off
    crop = warp_crop(img, to_crop)
    assert crop.shape == (512, 512, 3) and crop.dtype == np.uint8
    from_crop = invert_affine(to_crop)
    for p in [(40.0, 60.0), (300.0, 100.0), (200.0, 450.0)]:
        x, y = apply_affine(from_crop, [p])[0]
        if abs(x % 8 - 4) < 3 and abs(y % 8 - 4) < 3:  # block interior
            assert np.array_equal(crop[int(p[1]), int(p[0])], img[int(y), int(x)])
    edge = warp_crop(img, np.array([[1.0, 0.0, 400.0], [0.0, 1.0, 300.0]]))  # frame at (400,300)
    assert edge[:290, :390].max() == 0 and edge[310:450, 410:500].mean() > 20


def test_warp_crop_large_face_shrinks_without_aliasing() -> None:
    img = np.zeros((1400, 1400, 3), np.uint8)
    img[:, ::2] = 255  # 1-px stripes: aliases badly without an area pre-shrink
    to_crop = np.array([[512 / 1400, 0, 0], [0, 512 / 1400, 0]])
    crop = warp_crop(img, to_crop)
    assert abs(float(crop[10:-10, 10:-10].mean()) - 127.5) < 8
    assert float(crop[10:-10, 10:-10].std()) < 20


def test_five_points_and_errors() -> None:
    lm = np.random.default_rng(2).uniform(0, 100, size=(478, 3))
    raw = five_points(lm, calibrated=False)
    assert raw.shape == (5, 2)
    assert np.allclose(raw[0], lm[[33, 133], :2].mean(axis=0))
    assert np.allclose(raw[2], lm[1, :2]) and np.allclose(raw[4], lm[291, :2])
    cal = five_points(lm)
    assert np.allclose(cal.mean(axis=0), raw.mean(axis=0), atol=2.0)
    with pytest.raises(InputError, match="478"):
        five_points(np.zeros((10, 2)))
    with pytest.raises(InputError, match="five"):
        eg3d_crop_transform(np.zeros((4, 2)), (64, 64))
    with pytest.raises(InputError, match="degenerate"):
        eg3d_crop_transform(np.zeros((5, 2)), (64, 64))
    with pytest.raises(InputError, match="uint8"):
        warp_crop(np.zeros((10, 10, 3), np.float32), np.eye(2, 3))


def _official_crop(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """EG3D's crop_images_in_the_wild path with PIL (resize, 1024 crop, 700 crop, Lanczos)."""
    from PIL import Image

    h0, w0 = img.shape[:2]
    s, tx, ty = fit_scale_shift(pts, h0)
    k = 300.0 / s
    w, h = int(w0 * k), int(h0 * k)
    left = int(w / 2 - 512 + (tx - w0 / 2) * k)
    up = int(h / 2 - 512 + (h0 / 2 - ty) * k)
    im = Image.fromarray(img).resize((w, h), resample=Image.BICUBIC)
    im = im.crop((left, up, left + 1024, up + 1024)).crop((162, 162, 862, 862))
    return np.asarray(im.resize((512, 512), resample=Image.LANCZOS))


@pytest.mark.parametrize("shift", [(0.0, 0.0), (-150.0, 40.0)])
def test_matches_the_official_pil_path(shift) -> None:
    from skimage import data

    img = data.astronaut()
    # five points on the astronaut's face (eyes, nose tip, mouth corners), moved by ``shift``
    pts = np.array([[197.0, 111.0], [244.0, 107.0], [222.0, 130.0], [203.0, 152.0], [241.0, 150.0]])
    pts = pts + shift
    to_crop, _ = eg3d_crop_transform(pts, (512, 512), truncate=True)  # the official int()s
    ours = warp_crop(img, to_crop).astype(np.float64)
    ref = _official_crop(img, pts).astype(np.float64)
    valid = ref.sum(axis=2) > 0  # away from the black padding, whose edge is filtered differently
    valid[1:-1, 1:-1] &= valid[:-2, 1:-1] & valid[2:, 1:-1] & valid[1:-1, :-2] & valid[1:-1, 2:]
    mse = float(np.mean((ours[valid] - ref[valid]) ** 2))
    psnr = 10 * np.log10(255.0**2 / mse)
    print(f"shift {shift}: PSNR vs the official PIL crop {psnr:.1f} dB")
    assert psnr > 35.0
    if shift[0] < 0:  # the crop leaves the picture on the left: both pad with black
        assert ours[:, :20].max() == 0 and ref[:, :20].max() == 0


def _origin_track(truncate: bool, steps: int = 41, step: float = 0.05) -> np.ndarray:
    """Crop origin (frame px) while the five points drift right by ``step`` px per frame."""
    pts = _project(120.0, 300.0, 250.0, 480)
    out = []
    for j in range(steps):
        _, from_crop = eg3d_crop_transform(pts + (j * step, 0.0), (640, 480), truncate=truncate)
        out.append(apply_affine(from_crop, [[-0.5, -0.5]])[0])
    return np.array(out)


def test_sub_pixel_crop_drifts_smoothly_where_the_official_one_snaps() -> None:
    step = 0.05
    smooth = np.diff(_origin_track(False, step=step), axis=0)
    assert np.allclose(smooth[:, 0], step, atol=1e-9) and np.allclose(smooth[:, 1], 0, atol=1e-9)
    snaps = np.diff(_origin_track(True, step=step), axis=0)[:, 0]
    # the official truncations hold the crop still, then jump a 1024-grid pixel (~0.4 px here)
    assert (np.abs(snaps) < 1e-9).sum() > len(snaps) // 2 and snaps.max() > 5 * step


@pytest.mark.parametrize("shift", [(0.25, 0.0), (0.5, -0.75), (-1.3, 2.6)])
@pytest.mark.parametrize("scale", [1.0, 1.02, 0.97])
def test_sub_pixel_crop_follows_a_shifted_and_scaled_frame(shift, scale) -> None:
    """The frame moved by a fraction of a pixel and scaled slightly about its centre: the
    crop's corners follow the same map: to 0.5 |1 - scale| px with sub-pixel placement (the
    official half-pixel offset does not scale), to 2 px with the official truncations. The
    points are exact here; the tracker's landmarks add their own error
    (tests/face/test_face_tracker.py)."""
    pts = _project(120.0, 300.0, 250.0, 480)
    m = np.array([[scale, 0.0, 320 * (1 - scale) + shift[0]], [0.0, scale, 240 * (1 - scale)]])
    m[1, 2] += shift[1]
    corners = np.array([[-0.5, -0.5], [511.5, -0.5], [-0.5, 511.5], [511.5, 511.5]])
    for truncate, tol in ((False, 0.5 * abs(1 - scale) + 1e-6), (True, 2.0)):
        _, before = eg3d_crop_transform(pts, (640, 480), truncate=truncate)
        _, after = eg3d_crop_transform(apply_affine(m, pts), (640, 480), truncate=truncate)
        moved = apply_affine(m, apply_affine(before, corners))
        assert np.abs(apply_affine(after, corners) - moved).max() < tol


def test_tracked_crop_follows_a_sub_pixel_shift_and_a_slight_scale(face_model) -> None:
    """Through MediaPipe (``detect``, no smoothing): the astronaut moved by fractions of a
    pixel and scaled by 2 %: the crop's corners follow the frame's map to within 2 px."""
    import cv2
    from skimage import data

    from streamfx.face import FaceTracker

    img = np.ascontiguousarray(data.astronaut()[:400, 60:460])  # 400x400, the face centred
    corners = np.array([[-0.5, -0.5], [511.5, -0.5], [-0.5, 511.5], [511.5, 511.5]])
    with FaceTracker(FaceConfig(max_faces=1), model_path=face_model) as tracker:
        (base,) = tracker.detect(img)
        for dx, dy, scale in (
            (0.3, 0.0, 1.0),
            (0.5, -0.7, 1.0),
            (0.0, 0.0, 1.02),
            (1.4, 0.6, 0.98),
        ):
            m = np.array(
                [[scale, 0.0, 200 * (1 - scale) + dx], [0.0, scale, 200 * (1 - scale) + dy]]
            )
            moved_img = cv2.warpAffine(img, m, (400, 400), flags=cv2.INTER_CUBIC)
            (face,) = tracker.detect(moved_img)
            want = apply_affine(m, apply_affine(base.from_crop, corners))
            err = np.abs(apply_affine(face.from_crop, corners) - want).max()
            assert err < 2.0, (dx, dy, scale, err)
