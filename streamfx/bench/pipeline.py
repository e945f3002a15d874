"""``streamfx bench pipeline``: the whole pipeline (track -> edit -> compose) on the demo clip.

Every frame is processed (no drops) into a null sink, so the table shows what each stage costs
per frame on this machine; ``--live`` runs the threaded live runner instead and adds what a
viewer would see (output fps, drops, capture-to-output latency). Every pipeline setting
(``--editor``, ``--style``, ``--face.*``, ``--mesh.*``, ...) applies; the source is always the
demo clip (``--seconds``, ``--clip-fps``, and ``--width``/``--height`` when given).
"""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.bench.table import BenchOptions
from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig
from streamfx.errors import check_field


@dataclass
class Command(PipelineConfig, RunOptions, BenchOptions):
    """``streamfx bench pipeline``: every pipeline setting, the demo clip and the runner."""

    seconds: float = 4.0
    """Length of the demo clip (seconds)."""
    clip_fps: float = 25.0
    """Frame rate of the demo clip."""
    live: bool = False
    """Run the threaded live runner (paced, may drop frames) instead of the offline one."""
    serial: bool = False
    """Live: no overlap of tracking with editing (one pipeline thread)."""

    def __post_init__(self) -> None:
        check_field(self.seconds > 0, "seconds", "> 0", self.seconds)
        check_field(self.clip_fps > 0, "clip_fps", "> 0", self.clip_fps)


def run(cmd: Command) -> int:
    """Build the pipeline from the settings, run the demo clip through it, print the timings;
    0, or 3 when a stage failed on some frames."""
    from streamfx.demo.clip import DemoSource
    from streamfx.outputs import NullSink
    from streamfx.runtime import LiveRunner, OfflineRunner, format_timings
    from streamfx.runtime.build import build_pipeline

    size = {"width": cmd.source.width or 640, "height": cmd.source.height or 480}
    source = DemoSource(seconds=cmd.seconds, fps=cmd.clip_fps, **size)
    built = build_pipeline(pipeline_config(cmd))
    pipeline, overlap = built.pipeline, cmd.runtime.overlap and not cmd.serial
    mode = ("live, overlapped" if overlap else "live, serial") if cmd.live else "offline"
    print(
        f"streamfx bench pipeline ({mode}): demo {cmd.seconds:g}s @ {cmd.clip_fps:g} fps, "
        f"{size['width']}x{size['height']}"
    )
    print(f"  {built.reason}\n  {pipeline.describe()}")
    if cmd.live:
        runner = LiveRunner(source, pipeline, NullSink(), overlap=overlap)
    else:
        runner = OfflineRunner(source, pipeline, NullSink(), progress=False)
    stats = runner.run()
    print(format_timings(stats))
    summary = stats.summary()
    cmd.save_json(bench="pipeline", mode=mode, editor=built.reason, stats=summary)
    return 3 if stats.degraded else 0  # exit 3: a stage failed on some frames (see the summary)
