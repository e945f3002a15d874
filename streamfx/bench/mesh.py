"""``streamfx bench mesh``: milliseconds per stage of the mesh editor for one face.

Stages: lift (landmarks -> mesh, head pose), render (rasterise + texture), style (the effect),
composite (paste the 512 crop back into the frame). The frame is the demo photo scaled to each
size, the face record comes from its bundled landmarks (no MediaPipe needed; tracking is
``streamfx bench face``'s job). Composite uses ``streamfx.compose`` (``--compositor paste``:
the minimal paste of ``streamfx.backends.mesh.paste``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.errors import ConfigError, check_field

STAGES = ("lift", "render", "style", "composite")
DEFAULT_STYLES = "cartoon,sketch,bronze,marble,neon,golden"


@dataclass
class Command(BenchOptions):
    """``streamfx bench mesh``: ms per stage and fps of the mesh editor, one face."""

    styles: str = DEFAULT_STYLES
    """Comma-separated style names (``streamfx styles list``)."""
    sizes: str = "640x480,1280x720"
    """Comma-separated frame sizes, WxH."""
    frames: int = 40
    """Timed frames per row (the median per stage is reported)."""
    warmup: int = 3
    """Untimed frames per row before the timed ones."""
    work_size: int = 0
    """Geometry/filter resolution of the editor (0: auto, from the face's size in the frame)."""
    compositor: Literal["compose", "paste"] = "compose"
    """compose: streamfx.compose (mask, colour match, blend); paste: the mesh backend's minimal
    paste."""
    pose_yaw: float | None = None
    """Render at this camera yaw in degrees (pose correction) instead of the face's own camera."""
    color_match: Literal["none", "lab"] = "none"
    """Colour matching of the compositor (mesh styles recolour on purpose: default none)."""

    def __post_init__(self) -> None:
        check_field(self.frames >= 1, "frames", ">= 1", self.frames)
        check_field(self.warmup >= 0, "warmup", ">= 0", self.warmup)
        parse_sizes(self.sizes)


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
    if kind == "paste":
        from streamfx.backends.mesh.paste import paste_edit

        return "mesh paste", lambda frame, edit, face: paste_edit(frame, edit, face.from_crop)
    from streamfx.compose import ComposeConfig, Compositor

    comp = Compositor(ComposeConfig(color_match=color_match))
    name = f"streamfx.compose (color_match={color_match})"
    return name, lambda frame, edit, face: comp.compose(frame, [face], {face.track_id: edit})


def bench_row(
    editor: Any,
    frame: Any,
    face: Any,
    composite: Callable,
    frames: int,
    warmup: int,
    camera: Any = None,
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


def make_table() -> Table:
    """Columns: frame, style, work size, ms per stage, total ms, fps and best fps."""
    stages = [Column(f"{s}_ms", ".2f", s) for s in STAGES]
    return Table(
        [Column("frame"), Column("style"), Column("work", "d")]
        + stages
        + [
            Column("total_ms", ".2f", "total"),
            Column("fps", ".1f"),
            Column("best_fps", ".1f", "best"),
        ]
    )


def run(cmd: Command) -> int:
    """Print the table; returns 0."""
    from streamfx.backends.mesh import MeshConfig, MeshEditor
    from streamfx.backends.mesh.assets import face_from_landmarks
    from streamfx.demo.clip import DemoSource

    styles = [s for s in cmd.styles.split(",") if s]
    comp_name, composite = make_compositor(cmd.compositor, cmd.color_match)
    camera = None
    if cmd.pose_yaw is not None:
        import math

        from streamfx.geometry.camera import camera_from_angles

        camera = camera_from_angles(math.radians(cmd.pose_yaw), 0.0)
        print(f"pose correction: rendering at yaw {cmd.pose_yaw:g} degrees")
    print(f"mesh editor, one face, work size {cmd.work_size or 'auto'}, compositor: {comp_name}")
    print(
        f"median ms of {cmd.frames} frames per stage; fps = 1000 / total; best = the fastest "
        "frame's fps (what an unloaded machine gives)"
    )
    table = make_table()
    for w, h in parse_sizes(cmd.sizes):
        src = DemoSource(width=w, height=h)
        src.open()
        frame, lm = src.reference()
        face = face_from_landmarks(frame, lm)
        for style in styles:
            editor = MeshEditor(style, MeshConfig(work_size=cmd.work_size))
            row, best = bench_row(editor, frame, face, composite, cmd.frames, cmd.warmup, camera)
            total = sum(row.values())
            work = cmd.work_size or editor.work_size_for(face)
            table.add(
                {"frame": f"{w}x{h}", "style": style, "work": work}
                | {f"{s}_ms": row[s] for s in STAGES}
                | {"total_ms": total, "fps": 1e3 / total, "best_fps": 1e3 / best}
            )
            editor.close()
        src.close()
    print(table.render())
    cmd.save_json(bench="mesh", compositor=comp_name, rows=table)
    return 0
