"""``streamfx bench pipeline``: the whole pipeline (track -> edit -> compose) on the demo clip.

Every frame is processed (no drops) into a null sink, so the table shows what each stage costs
per frame on this machine; ``--live`` runs the threaded live runner instead and adds what a
viewer would see (output fps, drops, capture-to-output latency).
"""

from __future__ import annotations

import argparse

from streamfx.runtime.build import add_pipeline_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=4.0, help="length of the demo clip")
    parser.add_argument("--fps", type=float, default=25.0, help="frame rate of the demo clip")
    parser.add_argument("--live", action="store_true", help="use the threaded live runner")
    parser.add_argument(
        "--serial", action="store_true", help="live: no overlap of tracking with editing"
    )
    add_pipeline_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from streamfx.capture.demo import DemoSource
    from streamfx.outputs import NullSink
    from streamfx.runtime import LiveRunner, OfflineRunner, format_timings
    from streamfx.runtime.build import make_pipeline

    source = DemoSource(seconds=args.seconds, fps=args.fps)
    pipeline = make_pipeline(args)
    mode = ("live, serial" if args.serial else "live, overlapped") if args.live else "offline"
    print(f"streamfx bench pipeline ({mode}): demo {args.seconds:g}s @ {args.fps:g} fps")
    print(f"  {pipeline.describe()}")
    if args.live:
        stats = LiveRunner(source, pipeline, NullSink(), overlap=not args.serial).run()
    else:
        stats = OfflineRunner(source, pipeline, NullSink(), progress=False).run()
    print(format_timings(stats))
    return 0
