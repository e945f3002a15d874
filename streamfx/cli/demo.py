"""The main job on the embedded default: the built-in demo clip (a public-domain portrait turning
its head) goes through the same pipeline as the camera (track -> edit -> compose), every frame
in order. Writes the edited video and a contact sheet of face close-ups for every built-in style
of the editor, and prints the per-stage timing table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig

DEMO_FPS = 25.0


@dataclass
class Command(PipelineConfig, RunOptions):
    """``streamfx demo``."""

    out: str = "out/demo"
    """Output folder (demo.mp4 and contact_sheet.png go there)."""
    seconds: float = 6.0
    """Length of the demo clip (its frame rate is --fps, default 25)."""
    sheet_frames: int = 4
    """Frames per contact-sheet row."""


def run(cmd: Command) -> int:
    import cv2
    import numpy as np

    from streamfx.demo.clip import DemoSource
    from streamfx.demo.sheet import KeepingSink, contact_sheet, restyle, styles_for
    from streamfx.outputs import FileSink
    from streamfx.runtime import OfflineRunner, format_timings
    from streamfx.runtime.build import build_pipeline

    out = Path(cmd.out)
    config = pipeline_config(cmd)
    config.source = dataclasses.replace(config.source, source="demo")
    built = build_pipeline(config)
    print(f"streamfx: {built.reason}")
    out.mkdir(parents=True, exist_ok=True)
    fps = config.source.fps or DEMO_FPS
    source = DemoSource(seconds=cmd.seconds, fps=fps)
    n = max(1, round(cmd.seconds * fps))
    # start after the first tenth: a new track cross-fades in from the real face over a few frames
    picks = {int(i) for i in np.linspace(n // 10, n - 1, max(1, cmd.sheet_frames)).round()}
    sink = KeepingSink(FileSink(out / "demo.mp4"), picks)
    pipeline = built.pipeline
    print(f"streamfx demo: {pipeline.describe()} -> {out / 'demo.mp4'}")
    runner = OfflineRunner(source, pipeline, sink, progress=config.runtime.progress)
    stats = runner.run()
    kept = sorted(sink.kept, key=lambda f: f.index)
    rows: list[tuple[str, list]] = []
    backend = built.backend  # None for the pass-through pipeline
    if backend is not None:
        first = backend.style or config.editor.style
        rows.append((f"{backend.name}: {first}", [f.result for f in kept]))
        for style in styles_for(backend.name, first):
            if style and style != first:
                rows.append((f"{backend.name}: {style}", restyle(pipeline, kept, style)))
    else:
        rows.append(("output", [f.result for f in kept]))
    sheet = contact_sheet(kept, rows)
    cv2.imwrite(str(out / "contact_sheet.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"wrote {out / 'demo.mp4'} ({stats.sent} frames) and {out / 'contact_sheet.png'}")
    print(format_timings(stats))
    if stats.interrupted:
        return 130
    return 3 if stats.degraded else 0
