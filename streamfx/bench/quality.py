"""``streamfx bench quality``: edit quality per style on clips the project builds itself.

For each clip (``demo``: the astronaut turning her head; ``talking``: the astronaut talking,
``streamfx.eval.talking``; or any video file) the first ``--frames`` frames are written as a
PNG folder, edited with ``streamfx edit --style S`` for every style, and evaluated with
``streamfx.eval`` against the folder. The table has one row per clip x style and the summary
means of the evaluation (see ``docs/eval.md`` for every metric); it is the regression gauge
later work on the editors, smoothing and compositing is held to. The ``identity`` style (the
mesh re-render without a look) is the floor every style is read against.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.errors import ConfigError

DEFAULT_STYLES = ("identity", "cartoon", "sketch", "bronze", "marble", "neon", "golden")
BUILT_IN_CLIPS = ("demo", "talking")
COLUMNS = [
    Column("clip"),
    Column("style"),
    Column("identity_distance", ".3f", "identity"),
    Column("flicker", ".2f"),
    Column("warp_error", ".2f", "warp"),
    Column("seam", ".2f"),
    Column("pose_error_deg", ".2f", "pose_deg"),
    Column("landmark_error_px", ".2f", "lmk_px"),
    Column("edit_strength", ".1f", "strength"),
    Column("containment", ".4f", "bg_kept"),
    Column("edit_face_found", ".2f", "found"),
    Column("seconds", ".1f", "s"),
]


@dataclass
class QualityBench(BenchOptions):
    """``streamfx bench quality``: a style x metric table of the evaluation means."""

    styles: tuple[str, ...] = DEFAULT_STYLES
    """Styles to edit with (``streamfx styles list``); ``identity`` is the re-render floor."""
    clips: tuple[str, ...] = BUILT_IN_CLIPS
    """Clips: ``demo`` (head turning), ``talking`` (mouth moving), or video files."""
    frames: int = 40
    """Frames per clip (from the start)."""
    editor: str = "mesh"
    """Editor for every style (as ``streamfx edit --editor``)."""
    identity_every: int = 4
    """Embed faces on every N-th frame (dlib's ResNet is the slowest metric)."""
    report: str | None = None
    """Also write a full report per clip and style into this folder (CLIP-STYLE/)."""
    width: int = 640
    """Frame width of the built-in clips."""
    height: int = 480
    """Frame height of the built-in clips."""


def clip_frames(name: str, count: int, width: int, height: int):
    """The first ``count`` frames (uint8 RGB) of a built-in clip or a video file."""
    if name == "talking":
        from streamfx.eval.talking import TalkingClip

        return TalkingClip(width, height).frames(count)
    if name == "demo":
        return _demo_frames(count, width, height)
    from streamfx.eval.frames import source_frames

    return source_frames(name, count)


def _demo_frames(count: int, width: int, height: int):
    from streamfx.capture import open_source

    src = open_source("demo", width=width, height=height)
    try:
        for _ in range(count):
            frame = src.read()
            if frame is None:
                return
            yield frame.image
    finally:
        src.close()


def _check(cfg: QualityBench) -> None:
    if cfg.frames < 2:
        raise ConfigError(f"--frames must be at least 2 (flicker needs pairs), got {cfg.frames}")
    if cfg.identity_every < 1:
        raise ConfigError(f"--identity-every must be at least 1, got {cfg.identity_every}")
    if not cfg.styles or not cfg.clips:
        raise ConfigError("--styles and --clips need at least one name each")
    from streamfx.backends.styles_catalog import load_style

    for style in cfg.styles:
        load_style(style)  # unknown names fail now, listing the known ones


def measure(cfg: QualityBench, clip: str, style: str, original: str, work: Path) -> dict:
    """Edit ``original`` (a PNG folder) with ``style`` and evaluate it; one table row."""
    from streamfx.eval.edit import run_edit
    from streamfx.eval.runner import EvalOptions, evaluate

    t0 = time.perf_counter()
    edited = work / f"{style}.mp4"
    run_edit(original, edited, style, cfg.editor)
    result = evaluate(original, str(edited), EvalOptions(identity_every=cfg.identity_every))
    if cfg.report is not None:
        from streamfx.eval.report import write_report

        result.meta.update(input=clip, style=style, editor=cfg.editor)
        write_report(result, Path(cfg.report) / f"{Path(clip).stem}-{style}")
    seconds = time.perf_counter() - t0
    return {"clip": Path(clip).stem, "style": style, **result.summary, "seconds": seconds}


def run(config: QualityBench) -> int:
    """Run the benchmark, print the table, write ``--json``; returns 0."""
    from streamfx.eval.frames import write_frames
    from streamfx.eval.metrics import FRAME_METRICS, METRICS

    _check(config)
    table = Table(COLUMNS)
    with tempfile.TemporaryDirectory(prefix="streamfx-quality-") as tmp:
        for i, clip in enumerate(config.clips):
            if i:
                table.rule()
            work = Path(tmp) / Path(clip).stem
            original = work / "original"
            frames = clip_frames(clip, config.frames, config.width, config.height)
            n = write_frames(frames, original)
            print(f"clip {clip}: {n} frames", flush=True)
            for style in config.styles:
                table.add(measure(config, clip, style, str(original), work))
                print(f"  {style}: done", flush=True)
    print(table.render())
    units = {m.key: m.unit for m in (*METRICS, *FRAME_METRICS)}
    config.save_json(rows=table, units=units)
    return 0
