"""``streamfx bench face``: detection rate, crop stability and per-stage time of the face path.

Photos: scikit-image's astronaut (public domain) and variants (mirrored, rotated, scaled into
larger frames), plus any images in ``--photos DIR``. Times are per frame, median of ``--frames``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from streamfx.errors import InputError

CORNERS = np.array([[-0.5, -0.5], [511.5, -0.5], [-0.5, 511.5], [511.5, 511.5]])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``streamfx bench face``."""
    parser.add_argument("--frames", type=int, default=30, help="frames per timing (default 30)")
    parser.add_argument("--photos", type=Path, help="extra folder of test photos (png/jpg)")
    parser.add_argument("--model", type=Path, help="face_landmarker.task (default: managed)")


def test_photos(extra: Path | None = None) -> dict[str, np.ndarray]:
    """Name -> uint8 RGB photo: the astronaut, its variants and ``extra``'s images."""
    from skimage import data

    a = data.astronaut()
    rot = cv2.getRotationMatrix2D((225.0, 125.0), 25.0, 1.0)
    photos = {
        "astronaut": a,
        "astronaut-mirrored": np.ascontiguousarray(a[:, ::-1]),
        "astronaut-rot25": cv2.warpAffine(a, rot, (512, 512), borderMode=cv2.BORDER_REFLECT),
        "astronaut-640x480": place(a, (640, 480)),
        "astronaut-1280x720": place(a, (1280, 720)),
    }
    if extra is not None:
        for p in sorted(extra.glob("*")):
            img = cv2.imread(str(p)) if p.suffix.lower() in (".png", ".jpg", ".jpeg") else None
            if img is not None:
                photos[p.name] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return photos


def place(img: np.ndarray, size: tuple[int, int], face_frac: float = 0.3) -> np.ndarray:
    """The astronaut scaled so her face spans ``face_frac`` of the width, on a grey frame."""
    w, h = size
    s = face_frac * w / 105.0  # her face is ~105 px wide in the 512 photo
    m = np.array([[s, 0.0, w / 2 - 225 * s], [0.0, s, h / 2 - 125 * s]])
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_AREA, borderValue=(118, 118, 118))


def _median_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def _timings(tracker, frame: np.ndarray, n: int) -> tuple[float, float, float, float]:
    from streamfx.compose import Compositor
    from streamfx.face.align import eg3d_crop_transform, five_points, warp_crop
    from streamfx.face.pose import camera_from_pose
    from streamfx.record import FaceEdit

    tracker.config.compute_crop = False
    t_track = _median_ms(lambda i: tracker.track(frame, 1e6 + 1000 * i), n)
    (face,) = tracker.track(frame, 1e9)[:1] or [None]
    if face is None:
        raise InputError("no face found in the benchmark frame")
    h, w = frame.shape[:2]
    crop = np.empty((512, 512, 3), np.uint8)

    def align(filt: str) -> None:
        to_crop, _ = eg3d_crop_transform(five_points(face.landmarks), (w, h))
        warp_crop(frame, to_crop, out=crop, interpolation=filt)
        camera_from_pose(face.pose)

    t_cubic = _median_ms(lambda i: align("cubic"), n)
    t_lanczos = _median_ms(lambda i: align("lanczos"), n)
    face.crop = warp_crop(frame, face.to_crop)
    comp = Compositor()
    edits = {face.track_id: FaceEdit(face.crop)}
    t_comp = _median_ms(lambda i: comp.compose(frame, [face], edits), n)
    tracker.config.compute_crop = True
    return t_track, t_cubic, t_lanczos, t_comp


def _stability(tracker, img: np.ndarray, n: int, noise: float) -> float:
    """Largest std (frame px) of a crop corner over ``n`` repeats of ``img`` via track()."""
    rng = np.random.default_rng(0)
    pts = []
    tracker.reset()
    for i in range(n):
        frame = img
        if noise > 0:
            frame = np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
        faces = tracker.track(frame, 2e9 + 33.3 * i + 1e7 * noise)
        if faces:
            pts.append(faces[0].from_crop[:, :2] @ CORNERS.T + faces[0].from_crop[:, 2:])
    if len(pts) < 2:
        return float("nan")
    return float(np.std(np.array(pts[3:] if len(pts) > 5 else pts), axis=0).max())


def _small_faces(tracker, photo: np.ndarray, n: int) -> None:
    """Detection rate at small face widths in 1280x720 without/with the zoomed fallback, and
    the fallback's time per frame (a full tile scan in ``detect``; ``track`` following a face)."""
    sizes = (60, 90, 120, 160)
    frames = {px: place(photo, (1280, 720), px / 1280) for px in sizes}
    print("small faces in 1280x720 (face width px): found by detect, ms per call")
    print(f"{'fallback':>10s} " + " ".join(f"{px:>11d}" for px in sizes))
    for zoom in (False, True):
        tracker.config.zoom = zoom
        cells = []
        for px in sizes:
            t0 = time.perf_counter()
            ok = len(tracker.detect(frames[px])) > 0
            cells.append(f"{'yes' if ok else 'NO':>4s} {1000 * (time.perf_counter() - t0):6.1f}")
        print(f"{'on' if zoom else 'off':>10s} " + " ".join(cells))
    tracker.reset()
    found = 0
    before = (tracker.stats["tile_scans"], tracker.stats["roi_runs"])

    def step(i: int) -> None:
        nonlocal found
        found += len(tracker.track(frames[90], 5e9 + 33.3 * i)) > 0

    t = _median_ms(step, n)
    print(f"  track, 90 px face, fallback on: {t:.2f} ms per frame (median), found {found}/{n}")
    scans, rois = tracker.stats["tile_scans"] - before[0], tracker.stats["roi_runs"] - before[1]
    print(f"  ({scans} tile scans, {rois} crops around the track in {n} frames)")


def run(args: argparse.Namespace) -> int:
    """Print detection rate, crop stability and timings; 0 on success."""
    from streamfx.face.tracker import FaceTracker

    n = max(3, int(args.frames))
    with FaceTracker(model_path=args.model) as tracker:
        photos = test_photos(args.photos)
        found = {name: len(tracker.detect(img)) > 0 for name, img in photos.items()}
        rate = sum(found.values()) / len(found)
        print(f"detection rate: {sum(found.values())}/{len(found)} photos ({100 * rate:.0f}%)")
        for name, ok in found.items():
            print(f"  {'found' if ok else 'MISSED':6s} {name}")
        print("crop stability (std of crop corners over a still image, frame px):")
        for noise in (0.0, 3.0):
            for smooth in (True, False):
                tracker.config.smooth = smooth
                j = _stability(tracker, photos["astronaut-640x480"], n, noise)
                print(
                    f"  noise sigma {noise:3.0f}, smoothing {'on ' if smooth else 'off'}: {j:.3f}"
                )
        tracker.config.smooth = True
        print("ms per frame, one face (median); align = five points + crop + camera")
        head = ("frame", "track", "align cubic", "align lanczos", "compose")
        print(f"{head[0]:>10s} {head[1]:>8s} {head[2]:>12s} {head[3]:>14s} {head[4]:>8s}")
        for size in ((640, 480), (1280, 720)):
            tr, cu, la, co = _timings(tracker, place(photos["astronaut"], size), n)
            print(f"{size[0]:>5d}x{size[1]:<4d} {tr:8.2f} {cu:12.2f} {la:14.2f} {co:8.2f}")
        _small_faces(tracker, photos["astronaut"], n)
    return 0
