"""``streamfx edit INPUT -o OUTPUT``: offline, every frame in order, audio kept, progress bar."""

from __future__ import annotations

import argparse
from pathlib import Path

from streamfx.runtime.build import add_pipeline_arguments


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "edit",
        help="offline: edit a video (or images) into a video file, audio kept in sync",
        description="Process every frame of INPUT in order and write OUTPUT. The audio of "
        "INPUT is carried over (copied when the container allows, else re-encoded).",
    )
    p.add_argument("input", help="video file, image, or folder of images")
    p.add_argument("-o", "--output", required=True, help="output video file (.mp4, .mkv, ...)")
    p.add_argument("--codec", default="libx264", help="video encoder (default: libx264 = H.264)")
    p.add_argument("--crf", type=int, default=None, help="quality for libx264 (default 18)")
    p.add_argument("--fps", type=float, default=None, help="output rate for image input")
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_pipeline_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from streamfx.capture import open_source
    from streamfx.capture.video import is_url
    from streamfx.cli.checks import check_positive
    from streamfx.errors import ConfigError
    from streamfx.outputs import FileSink
    from streamfx.runtime import OfflineRunner, format_timings
    from streamfx.runtime.build import make_pipeline

    out = Path(args.output)
    if not is_url(args.input):  # a URL must stay a string: Path() would collapse its "//"
        inp = Path(args.input)
        if out.exists() and inp.exists() and out.resolve() == inp.resolve():
            raise ConfigError(f"output {out} is the input file; choose another output path")
    check_positive(fps=args.fps, max_frames=args.max_frames)
    options = {"crf": str(args.crf), "preset": "fast"} if args.crf is not None else None
    source = open_source(args.input, fps=args.fps or 25.0)
    audio = source.path if source.info.has_audio else None
    sink = FileSink(out, codec=args.codec, audio_from=audio, options=options)
    try:
        pipeline = make_pipeline(args)
    except BaseException:
        source.close()
        raise
    print(f"streamfx edit: {source.info.description} -> {pipeline.describe()} -> {out}")
    runner = OfflineRunner(
        source,
        pipeline,
        sink,
        progress=not args.no_progress,
        max_frames=args.max_frames,
        fps=args.fps,
    )
    stats = runner.run()
    print(f"wrote {out}: {stats.sent} frames" + (" (with audio)" if audio else ""))
    print(format_timings(stats))
    return 130 if stats.interrupted else 0
