"""``streamfx bench mesh``: milliseconds per stage of the mesh editor for one face.

Stages: lift (landmarks -> mesh, head pose), render (rasterise + texture), style (the effect),
composite (paste the 512 crop back into the frame). The frame is the demo photo scaled to each
size, the face record comes from its bundled landmarks (no MediaPipe needed; tracking is
``streamfx bench face``'s job). Composite uses ``streamfx.compose`` when it is available, else
the minimal paste of ``streamfx.backends.mesh.paste``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from streamfx.errors import ConfigError

STAGES = ("lift", "render", "style", "composite")
DEFAULT_STYLES = "cartoon,sketch,bronze,marble,neon,golden"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``streamfx bench mesh``."""
    parser.add_argument("--styles", default=DEFAULT_STYLES, help="comma-separated style names")
    parser.add_argument("--sizes", default="640x480,1280x720", help="frame sizes, WxH,WxH")
    parser.add_argument("--frames", type=int, default=40, help="timed frames per row")
    parser.add_argument("--warmup", type=int, default=3, help="untimed frames per row")
    parser.add_argument(
        "--work-size", type=int, default=0, help="geometry/filter resolution (0: auto)"
    )
    parser.add_argument("--compositor", choices=("auto", "compose", "paste"), default="auto")
    parser.add_argument(
        "--pose-yaw",
        type=float,
        default=None,
        help="render at camera_from_angles(yaw=DEG) (pose correction) instead of the own camera",
    )
    parser.add_argument(
        "--color-match",
        choices=("none", "lab"),
        default="none",
        help="compositor colour matching (mesh styles recolour on purpose: default none)",
    )


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'640x480,1280x720' -> [(640, 480), (1280, 720)]."""
    out = []
    for part in text.split(","):
        try:
            w, h = (int(v) for v in part.lower().split("x"))
        except ValueError:
            raise ConfigError(f"frame size must look like 640x480, got {part!r}") from None
        if w < 64 or h < 64:
            raise ConfigError(f"frame size must be at least 64x64, got {part!r}")
        out.append((w, h))
    return out


def make_compositor(kind: str, color_match: str = "none") -> tuple[str, Callable]:
    """(name, fn(frame, edit, face) -> frame) for the chosen compositor."""
    from streamfx.backends.mesh.paste import paste_edit

    if kind in ("auto", "compose"):
        try:
            from streamfx.compose import ComposeConfig, Compositor
        except ImportError:
            if kind == "compose":
                raise ConfigError("streamfx.compose.Compositor is not available") from None
        else:
            comp = Compositor(ComposeConfig(color_match=color_match))
            name = f"streamfx.compose (color_match={color_match})"
            return name, lambda frame, edit, face: comp.compose(
                frame, [face], {face.track_id: edit}
            )
    return "mesh paste", lambda frame, edit, face: paste_edit(frame, edit, face.from_crop)


def bench_row(
    editor, frame, face, composite, frames: int, warmup: int, camera=None
) -> tuple[dict[str, float], float]:
    """(median ms per stage, best total ms) over ``frames`` runs (after ``warmup``)."""
    samples: dict[str, list[float]] = {s: [] for s in STAGES}
    for i in range(warmup + frames):
        edit = editor.edit(frame, face, camera)
        t0 = time.perf_counter()
        composite(frame, edit, face)
        t_comp = time.perf_counter() - t0
        if i >= warmup:
            for s in STAGES[:3]:
                samples[s].append(edit.timings[s] * 1e3)
            samples["composite"].append(t_comp * 1e3)
    best = min(sum(v[i] for v in samples.values()) for i in range(frames))
    return {s: statistics.median(v) for s, v in samples.items()}, best


def run(args: argparse.Namespace) -> int:
    """Print the table; returns 0."""
    from streamfx.backends.mesh import MeshConfig, MeshEditor
    from streamfx.backends.mesh.assets import face_from_landmarks
    from streamfx.capture.demo import DemoSource

    styles = [s for s in args.styles.split(",") if s]
    comp_name, composite = make_compositor(args.compositor, args.color_match)
    camera = None
    if args.pose_yaw is not None:
        import math

        from streamfx.editor.camera import camera_from_angles

        camera = camera_from_angles(math.radians(args.pose_yaw), 0.0)
        print(f"pose correction: rendering at yaw {args.pose_yaw:g} degrees")
    work = args.work_size or "auto"
    print(f"mesh editor, one face, work size {work}, compositor: {comp_name}")
    print(
        f"median ms of {args.frames} frames per stage; fps = 1000 / total; best = the fastest "
        "frame (what an unloaded machine gives)"
    )
    head = f"{'frame':>10} {'style@work':>13} " + " ".join(f"{s:>9}" for s in STAGES)
    print(head + f" {'total':>8} {'fps':>6} {'best':>6}")
    for w, h in parse_sizes(args.sizes):
        src = DemoSource(width=w, height=h)
        src.open()
        frame, lm = src.reference()
        face = face_from_landmarks(frame, lm)
        for style in styles:
            editor = MeshEditor(style, MeshConfig(work_size=args.work_size))
            row, best = bench_row(editor, frame, face, composite, args.frames, args.warmup, camera)
            style = f"{style}@{editor.work_size_for(face)}" if not args.work_size else style
            total = sum(row.values())
            cells = " ".join(f"{row[s]:9.2f}" for s in STAGES)
            fps = f"{1e3 / total:6.1f} {1e3 / best:6.1f}"
            print(f"{w:>5}x{h:<4} {style:>13} {cells} {total:8.2f} {fps}")
    return 0
