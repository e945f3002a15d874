"""Run the live pipeline: a source (webcam by default) -> track -> edit -> compose -> a live
sink (virtual camera, else a preview window). Ctrl-C (or q in the preview) stops it cleanly.
A stage that fails degrades (the real face shows) and the status line says so; the stream
never dies of it."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig


@dataclass
class Command(PipelineConfig, RunOptions):
    """``streamfx camera``: every pipeline setting plus the common run options."""

    control: str | None = None
    """Serve the control API and web panel on [HOST:]PORT (e.g. 8765; HOST defaults to
    127.0.0.1). The line ``control: http://HOST:PORT/?token=TOKEN`` is printed at start and the
    token written to a user-only file; see docs/control.md."""
    control_remote: bool = False
    """Allow --control on a non-loopback address (anyone who can reach it and has the token
    can drive the camera)."""
    loop: bool = False
    """Play a video file again from the start when it ends (a clip as a live camera); the demo
    clip and images always repeat."""


def _loop(loop: bool, spec: str) -> bool:
    """Whether the source repeats: ``--loop`` for video files; the demo and images always."""
    from streamfx.capture.registry import source_kind

    return loop or source_kind(spec)[0] != "video"


def _status(stats) -> None:
    print(f"\r{stats.line()}   ", end="", file=sys.stderr, flush=True)


def run(cmd: Command) -> int:
    from streamfx.capture import open_source
    from streamfx.cli.main import STARTED as t_origin  # the command's start
    from streamfx.outputs import PreviewSink, open_sink
    from streamfx.runtime import LiveRunner, format_timings
    from streamfx.runtime.build import build_pipeline
    from streamfx.runtime.pipeline import close_run

    config = pipeline_config(cmd)
    src, out, rt = config.source, config.output, config.runtime
    sink = open_sink(out.sink, backend=out.vcam_backend, device=out.vcam_device)
    kwargs = dict(width=src.width, height=src.height, fps=src.fps, fourcc=src.fourcc)
    # a camera takes a while to open, the pipeline too (MediaPipe, the editor): do both at once
    with ThreadPoolExecutor(1, thread_name_prefix="streamfx-open") as pool:
        opening = pool.submit(open_source, src.source, loop=_loop(cmd.loop, src.source), **kwargs)
        try:
            built = build_pipeline(config)  # settings and style errors come out here
        except BaseException:
            opening.add_done_callback(lambda f: f.exception() or f.result().close())
            raise
        try:
            source = opening.result()
        except BaseException:
            built.pipeline.close()
            raise
    print(f"streamfx: {built.reason}")
    live_status = rt.progress and sys.stderr.isatty()
    pipe = built.pipeline
    print(f"streamfx camera: {source.info.description} -> {pipe.describe()} -> {out.sink}")
    from streamfx.control.session import live_controls

    controls, backend, styles = live_controls(config, built)
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
        controls=controls,
    )
    server = None
    if cmd.control is not None:
        from streamfx.control.server import parse_address
        from streamfx.control.session import serve

        host, port = parse_address(cmd.control)
        try:
            server = serve(
                runner,
                controls,
                backend,
                styles,
                host=host,
                port=port,
                allow_remote=cmd.control_remote,
            )
        except BaseException:
            close_run(sink, pipe, source)
            raise
        print(server.control_line(), flush=True)
        print(f"control token file: {server.token_file}", flush=True)
    if isinstance(sink, PreviewSink):
        sink.controls = controls
    try:
        stats = runner.run()
    finally:
        if server is not None:
            server.close()
    if live_status:
        print(file=sys.stderr)
    print(f"output: {sink.description}")
    print(format_timings(stats))
    return 0  # Ctrl-C is the normal way to end a live session; degraded frames were shown live
