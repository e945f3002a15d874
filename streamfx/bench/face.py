"""``streamfx bench face``: detection rate, crop stability and per-stage time of the face path.

Photos: the astronaut portrait shipped with the package (scikit-image's ``astronaut()``, public
domain; ``streamfx.backends.mesh.assets``) and variants (mirrored, rotated, scaled into larger
frames), plus any images in ``--photos DIR``. Times are per frame, median of ``--frames``.
Needs MediaPipe's face model (``streamfx weights fetch face_landmarker.task``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.errors import InputError, check_field

CORNERS = np.array([[-0.5, -0.5], [511.5, -0.5], [-0.5, 511.5], [511.5, 511.5]])
SMALL_FACES = (60, 90, 120, 160)  # face widths (px) in a 1280x720 frame


@dataclass
class Command(BenchOptions):
    """``streamfx bench face``: tracking, alignment and compositing speed, crop stability."""

    frames: int = 30
    """Frames per timing and per stability run (the median time is reported)."""
    photos: str | None = None
    """An extra folder of test photos (png/jpg) for the detection rate."""
    model: str | None = None
    """MediaPipe's face_landmarker.task (default: the managed model file)."""

    def __post_init__(self) -> None:
        check_field(self.frames >= 3, "frames", ">= 3", self.frames)


def test_photos(extra: Path | None = None) -> dict[str, np.ndarray]:
    """Name -> uint8 RGB photo: the astronaut, its variants and ``extra``'s images."""
    import cv2

    from streamfx.backends.mesh.assets import astronaut

    a, _ = astronaut()
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


test_photos.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def place(img: np.ndarray, size: tuple[int, int], face_frac: float = 0.3) -> np.ndarray:
    """The astronaut scaled so her face spans ``face_frac`` of the width, on a grey frame."""
    import cv2

    w, h = size
    s = face_frac * w / 105.0  # her face is ~105 px wide in the 512 photo
    m = np.array([[s, 0.0, w / 2 - 225 * s], [0.0, s, h / 2 - 125 * s]])
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_AREA, borderValue=(118, 118, 118))


def _median_ms(fn: Callable[[int], Any], n: int) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def _timings(tracker: Any, frame: np.ndarray, n: int) -> dict[str, float]:
    """Median ms of track, align (cubic, lanczos) and compose for one face in ``frame``."""
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
    return {"track": t_track, "align_cubic": t_cubic, "align_lanczos": t_lanczos, "compose": t_comp}


def _stability(tracker: Any, img: np.ndarray, n: int, noise: float) -> float:
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


def _detection(tracker: Any, photos: dict[str, np.ndarray]) -> Table:
    table = Table([Column("photo"), Column("found", "yes/NO")])
    for name, img in photos.items():
        table.add(photo=name, found=len(tracker.detect(img)) > 0)
    return table


def _stability_table(tracker: Any, img: np.ndarray, n: int) -> Table:
    table = Table(
        [
            Column("noise", ".0f", "noise sigma"),
            Column("smoothing", "on/off"),
            Column("corner_std_px", ".3f", "crop corner std px"),
        ]
    )
    for noise in (0.0, 3.0):
        for smooth in (True, False):
            tracker.temporal.smooth_landmarks = smooth
            table.add(
                noise=noise, smoothing=smooth, corner_std_px=_stability(tracker, img, n, noise)
            )
    tracker.temporal.smooth_landmarks = True
    return table


def _timing_table(tracker: Any, photo: np.ndarray, n: int) -> Table:
    heads = [("track", "track"), ("align_cubic", "align cubic"), ("align_lanczos", "align lanczos")]
    columns = [Column("frame")] + [Column(k, ".2f", t) for k, t in heads]
    table = Table(columns + [Column("compose", ".2f")])
    for w, h in ((640, 480), (1280, 720)):
        table.add(frame=f"{w}x{h}", **_timings(tracker, place(photo, (w, h)), n))
    return table


def _small_faces(tracker: Any, photo: np.ndarray, n: int) -> tuple[Table, dict[str, Any]]:
    """Detection at small face widths in 1280x720 without/with the zoomed fallback and its
    time per call (a full tile scan in ``detect``); then ``track`` following a 90 px face."""
    frames = {px: place(photo, (1280, 720), px / 1280) for px in SMALL_FACES}
    table = Table(
        [
            Column("fallback", "on/off"),
            Column("face_px", "d", "face px"),
            Column("found", "yes/NO"),
            Column("ms", ".1f"),
        ]
    )
    for zoom in (False, True):
        tracker.config.zoom = zoom
        for px in SMALL_FACES:
            t0 = time.perf_counter()
            found = len(tracker.detect(frames[px])) > 0
            ms = 1000 * (time.perf_counter() - t0)
            table.add(fallback=zoom, face_px=px, found=found, ms=ms)
    tracker.reset()
    found = 0
    before = (tracker.stats["tile_scans"], tracker.stats["roi_runs"])

    def step(i: int) -> None:
        nonlocal found
        found += len(tracker.track(frames[90], 5e9 + 33.3 * i)) > 0

    ms = _median_ms(step, n)
    scans, rois = tracker.stats["tile_scans"] - before[0], tracker.stats["roi_runs"] - before[1]
    follow = {"face_px": 90, "ms": ms, "found": found, "frames": n, "tile_scans": scans}
    return table, {**follow, "roi_runs": rois}


