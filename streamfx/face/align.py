"""The EG3D / Deep3DFaceRecon crop from five face points (pure numpy + OpenCV).

The official pipeline (EG3D ``crop_images_in_the_wild.py`` calling Deep3DFaceRecon's
``align_img``; ``PAPER.md`` section 3.4) does, for a W x H image and five points:

1. flip y (y' = H - 1 - y) and fit a 2x4 affine from the standard 3-D five-point template to
   the points by linear least squares; s = mean norm of the two 3-vector row parts, (tx, ty) =
   the constant terms; k = 300 / s;
2. resize the whole image to (int(W k), int(H k)) and crop 1024 x 1024 at
   left = int(int(W k)/2 - 512 + (tx - W/2) k), top = int(int(H k)/2 - 512 + (H/2 - ty) k)
   (PIL pads outside with black);
3. centre-crop 700 x 700 at (162, 162) and resize it to 512 x 512 (Lanczos).

Steps 2-3 are one axis-aligned scale-and-shift. :func:`eg3d_crop_transform` gives it in PIL's
pixel-centre convention (output pixel i samples input coordinate (i + 0.5) * in/out - 0.5). By
default it is sub-pixel (no int() anywhere: the crop moves and scales continuously with the
points, so a slowly drifting head never snaps in one-pixel steps); ``truncate=True`` keeps the
official int() truncations, so the affine is the official crop up to resampling filters (parity
checks; ``FaceConfig.crop_truncate``). The two differ by under one 1024-grid pixel.
:func:`warp_crop` then resamples the frame once (Lanczos; an area pre-shrink of the face region
when the crop shrinks the face a lot), instead of resizing the whole frame twice.
"""

from __future__ import annotations

import cv2
import numpy as np

from streamfx.errors import InputError
from streamfx.face import landmarks as L
from streamfx.face.types import CROP_SIZE

#: Deep3DFaceRecon's ``lm3d_std`` reduced to five points (BFM/similarity_Lm3D_all.mat), float32.
LM3D_STD = np.array(
    [
        [-0.31148657, 0.29036078, 0.13377953],  # image-left eye
        [0.30979887, 0.28972036, 0.13179526],  # image-right eye
        [0.00325350, -0.04617932, 0.55244243],  # nose tip
        [-0.25216928, -0.38133916, 0.22405732],  # image-left mouth corner
        [0.24846620, -0.38128236, 0.22235769],  # image-right mouth corner
    ],
    dtype=np.float32,
)
#: Five-point calibration (see :func:`five_points`), fitted on parity/3dpe/aligned/input.png.
NOSE_TIP_WEIGHT = 0.9
FIVE_POINT_SPREAD = 0.0475
RESCALE = 300.0
INTERPOLATIONS = {
    "lanczos": cv2.INTER_LANCZOS4,
    "cubic": cv2.INTER_CUBIC,
    "linear": cv2.INTER_LINEAR,
}
TARGET = 1024
CENTER_CROP = 700


def five_points(landmarks: np.ndarray, calibrated: bool = True) -> np.ndarray:
    """The five MTCNN-style points [5,2] (pixels) from MediaPipe landmarks [478, 2 or 3].

    Eyes: midpoint of the two eye corners (blink- and gaze-independent, and what the BFM template
    eye is: the mean of the two 68-point eye corners). Nose: landmark 1 (tip), mouth: outer lip
    corners 61 / 291. MediaPipe's points sit a little differently from MTCNN's (which made the
    official crops), so two constants correct them:

    - the nose is ``NOSE_TIP_WEIGHT`` * landmark 1 + (1 - weight) * landmark 4 (just above the tip);
    - the five points are spread by ``1 + FIVE_POINT_SPREAD`` about their centroid (MediaPipe's
      eye corners and lip corners sit inside MTCNN's points, giving a crop ~4.7 % too tight).

    Fitted by grid search (weight step 0.1, spread step 0.0025) minimising the corner RMS of the
    recovered crop on ``parity/3dpe/aligned/input.png`` framed six ways (padded by 0-256 px,
    scaled 0.6-1.5). Measured through ``FaceTracker.detect`` on input.png framed five ways
    (tests/face/test_face_tracker.py): corner RMS 16-18 px uncalibrated, 1.8-2.7 px calibrated.
    ``calibrated=False`` gives the raw points (weight 1, spread 0).
    """
    lm = L.check_landmarks(landmarks)[:, :2]
    eye_l = lm[list(L.EYE_CORNERS_LEFT)].mean(axis=0)
    eye_r = lm[list(L.EYE_CORNERS_RIGHT)].mean(axis=0)
    w = NOSE_TIP_WEIGHT if calibrated else 1.0
    nose = w * lm[L.NOSE_TIP] + (1.0 - w) * lm[L.NOSE_ABOVE_TIP]
    pts = np.stack([eye_l, eye_r, nose, lm[L.MOUTH_LEFT], lm[L.MOUTH_RIGHT]])
    if calibrated:
        centre = pts.mean(axis=0)
        pts = centre + (1.0 + FIVE_POINT_SPREAD) * (pts - centre)
    return pts


