"""``streamfx camera``: a live source (webcam by default) through the pipeline to a live sink."""

from __future__ import annotations

import argparse
import sys

from streamfx.runtime.build import add_pipeline_arguments


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "camera",
        help="live: webcam (or any source) -> edit -> virtual camera / preview",
        description="Run the live pipeline. Ctrl-C (or q in the preview) stops it cleanly.",
    )
    p.add_argument(
        "--source",
        default="0",
        help="camera index or /dev/videoN, video file, rtsp:// or http(s):// URL, image, "
        "folder of images, or 'demo' (default: 0)",
    )
    p.add_argument(
        "--sink",
        default="auto",
        help="auto (virtual camera, else preview window), vcam, preview, null, or an output "
        "video file (default: auto)",
    )
    p.add_argument("--backend", default=None, help="virtual camera backend (default: try each)")
    p.add_argument("--vcam-device", default=None, help="virtual camera device, e.g. /dev/video10")
    p.add_argument("--width", type=int, default=None, help="camera width to ask for")
    p.add_argument("--height", type=int, default=None, help="camera height to ask for")
    p.add_argument("--fps", type=float, default=None, help="camera rate to ask for / output rate")
    p.add_argument("--fourcc", default=None, help="camera pixel format to ask for, e.g. MJPG")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--quiet", action="store_true", help="no status line while running")
    add_pipeline_arguments(p)
    p.set_defaults(func=run)
    return p


def _status(stats) -> None:
    print(f"\r{stats.line()}   ", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from streamfx.capture import open_source
    from streamfx.cli.checks import check_positive
    from streamfx.outputs import open_sink
    from streamfx.runtime import LiveRunner, format_timings
    from streamfx.runtime.build import make_pipeline

    check_positive(width=args.width, height=args.height, fps=args.fps, duration=args.duration)
    sink = open_sink(args.sink, backend=args.backend, device=args.vcam_device)
    source = open_source(
        args.source,
        width=args.width,
        height=args.height,
        fps=args.fps,
        fourcc=args.fourcc,
        loop=True,
    )
    try:
        pipeline = make_pipeline(args)
    except BaseException:
        source.close()
        raise
    live_status = not args.quiet and sys.stderr.isatty()
    print(f"streamfx camera: {source.info.description} -> {pipeline.describe()} -> {args.sink}")
    runner = LiveRunner(
        source,
        pipeline,
        sink,
        fps=args.fps,
        duration_s=args.duration,
        on_stats=_status if live_status else None,
    )
    stats = runner.run()
    if live_status:
        print(file=sys.stderr)
    print(f"output: {getattr(sink, 'description', sink.name)}")
    print(format_timings(stats))
    return 0  # Ctrl-C is the normal way to end a live session