def tracking_ratio(
    frames: list[np.ndarray], config: Any = None, fps: float = 30.0, model: str | None = None
) -> dict[str, Any]:
    """Tracking (``FaceTracker.track``, crops off as in ``_timings``) against the bare
    ``FaceLandmarker`` (video mode, one face, MediaPipe's own cost) on the same ``frames``,
    interleaved frame by frame so both see the same load. Medians of per-frame ms (thread CPU
    ms too), faces found per frame by each, and ``ratio`` = tracking / bare (wall medians)."""
    from dataclasses import replace

    from mediapipe.tasks.python import BaseOptions, vision

    from streamfx.face.config import FaceConfig
    from streamfx.face.quiet import quiet_native_stderr
    from streamfx.face.tracker import FaceTracker, find_model

    mp = __import__("mediapipe")
    cfg = replace(config or FaceConfig(), compute_crop=False)
    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(find_model(model))),
        running_mode=vision.RunningMode.VIDEO,
        num_faces=1,
    )
    with quiet_native_stderr():
        bare = vision.FaceLandmarker.create_from_options(opts)
    times: dict[str, list[float]] = {"track": [], "bare": [], "track_cpu": [], "bare_cpu": []}
    found = {"track": 0, "bare": 0}
    warm = min(3, len(frames) - 1)
    try:
        with FaceTracker(cfg, model_path=model) as tracker:
            for i, img in enumerate(frames):
                ts = int(1000 * i / fps)
                c0, t0 = time.thread_time(), time.perf_counter()
                faces = tracker.track(img, ts)
                t1, c1 = time.perf_counter(), time.thread_time()
                mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=img)
                if i < warm:
                    with quiet_native_stderr():
                        res = bare.detect_for_video(mp_image, ts)
                else:
                    res = bare.detect_for_video(mp_image, ts)
                t2, c2 = time.perf_counter(), time.thread_time()
                if i >= warm:
                    times["track"].append(t1 - t0)
                    times["track_cpu"].append(c1 - c0)
                    times["bare"].append(t2 - t1)
                    times["bare_cpu"].append(c2 - c1)
                    found["track"] += len(faces)
                    found["bare"] += len(res.face_landmarks)
            runs = tracker.stats["detector_runs"]
    finally:
        with quiet_native_stderr():
            bare.close()
    n = max(1, len(times["track"]))
    med = {k: 1000.0 * float(np.median(v)) if v else float("nan") for k, v in times.items()}
    return {
        "frames": len(times["track"]),
        "track_ms": med["track"],
        "bare_ms": med["bare"],
        "track_cpu_ms": med["track_cpu"],
        "bare_cpu_ms": med["bare_cpu"],
        "ratio": med["track"] / med["bare"] if med["bare"] > 0 else float("nan"),
        "faces_track": found["track"] / n,
        "faces_bare": found["bare"] / n,
        "detector_runs": runs,
    }


def run(cmd: Command) -> int:
    """Print detection rate, crop stability and timings; 0 on success."""
    from streamfx.face.tracker import FaceTracker

    n = cmd.frames
    with FaceTracker(model_path=cmd.model) as tracker:
        photos = test_photos(Path(cmd.photos) if cmd.photos else None)
        detection = _detection(tracker, photos)
        hits = sum(r["found"] for r in detection.rows)
        print(f"detection rate: {hits}/{len(photos)} photos ({100 * hits / len(photos):.0f}%)")
        print(detection.render())
        print("\ncrop stability (std of crop corners over a still image, frame px):")
        stability = _stability_table(tracker, photos["astronaut-640x480"], n)
        print(stability.render())
        print("\nms per frame, one face (median); align = five points + crop + camera")
        timings = _timing_table(tracker, photos["astronaut"], n)
        print(timings.render())
        print("\nsmall faces in 1280x720: found by detect, ms per call")
        small, follow = _small_faces(tracker, photos["astronaut"], n)
        print(small.render())
        print(
            f"track, 90 px face, fallback on: {follow['ms']:.2f} ms per frame (median), "
            f"found {follow['found']}/{n} ({follow['tile_scans']} tile scans, "
            f"{follow['roi_runs']} crops around the track)"
        )
    from streamfx.bench.scenes import SceneSource

    scene = SceneSource("one", seconds=max(1, n) / 30.0 + 0.2, fps=30.0, loop_s=1.0)
    scene.start()
    ratio = tracking_ratio([scene.render(i) for i in range(max(n, 10))], model=cmd.model)
    print(
        f"\ntracking vs bare FaceLandmarker, one face 1280x720 (same frames, interleaved): "
        f"{ratio['track_ms']:.2f} vs {ratio['bare_ms']:.2f} ms = {ratio['ratio']:.2f}x"
    )
    cmd.save_json(
        bench="face",
        detection=detection,
        stability=stability,
        timings_ms=timings,
        small_faces=small,
        small_face_track=follow,
        tracking_vs_bare=ratio,
    )
    return 0
