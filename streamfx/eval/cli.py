"""``streamfx eval``: measure an edit (identity, flicker, warp error, seams, pose, containment).

Two ways to call it:

- ``streamfx eval ORIGINAL EDITED [--report DIR]``: two aligned clips (videos, images or folders
  of images) with the same number of frames and the same size;
- ``streamfx eval INPUT --style NAME [--editor mesh] [--report DIR]``: edit INPUT with
  ``streamfx edit`` first, then evaluate the result against INPUT.

The summary is printed; with ``--report DIR`` the folder gets ``metrics.json``, ``report.html``
and its PNGs (curves over time, the worst frames with the original beside the edit).
"""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tyro

from streamfx.errors import ConfigError, InputError


@dataclass
class EvalCommand:
    """``streamfx eval ORIGINAL [EDITED]``: edit quality, as numbers and a report."""

    original: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="ORIGINAL")] = tyro.MISSING
    """The original clip: a video file, an image, a folder of images, or ``demo``. With
    --style it is the INPUT that gets edited first."""
    edited: Annotated[str | None, tyro.conf.Positional, tyro.conf.arg(metavar="EDITED")] = None
    """The edited clip (same frame count and size as ORIGINAL); leave out with --style."""
    report: str | None = None
    """Folder for report.html, metrics.json and the PNGs (created); none: print only."""
    style: str | None = None
    """Edit ORIGINAL with this style first (``streamfx styles list``), then evaluate."""
    editor: str = "auto"
    """Editor for --style: auto, mesh or 3dpe (as ``streamfx edit --editor``)."""
    max_frames: int | None = None
    """Evaluate (and, with --style, edit) only the first N frames."""
    identity_model: str | None = None
    """An ArcFace ONNX file for the identity metric (cosine distance); default: dlib's 128-d
    face-recognition ResNet (Euclidean distance; same person ~0.1-0.5)."""
    identity_every: int = 1
    """Compute identity on every N-th frame only (about 0.1 s per face per frame on a CPU)."""
    target_yaw: float | None = None
    """Degrees: the edit corrected every head to this camera yaw; pose error is measured
    against it instead of the original's pose (with --target-pitch, default 0)."""
    target_pitch: float | None = None
    """Degrees: camera pitch of the corrected pose (see --target-yaw)."""
    fps: float = 25.0
    """Frame rate assumed for image folders (timestamps for the face tracker)."""
    max_faces: int = 4
    """Most faces measured per frame."""
    worst: int = 3
    """Worst frames shown per metric in the report's contact sheet."""
    flow: str = "medium"
    """OpenCV DIS optical-flow preset for the warp error: ultrafast, fast or medium."""
    quiet: bool = False
    """Print only the summary table (no progress, no edit log)."""


def _check(cmd: EvalCommand) -> None:
    if cmd.edited is None and cmd.style is None:
        raise InputError(
            "expected ORIGINAL EDITED (two clips), or INPUT --style NAME (edit, then evaluate); "
            f"got only {cmd.original!r} and no --style"
        )
    if cmd.edited is not None and cmd.style is not None:
        raise ConfigError(
            "--style edits ORIGINAL before evaluating it, so EDITED must be left out; got "
            f"EDITED {cmd.edited!r} and --style {cmd.style!r}"
        )
    counts = {
        "--max-frames": cmd.max_frames,
        "--identity-every": cmd.identity_every,
        "--max-faces": cmd.max_faces,
        "--worst": cmd.worst,
    }
    for name, value in counts.items():
        if value is not None and value < 1:
            raise ConfigError(f"{name} must be at least 1, got {value}")
    if not (cmd.fps > 0 and math.isfinite(cmd.fps)):
        raise ConfigError(f"--fps must be a positive number, got {cmd.fps}")


def _target(cmd: EvalCommand):
    if cmd.target_yaw is None and cmd.target_pitch is None:
        return None
    from streamfx.geometry.camera import camera_from_angles

    yaw, pitch = math.radians(cmd.target_yaw or 0.0), math.radians(cmd.target_pitch or 0.0)
    return camera_from_angles(yaw=yaw, pitch=pitch)


def format_summary(summary: dict, title: str = "") -> str:
    """The summary as an aligned two-column text table (metric, value with unit)."""
    from streamfx.eval.metrics import FRAME_METRICS, METRICS

    rows = [(m.key, summary.get(m.key), m.unit) for m in (*METRICS, *FRAME_METRICS)]
    rows += [("frames", summary.get("frames"), ""), ("face_frames", summary.get("face_frames"), "")]
    width = max(len(k) for k, _, _ in rows)
    lines = [title] if title else []
    for key, value, unit in rows:
        text = "n/a" if value is None else (f"{value:.4g}" if isinstance(value, float) else value)
        lines.append(f"  {key:<{width}}  {text!s:>9}  {unit}")
    return "\n".join(lines)


def evaluate_command(cmd: EvalCommand, workdir: Path):
    """Run the evaluation ``cmd`` asks for (editing first with --style); returns EvalResult.
    ``workdir`` holds the edited clip and the frames of a cut or generated INPUT."""
    from streamfx.eval.edit import prepare_original, run_edit
    from streamfx.eval.runner import EvalOptions, evaluate

    original, edited = cmd.original, cmd.edited
    if cmd.style is not None:
        original = prepare_original(cmd.original, workdir, cmd.max_frames, cmd.fps)
        edited = str(workdir / f"edited-{Path(cmd.style).name}.mp4")
        run_edit(original, Path(edited), cmd.style, cmd.editor, quiet=cmd.quiet)
    assert edited is not None
    progress = None
    if not cmd.quiet:

        def progress(n: int) -> None:  # noqa: E306
            print(f"\rstreamfx eval: {n} frames", end="", file=sys.stderr, flush=True)

    options = EvalOptions(
        max_frames=cmd.max_frames,
        identity_model=cmd.identity_model,
        identity_every=cmd.identity_every,
        flow_preset=cmd.flow,
        max_faces=cmd.max_faces,
        fps=cmd.fps,
        target_camera=_target(cmd),
        worst=cmd.worst,
        progress=progress,
    )
    result = evaluate(original, edited, options)
    if progress is not None:
        print(file=sys.stderr)
    if cmd.style is not None:
        result.meta.update(input=cmd.original, style=cmd.style, editor=cmd.editor)
    return result


def run(config: EvalCommand) -> int:
    """``streamfx eval``: evaluate, print the summary, write the report; returns 0. Bad inputs
    raise InputError / ConfigError (the CLI turns them into exit status 2)."""
    _check(config)
    if config.report is not None:
        folder = Path(config.report)
        folder.mkdir(parents=True, exist_ok=True)
        result = evaluate_command(config, folder)
    else:
        with tempfile.TemporaryDirectory(prefix="streamfx-eval-") as tmp:
            result = evaluate_command(config, Path(tmp))
    title = f"streamfx eval: {result.meta['edited']} vs {result.meta['original']}"
    print(format_summary(result.summary, title))
    if config.report is not None:
        from streamfx.eval.report import write_report

        page = write_report(result, config.report)
        print(f"report: {page}")
    return 0
