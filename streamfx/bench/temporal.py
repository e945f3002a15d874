"""``streamfx bench temporal``: flicker and lag of the live pipeline, smoothing off and on.

Two inputs, each through a fresh pipeline (track -> edit -> compose) per row:

- **still** (flicker): the demo photo at rest (``DemoSource.reference()``) with fresh Gaussian
  noise on every frame (``--noise`` grey levels, like a webcam sensor). Flicker is the mean
  absolute frame-to-frame change (grey levels) of the composited face region: the face-oval
  hull of the photo's landmarks shrunk by the compositor's feather width (``compose.feather``
  face sizes), i.e. where the edit is pasted at full weight. ``hull`` is the same over the
  whole face-oval hull, whose soft edge still shows the real frame's noise (no smoothing of
  the edit can remove that). The noisy input's own flicker is printed for reference.
- **moving** (lag): the demo clip, whose head motion is known (``DemoSource.landmarks_at``).
  The face is placed in the output (its crop fitted, the edit pasted back) from the tracked
  landmarks, so their track is the composited face's place. Lag is the delay (frames, 0.05
  steps) that best aligns the tracked landmarks (all 478, x and y) with the true ones at
  ``t - lag``, once each landmark's mean offset over the clip is removed (MediaPipe and the
  rendered mesh disagree a little on where a point sits): the cross-correlation peak, in
  least squares. ``track_px`` is the RMS landmark difference left at that delay (jitter and
  shape error). The crop's own centre is not used: its five-point fit turns MediaPipe's small
  yaw-dependent landmark differences into a yaw-shaped wobble that reads as a false delay.

Rows: ``off`` (no landmark/pose smoothing, no crop/triplane smoothing), ``landmarks`` (only
the One-Euro filters of ``--temporal.landmarks`` / ``--temporal.pose``) and ``on`` (the
settings given, i.e. the defaults of ``streamfx camera``, with the live controls it builds).
``content_lag`` (rows with crop/triplane smoothing) is the delay, in frames, of the edited
pixels themselves on the moving input, read against the ``landmarks`` row (same landmarks,
no smoothing of the edit): 0 means no ghosting, 1 means the face shows last frame's pixels.
Target of issue 10: ``on`` at most half the flicker of ``off``, lag under 3 frames.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.config import PipelineConfig
from streamfx.errors import check_field

ROWS = ("off", "landmarks", "on")
COLUMNS = [
    Column("smoothing"),
    Column("landmarks", "on/off"),
    Column("edit_smoothing", ".2f", "edit"),
    Column("flicker", ".2f"),
    Column("flicker_ratio", ".2f", "vs off"),
    Column("flicker_hull", ".2f", "hull"),
    Column("lag_frames", ".2f", "lag"),
    Column("track_px", ".2f"),
    Column("content_lag", ".2f"),
]
#: Delays (frames) searched for the lag, and the search step.
LAG_RANGE, LAG_STEP = (-3.0, 10.0), 0.05
#: Target of issue 10.
TARGET_RATIO, TARGET_LAG = 0.5, 3.0


@dataclass
class Command(PipelineConfig, BenchOptions):
    """``streamfx bench temporal``: every pipeline setting plus the two inputs' sizes."""

    still_frames: int = 40
    """Measured frames of the still, noisy input."""
    moving_frames: int = 125
    """Measured frames of the moving demo clip."""
    warmup: int = 10
    """Frames before the measured ones on each input (track start, fade-in, filters settle)."""
    clip_fps: float = 25.0
    """Frame rate of both inputs (the One-Euro filters work in seconds)."""
    noise: float = 3.5
    """Standard deviation (grey levels) of the Gaussian noise added to every still frame."""
    seed: int = 0
    """Seed of the noise."""

    def __post_init__(self) -> None:
        check_field(self.still_frames >= 2, "still_frames", ">= 2", self.still_frames)
        check_field(self.moving_frames >= 4, "moving_frames", ">= 4", self.moving_frames)
        check_field(self.warmup >= 0, "warmup", ">= 0", self.warmup)
        check_field(self.clip_fps > 0, "clip_fps", "> 0", self.clip_fps)
        check_field(self.noise >= 0, "noise", ">= 0 grey levels", self.noise)


