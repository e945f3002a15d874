"""Run the live pipeline: a source (webcam by default) -> track -> edit -> compose -> a live
sink (virtual camera, else a preview window). Ctrl-C (or q in the preview) stops it cleanly.
A stage that fails degrades (the real face shows) and the status line says so; the stream
never dies of it."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig


@dataclass
class Command(PipelineConfig, RunOptions):
    """``streamfx camera``: every pipeline setting plus the common run options."""


def _status(stats) -> None:
    print(f"\r{stats.line()}   ", end="", file=sys.stderr, flush=True)


def run(cmd: Command) -> int:
    from streamfx.capture import open_source
    from streamfx.outputs import open_sink
    from streamfx.runtime import LiveRunner, format_timings
    from streamfx.runtime.build import build_pipeline

    t_origin = time.monotonic()
    config = pipeline_config(cmd)
    src, out, rt = config.source, config.output, config.runtime
    sink = open_sink(out.sink, backend=out.vcam_backend, device=out.vcam_device)
    built = build_pipeline(config)  # settings and style errors come out before the camera opens
    try:
        source = open_source(
            src.source,
            width=src.width,
            height=src.height,
            fps=src.fps,
            fourcc=src.fourcc,
            loop=True,
        )
    except BaseException:
        built.pipeline.close()
        raise
    print(f"streamfx: {built.reason}")
    live_status = rt.progress and sys.stderr.isatty()
    pipe = built.pipeline
    print(f"streamfx camera: {source.info.description} -> {pipe.describe()} -> {out.sink}")
    runner = LiveRunner(
        source,
        pipe,
        sink,
        fps=src.fps,
        default_fps=rt.default_fps,
        reconnect=rt.reconnect,
        slate_after_s=rt.slate_after,
        overlap=rt.overlap,
        max_frames=rt.max_frames,
        duration_s=rt.duration,
        on_stats=_status if live_status else None,
        t_origin=t_origin,
    )
    stats = runner.run()
    if live_status:
        print(file=sys.stderr)
    print(f"output: {sink.description}")
    print(format_timings(stats))
    return 0  # Ctrl-C is the normal way to end a live session; degraded frames were shown live
