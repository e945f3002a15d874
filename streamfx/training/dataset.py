"""The dataset builder: photos and videos -> the official 3DPE training layout (PAPER.md 4.1).

``build_dataset(inputs, out)`` tracks faces with our tracker (``streamfx.face.FaceTracker``),
keeps each face's EG3D-aligned 512x512 crop (``face.crop``) and its 25-number camera label
(``face.camera``), and writes::

    OUT/00000/img00000000.png ...      # chunks of 1000; file names hold no underscore
    OUT/dataset.json                   # {"labels": [["00000/img00000000.png", [25 numbers]], ...]}

Faces are rejected when too small (``min_face``), too turned (``max_yaw_deg``/``max_pitch_deg``
from the label) or blurred (variance of the crop's Laplacian below ``min_sharpness``); frames
too close to the last kept crop of the same input are skipped as near-duplicates. The build is
resumable: ``OUT/.build-state.json`` records the inputs done and the frames read of the current
one, written (atomically, after the images) every ``checkpoint_every`` kept faces; a rerun
continues from there. Edited ``<chunk>_<style>/`` folders come from a teacher pass
(``streamfx.training.teachers.teach_dataset``, ``streamfx dataset teach``).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from streamfx.errors import ConfigError, InputError
from streamfx.fileio import atomic_write

CHUNK = 1000
STATE = ".build-state.json"
REASONS = ("no_face", "too_small", "too_turned", "blurred", "duplicate")


@dataclass
class BuildOptions:
    """Settings of ``build_dataset``."""

    min_face: float = 96.0
    """Smallest face (bbox side, frame pixels) kept."""
    max_yaw_deg: float = 60.0
    """Most head yaw (degrees from frontal, from the camera label) kept."""
    max_pitch_deg: float = 40.0
    """Most head pitch (degrees from level) kept."""
    min_sharpness: float = 60.0
    """Least variance of the Laplacian of the crop at 128x128 (grey levels^2) kept; lower is
    blurred (a sharp photo scores hundreds)."""
    duplicate_diff: float = 1.5
    """Frames whose crop differs from the last kept one (same input) by less than this mean
    absolute grey level (on a 32x32 thumbnail) are near-duplicates."""
    every: int = 1
    """Read every N-th frame of videos."""
    max_frames: int = 0
    """Most frames read per input (0: all)."""
    checkpoint_every: int = 50
    """Kept faces between two writes of dataset.json and the resume state."""


@dataclass
class BuildReport:
    """What a build did: faces kept, rejected by reason, inputs done."""

    kept: int = 0
    total: int = 0
    rejected: Counter = field(default_factory=Counter)
    inputs_done: int = 0
    resumed: bool = False

    def lines(self) -> list[str]:
        """Human-readable summary."""
        rej = ", ".join(f"{r} {self.rejected[r]}" for r in REASONS if self.rejected[r]) or "none"
        return [
            f"kept {self.kept} new face crops ({self.total} in the dataset)"
            + (" (resumed)" if self.resumed else ""),
            f"rejected: {rej}",
        ]


def head_angles(label: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees of the camera of a 25-number label, about the head (0, 0 frontal)."""
    c = np.asarray(label, np.float64)[:16].reshape(4, 4)[:3, 3]
    yaw = math.degrees(math.atan2(c[0], c[2]))
    pitch = math.degrees(math.atan2(c[1], math.hypot(c[0], c[2])))
    return yaw, pitch


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian of the crop's grey image at 128x128 (about a small face's own
    resolution, so an upscaled but sharp face is not called blurred), centre half (the face)."""
    import cv2

    small = cv2.resize(crop, (128, 128), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey[32:96, 32:96], cv2.CV_64F).var())


def _thumb(crop: np.ndarray) -> np.ndarray:
    import cv2

    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)


def input_key(spec: str) -> str:
    """An input's identity for resuming: its path with size and modification time."""
    p = Path(spec)
    if p.exists():
        st = p.stat()
        return f"{p.resolve()}|{st.st_size}|{int(st.st_mtime)}"
    return spec