def row_config(base: PipelineConfig, row: str) -> PipelineConfig:
    """The pipeline settings of one row (``off``, ``landmarks`` or ``on``)."""
    config = copy.deepcopy(base)
    if row != "on":
        config.temporal.smooth_triplanes = False
        config.temporal.smooth_landmarks = row == "landmarks"
    return config


def build_row(config: PipelineConfig) -> tuple[Any, Any]:
    """(pipeline, live controls) the way ``streamfx camera`` builds them."""
    from streamfx.control.session import live_controls
    from streamfx.runtime.build import build_pipeline

    built = build_pipeline(config)
    controls, _, _ = live_controls(config, built)
    return built.pipeline, controls


def hull_mask(landmarks: Any, shape: tuple[int, ...]) -> Any:
    """bool [H,W]: inside the convex hull of ``landmarks`` [N, >=2] (frame pixels)."""
    import cv2
    import numpy as np

    mask = np.zeros(shape[:2], np.uint8)
    hull = cv2.convexHull(np.round(landmarks[:, :2]).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def face_masks(landmarks: Any, shape: tuple[int, ...], feather: float) -> tuple[Any, Any]:
    """(inner, hull) bool [H,W]: the face-oval hull shrunk by ``feather`` face sizes (where
    the compositor pastes the edit at full weight) and the whole hull."""
    import cv2
    import numpy as np

    from streamfx.face.landmarks import FACE_OVAL

    hull = hull_mask(np.asarray(landmarks)[list(FACE_OVAL)], shape)
    r = max(1, int(round(feather * float(np.ptp(landmarks[:, :2], axis=0).max()))))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.erode(hull.astype(np.uint8), disk).astype(bool), hull


def still_frames(cmd: Command, size: tuple[int, int]) -> tuple[list, Any, Any]:
    """(noisy still frames, inner face mask, face hull mask) of the demo photo at rest."""
    import numpy as np

    from streamfx.demo.clip import DemoSource

    src = DemoSource(width=size[0], height=size[1], fps=cmd.clip_fps)
    src.open()
    photo, lm = src.reference()
    src.close()
    rng = np.random.default_rng(cmd.seed)
    frames = []
    for _ in range(cmd.warmup + cmd.still_frames):
        noisy = photo.astype(np.float32) + rng.normal(0.0, cmd.noise, photo.shape)
        frames.append(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))
    return (frames, *face_masks(lm, photo.shape, cmd.compose.feather))


def flicker(images: list, mask: Any) -> float:
    """Mean absolute frame-to-frame change (grey levels) inside ``mask``."""
    import numpy as np

    diffs = [
        np.abs(b[mask].astype(np.float32) - a[mask].astype(np.float32)).mean()
        for a, b in zip(images, images[1:], strict=False)
    ]
    return float(np.mean(diffs))


def fit_lag(times: Any, measured: Any, truth_at: Any, fps: float) -> tuple[float, float]:
    """(delay in frames, RMS px left) that best aligns ``measured`` [N,P,2] (tracked points)
    with ``truth_at(t)`` [P,2] at ``times - delay / fps``, each point's mean offset removed."""
    import numpy as np

    m = np.asarray(measured, np.float64)
    m = m - m.mean(axis=0)
    best = (float("inf"), 0.0)
    for d in np.arange(LAG_RANGE[0], LAG_RANGE[1] + 1e-9, LAG_STEP):
        tr = np.array([truth_at(t - d / fps) for t in times], np.float64)
        err = float(np.mean(np.sum((m - (tr - tr.mean(axis=0))) ** 2, axis=-1)))
        best = min(best, (err, float(d)))
    return best[1], float(np.sqrt(best[0]))  # RMS point distance