def fit_scale_shift(five_pts: np.ndarray, height: float) -> tuple[float, float, float]:
    """Deep3DFaceRecon's ``POS``: (s, tx, ty) of the least-squares template fit.

    five_pts: [5,2] image pixels (x right, y down); height: image height H in pixels.
    tx, ty are in the y-flipped frame (y' = H - 1 - y), as the official code leaves them.
    """
    pts = np.asarray(five_pts, dtype=np.float64)
    if pts.shape != (5, 2) or not np.all(np.isfinite(pts)):
        raise InputError(f"expected five finite 2-D points [5,2], got shape {pts.shape}")
    xp = pts.copy()
    xp[:, 1] = height - 1.0 - xp[:, 1]
    a = np.zeros((10, 8))
    x3 = LM3D_STD.astype(np.float64)
    a[0::2, 0:3] = x3
    a[0::2, 3] = 1.0
    a[1::2, 4:7] = x3
    a[1::2, 7] = 1.0
    k, *_ = np.linalg.lstsq(a, xp.reshape(-1), rcond=None)
    s = 0.5 * (np.linalg.norm(k[0:3]) + np.linalg.norm(k[4:7]))
    return float(s), float(k[3]), float(k[7])


def eg3d_crop_transform(
    five_pts: np.ndarray,
    image_size: tuple[int, int],
    crop_size: int = CROP_SIZE,
    truncate: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The EG3D crop as affines: (to_crop, from_crop), each float64 [2,3].

    five_pts: [5,2] pixels in MTCNN order (image-left eye, image-right eye, nose tip,
    image-left mouth corner, image-right mouth corner); image_size: (W, H) of the frame.
    to_crop maps frame pixel coordinates (pixel centres at integers) to crop pixel coordinates;
    from_crop is its inverse. Both are diagonal (scale and shift only): head roll stays in the crop.
    truncate: the official int() truncations of the rescaled size and the 1024 box's corner
    (parity checks); default sub-pixel, continuous in the points.
    """
    w0, h0 = int(image_size[0]), int(image_size[1])
    if w0 <= 0 or h0 <= 0:
        raise InputError(f"expected a positive image size (W, H), got {image_size}")
    s, tx, ty = fit_scale_shift(five_pts, h0)
    if not s > 1e-6:
        raise InputError(f"five points are degenerate (template scale {s:.3g})")
    k = RESCALE / s
    cut = int if truncate else float
    w, h = cut(w0 * k), cut(h0 * k)
    if w < 1 or h < 1:
        raise InputError(f"face too large for a {w0}x{h0} frame (rescaled to {w:g}x{h:g})")
    left = cut(w / 2 - TARGET / 2 + (tx - w0 / 2) * k)
    top = cut(h / 2 - TARGET / 2 + (h0 / 2 - ty) * k)
    off = (TARGET - CENTER_CROP) // 2
    step = CENTER_CROP / crop_size  # 700-crop pixels per output pixel
    # output p -> 700-crop q = (p + .5) step - .5 -> resized r = q + off + left
    # -> frame x = (r + .5) w0 / w - .5
    sx, sy = w0 / w, h0 / h
    from_crop = np.array(
        [
            [step * sx, 0.0, (0.5 * step + off + left) * sx - 0.5],
            [0.0, step * sy, (0.5 * step + off + top) * sy - 0.5],
        ]
    )
    return invert_affine(from_crop), from_crop


def invert_affine(m: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine (float64 [2,3])."""
    m = np.asarray(m, dtype=np.float64).reshape(2, 3)
    a_inv = np.linalg.inv(m[:, :2])
    return np.concatenate([a_inv, -a_inv @ m[:, 2:]], axis=1)


def resize_affine(to_crop: np.ndarray, size: int, crop_size: int = CROP_SIZE) -> np.ndarray:
    """``to_crop`` (2x3, frame -> ``crop_size`` crop pixels) for the same crop sampled at
    ``size`` pixels a side (pixel centres kept aligned: x' = (x + 0.5) * size / crop_size - 0.5);
    float64 [2,3]."""
    k = size / crop_size
    m = np.asarray(to_crop, dtype=np.float64).reshape(2, 3) * k
    m[:, 2] += 0.5 * k - 0.5
    return m


def apply_affine(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine to points [..., 2] (float64)."""
    p = np.asarray(pts, dtype=np.float64)
    return p @ np.asarray(m, dtype=np.float64)[:, :2].T + np.asarray(m)[:, 2]


def warp_crop(
    image: np.ndarray,
    to_crop: np.ndarray,
    crop_size: int = CROP_SIZE,
    out: np.ndarray | None = None,
    interpolation: str = "lanczos",
) -> np.ndarray:
    """Resample ``image`` [H,W,C] uint8 into the [crop_size, crop_size, C] crop given by to_crop.

    Outside the frame is black (like PIL's crop). ``interpolation``: ``lanczos`` (the official
    filter; OpenCV's is slow, ~30 ms for 512x512 on one core), ``cubic`` (~10x faster, the filter
    of the official first resize) or ``linear``. When one crop pixel covers more than 1.5 frame
    pixels the face region is first shrunk with area averaging (anti-aliasing). Only the region
    under the crop is touched, so the cost does not grow with the frame size.
    """
    if interpolation not in INTERPOLATIONS:
        raise InputError(
            f"interpolation must be one of {sorted(INTERPOLATIONS)}, got {interpolation!r}"
        )
    img = np.asarray(image)
    if img.ndim != 3 or img.dtype != np.uint8:
        raise InputError(f"expected a uint8 [H,W,C] image, got {img.dtype} {img.shape}")
    from_crop = invert_affine(to_crop)
    h, w = img.shape[:2]
    scale = float(np.sqrt(abs(np.linalg.det(from_crop[:, :2]))))  # frame px per crop px
    shrink = int(scale / 1.5) + 1 if scale > 1.5 else 1
    pad = 5 * shrink + 1  # Lanczos support (4 px) after the shrink
    corners = apply_affine(from_crop, np.array([[-0.5, -0.5], [crop_size - 0.5] * 2]))
    x0 = int(np.clip(np.floor(corners[:, 0].min()) - pad, 0, w))
    y0 = int(np.clip(np.floor(corners[:, 1].min()) - pad, 0, h))
    x1 = int(np.clip(np.ceil(corners[:, 0].max()) + pad, 0, w))
    y1 = int(np.clip(np.ceil(corners[:, 1].max()) + pad, 0, h))
    shape = (crop_size, crop_size, img.shape[2])
    if out is None:
        out = np.zeros(shape, dtype=np.uint8)
    if x1 <= x0 or y1 <= y0:
        out[:] = 0
        return out
    roi = img[y0:y1, x0:x1]
    m = from_crop.copy()
    m[:, 2] -= (x0, y0)  # crop -> roi pixels
    if shrink > 1:
        rw, rh = max(1, roi.shape[1] // shrink), max(1, roi.shape[0] // shrink)
        fx, fy = rw / roi.shape[1], rh / roi.shape[0]
        roi = cv2.resize(roi, (rw, rh), interpolation=cv2.INTER_AREA)
        # roi pixel x -> small pixel (x + .5) fx - .5
        m = np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5]]) @ np.vstack([m, [0, 0, 1]])
    cv2.warpAffine(
        roi,
        m,
        (crop_size, crop_size),
        dst=out,
        flags=INTERPOLATIONS[interpolation] | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return out