def read_dataset(out: Path) -> list[list[Any]]:
    """The labels of ``out/dataset.json`` ([] when absent)."""
    path = out / "dataset.json"
    if not path.is_file():
        return []
    try:
        labels = json.loads(path.read_text())["labels"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a dataset.json ({{'labels': [...]}}): {exc}") from exc
    return list(labels)


class _Writer:
    """Chunked crops + dataset.json + resume state."""

    def __init__(self, out: Path, every: int) -> None:
        self.out = out
        self.every = max(1, every)
        out.mkdir(parents=True, exist_ok=True)
        self.labels = read_dataset(out)
        state_path = out / STATE
        self.state: dict[str, Any] = {"done": [], "current": None, "frames": 0}
        if state_path.is_file():
            try:
                self.state = json.loads(state_path.read_text())
            except ValueError as exc:
                raise InputError(
                    f"{state_path} is damaged ({exc}); remove it to start over"
                ) from exc
            n = self.state.get("count", len(self.labels))
            self.labels = self.labels[:n]
        elif self.labels:
            raise ConfigError(
                f"{out} already holds a dataset without a build state; choose another -o folder"
            )
        self.since = 0

    def add(self, crop: np.ndarray, label: np.ndarray) -> None:
        from PIL import Image

        i = len(self.labels)
        rel = f"{i // CHUNK:05d}/img{i:08d}.png"
        path = self.out / rel
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(crop).save(path)
        self.labels.append([rel, [float(v) for v in np.asarray(label, np.float64).reshape(25)]])
        self.since += 1

    def checkpoint(self, current: str | None, frames: int, force: bool = False) -> None:
        if not force and self.since < self.every:
            return
        self.since = 0
        data = json.dumps({"labels": self.labels}).encode()
        atomic_write(self.out / "dataset.json", data)
        self.state.update(current=current, frames=frames, count=len(self.labels))
        atomic_write(self.out / STATE, json.dumps(self.state, indent=1).encode())


def _frames(spec: str, opts: BuildOptions, start: int):
    """(index, ts_ms, image, still) for the frames of one input from frame ``start``."""
    from streamfx.capture.registry import open_source, source_kind

    kind, target = source_kind(spec)
    if kind == "images":  # photos at their own sizes (an image source scales to the first)
        from streamfx.capture.images import is_image, read_image

        path = Path(target)
        files = sorted(f for f in path.iterdir() if is_image(f)) if path.is_dir() else [path]
        for i, f in enumerate(files[: opts.max_frames or None]):
            if i >= start:
                yield i, 0, read_image(f), True
        return
    src = open_source(spec)
    try:
        i = 0
        while True:
            if opts.max_frames and i >= opts.max_frames:
                return
            frame = src.read()
            if frame is None:
                return
            if i >= start and i % max(opts.every, 1) == 0:
                ts = frame.pts if frame.pts is not None else i / 25.0
                yield i, int(round(ts * 1000)), frame.image, False
            i += 1
    finally:
        src.close()


def count_frames(spec: str) -> int | None:
    """Frames in an input when its source knows (for the progress bar)."""
    from streamfx.capture.registry import make_source

    try:
        src = make_source(spec)
        info = src.open()
        src.close()
        return info.frame_count
    except Exception:  # only for the bar
        return None


def build_dataset(
    inputs: list[str], out: str | Path, opts: BuildOptions | None = None, progress: bool = True
) -> BuildReport:
    """Build (or continue) the dataset in ``out`` from ``inputs`` (photos, folders of photos,
    videos, ``demo``); returns the report."""
    from tqdm import tqdm

    from streamfx.face import FaceTracker
    from streamfx.face.config import FaceConfig

    opts = opts or BuildOptions()
    if not inputs:
        raise ConfigError("dataset build: give at least one input (photo, folder, video, demo)")
    out = Path(out)
    writer = _Writer(out, opts.checkpoint_every)
    report = BuildReport(resumed=bool(writer.state.get("done") or writer.state.get("current")))
    done = set(writer.state.get("done", []))
    start_count = len(writer.labels)
    face_cfg = FaceConfig(min_face_px=min(opts.min_face, 40.0), policy="all")
    for spec in inputs:
        key = input_key(spec)
        if key in done:
            report.inputs_done += 1
            continue
        resuming = writer.state.get("current") == key
        start = writer.state.get("frames", 0) if resuming else 0
        first = writer.state.get("input_start", len(writer.labels)) if resuming else None
        writer.state["input_start"] = first if first is not None else len(writer.labels)
        total = count_frames(spec)
        if total is not None and opts.max_frames:
            total = min(total, opts.max_frames)
        last: np.ndarray | None = None
        if resuming and len(writer.labels) > writer.state["input_start"]:  # near-duplicate check
            from PIL import Image

            last = _thumb(np.asarray(Image.open(out / writer.labels[-1][0]).convert("RGB")))
        bar = tqdm(total=total, initial=start, desc=Path(spec).name, unit="frame",
                   disable=not progress, leave=False)  # fmt: skip
        with FaceTracker(face_cfg) as tracker:
            frames = start
            for i, ts, image, still in _frames(spec, opts, start):
                faces = tracker.detect(image) if still else tracker.track(image, ts)
                if not faces:
                    report.rejected["no_face"] += 1
                for face in faces:
                    reason = _reject(face, opts)
                    if reason is None and not still and last is not None:
                        diff = float(np.abs(_thumb(face.crop) - last).mean())
                        reason = "duplicate" if diff < opts.duplicate_diff else None
                    if reason is not None:
                        report.rejected[reason] += 1
                        continue
                    writer.add(face.crop, face.camera)
                    if not still:
                        last = _thumb(face.crop)
                frames = i + 1
                bar.update(frames - bar.n)
                writer.checkpoint(key, frames)
        bar.close()
        writer.state.setdefault("done", []).append(key)
        writer.checkpoint(None, 0, force=True)
        report.inputs_done += 1
    writer.checkpoint(None, 0, force=True)
    report.kept = len(writer.labels) - start_count
    report.total = len(writer.labels)
    return report


def _reject(face: Any, opts: BuildOptions) -> str | None:
    if face.crop is None or face.camera is None:
        return "no_face"
    if face.size < opts.min_face:
        return "too_small"
    yaw, pitch = head_angles(face.camera)
    if abs(yaw) > opts.max_yaw_deg or abs(pitch) > opts.max_pitch_deg:
        return "too_turned"
    if sharpness(face.crop) < opts.min_sharpness:
        return "blurred"
    return None