def content_lag(outs: list, ref: list, masks: list) -> float | None:
    """Delay (frames) of ``outs`` behind ``ref`` (same landmarks, no edit smoothing): the
    least-squares ``a`` in out_i - ref_i = a (ref_{i-1} - ref_i) over the face masks."""
    import numpy as np

    num = den = 0.0
    for i in range(1, len(outs)):
        m = masks[i] & masks[i - 1]
        cur = ref[i][m].astype(np.float64)
        step = ref[i - 1][m].astype(np.float64) - cur
        num += float(np.sum((outs[i][m] - cur) * step))
        den += float(np.sum(step * step))
    return num / den if den > 0 else None


def run_row(cmd: Command, config: PipelineConfig, still: tuple, size: tuple) -> dict:
    """Run one row's pipeline on the still and the moving input; its measures."""
    import numpy as np

    from streamfx.demo.clip import DemoSource
    from streamfx.record import Frame

    fps, skip, feather = cmd.clip_fps, cmd.warmup, config.compose.feather
    out: dict[str, Any] = {}
    pipe, controls = build_row(config)
    try:
        images = []
        for i, image in enumerate(still[0]):
            frame = pipe.process(Frame(image=image, pts=i / fps, t_capture=i / fps, index=i))
            images.append(frame.result)
        out["flicker"] = flicker(images[skip:], still[1])
        out["flicker_hull"] = flicker(images[skip:], still[2])
        out["edit_smoothing"] = controls.snapshot().smoothing
    finally:
        pipe.close()
    src = DemoSource(
        seconds=(skip + cmd.moving_frames) / fps, fps=fps, width=size[0], height=size[1]
    )
    src.open()
    pipe, controls = build_row(config)
    times, track, moving, masks = [], [], [], []
    try:
        while (frame := src.read()) is not None:
            frame = pipe.process(frame)
            if frame.index < skip or not frame.faces:
                continue
            face = max(frame.faces, key=lambda f: f.size)
            times.append(frame.pts)
            track.append(face.landmarks[:, :2])
            moving.append(frame.result)
            masks.append(face_masks(src.landmarks_at(frame.pts), frame.image.shape, feather)[0])
    finally:
        pipe.close()
    if len(times) >= 4:
        lag, px = fit_lag(np.array(times), track, lambda t: src.landmarks_at(t)[:, :2], fps)
        out.update(lag_frames=lag, track_px=px)
    out.update(_moving=moving, _masks=masks, found=len(times))
    src.close()
    return out


def run(cmd: Command) -> int:
    """Print the table (and the target verdict); 0."""
    from streamfx.cli.app import pipeline_config

    base = pipeline_config(cmd)
    size = (cmd.source.width or 640, cmd.source.height or 480)
    still = still_frames(cmd, size)
    noise_flicker = flicker(still[0][cmd.warmup :], still[2])
    print(
        f"streamfx bench temporal: {size[0]}x{size[1]} @ {cmd.clip_fps:g} fps; still: demo photo "
        f"+ noise sigma {cmd.noise:g} ({cmd.still_frames} frames, input flicker "
        f"{noise_flicker:.2f}); moving: demo clip ({cmd.moving_frames} frames); "
        f"{cmd.warmup} warm-up frames each"
    )
    table = Table(COLUMNS)
    results = {}
    for name in ROWS:
        config = row_config(base, name)
        r = run_row(cmd, config, still, size)
        results[name] = r
        row = {k: v for k, v in r.items() if not k.startswith("_") and k != "found"}
        row.update(smoothing=name, landmarks=config.temporal.smooth_landmarks)
        row["flicker_ratio"] = r["flicker"] / results["off"]["flicker"]
        if name == "on" and r["edit_smoothing"] > 0:
            ref = results["landmarks"]
            if len(ref["_moving"]) == len(r["_moving"]):
                row["content_lag"] = content_lag(r["_moving"], ref["_moving"], r["_masks"])
        table.add(row)
    print(table.render())
    on = table.rows[-1]
    met = on["flicker_ratio"] <= TARGET_RATIO and (on.get("lag_frames") or 0) < TARGET_LAG
    print(
        f"target (on: flicker <= {TARGET_RATIO:g} x off, lag < {TARGET_LAG:g} frames): "
        f"{'met' if met else 'NOT met'}"
    )
    cmd.save_json(
        bench="temporal", size=list(size), input_flicker=noise_flicker, target_met=met, rows=table
    )
    return 0
