"""``streamfx bench pipeline``: the whole pipeline (track -> edit -> compose) on a generated clip.

Every frame is processed (no drops) into a null sink, so the table shows what each stage costs
per frame on this machine (wall ms and the thread CPU ms of each stage, CPU per frame against
the budget, the stage that bounds throughput); ``--live`` runs the threaded live runner instead
and adds what a viewer would see (processed fps, drops, capture-to-output latency). Every
pipeline setting (``--editor``, ``--style``, ``--face.*``, ``--mesh.*``, ...) applies.

Sources (``--scene``): ``demo`` (the demo clip, 640x480 unless ``--width``/``--height``),
``one`` (the demo head, one face, 1280x720) and ``six`` (six demo heads 60-200 px wide,
1280x720), see ``streamfx.bench.scenes``; ``--seconds`` and ``--clip-fps`` set the length and
rate. ``--ratio`` first times tracking against the bare MediaPipe landmarker on the scene's
frames (same run, interleaved) and prints the ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    scene: str = "demo"
    """The source: ``demo`` (the demo clip), ``one`` (one face, 1280x720) or ``six`` (six faces
    60-200 px wide, 1280x720); frames are rendered ahead, so reading costs a copy."""
    ratio: bool = False
    """Before the run, time tracking against the bare MediaPipe landmarker on the scene's
    frames (interleaved, same load) and print the ratio."""

    def __post_init__(self) -> None:
        ok = self.scene in ("demo", "one", "six")
        check_field(ok, "scene", "demo, one or six", self.scene)
        check_field(self.seconds > 0, "seconds", "> 0", self.seconds)
        check_field(self.clip_fps > 0, "clip_fps", "> 0", self.clip_fps)


def run(cmd: Command) -> int:
    """Build the pipeline from the settings, run the demo clip through it, print the timings;
    0, or 3 when a stage failed on some frames."""
    from streamfx.demo.clip import DemoSource
    from streamfx.outputs import NullSink
    from streamfx.runtime import LiveRunner, OfflineRunner, format_timings
    from streamfx.runtime.build import build_pipeline

    if cmd.scene == "demo":
        size = {"width": cmd.source.width or 640, "height": cmd.source.height or 480}
        source = DemoSource(seconds=cmd.seconds, fps=cmd.clip_fps, **size)
    else:
        from streamfx.bench.scenes import SceneSource

        size = {"width": cmd.source.width or 1280, "height": cmd.source.height or 720}
        source = SceneSource(cmd.scene, seconds=cmd.seconds, fps=cmd.clip_fps, **size)
    config = pipeline_config(cmd)
    ratio = None
    if cmd.ratio:
        ratio = _ratio(source, config, cmd)
    built = build_pipeline(config)
    pipeline, overlap = built.pipeline, cmd.runtime.overlap and not cmd.serial
    mode = ("live, overlapped" if overlap else "live, serial") if cmd.live else "offline"
    print(
        f"streamfx bench pipeline ({mode}): {cmd.scene} {cmd.seconds:g}s @ {cmd.clip_fps:g} fps, "
        f"{size['width']}x{size['height']}"
    )
    print(f"  {built.reason}\n  {pipeline.describe()}")
    if ratio is not None:
        print(
            f"  tracking vs bare FaceLandmarker ({ratio['frames']} frames, interleaved): "
            f"{ratio['track_ms']:.2f} vs {ratio['bare_ms']:.2f} ms = {ratio['ratio']:.2f}x; "
            f"faces per frame {ratio['faces_track']:.1f} vs {ratio['faces_bare']:.1f}"
        )
    if cmd.live:
        runner = LiveRunner(source, pipeline, NullSink(), overlap=overlap)
    else:
        runner = OfflineRunner(source, pipeline, NullSink(), progress=False)
    stats = runner.run()
    stats.rate = cmd.clip_fps
    print(format_timings(stats))
    summary = stats.summary()
    head = _headline(cmd.scene, size, summary)
    print(head.render())
    cmd.save_json(
        bench="pipeline",
        mode=mode,
        scene=cmd.scene,
        editor=built.reason,
        stats=summary,
        headline=head,
        tracking_vs_bare=ratio,
    )
    return 3 if stats.degraded else 0  # exit 3: a stage failed on some frames (see the summary)


def _ratio(source: Any, config: Any, cmd: Command) -> dict[str, Any]:
    """Tracking vs the bare landmarker on up to 60 of the source's frames (it is reopened)."""
    from streamfx.bench.face import tracking_ratio

    source.start()
    frames = []
    while len(frames) < 60:
        frame = source.read()
        if frame is None:
            break
        frames.append(frame.image)
    source.close()
    source.info = None
    return tracking_ratio(frames, config.face, fps=cmd.clip_fps)


def _headline(scene: str, size: dict[str, int], s: dict[str, Any]) -> Any:
    """One row: processed fps, faces edited per processed frame, drops, latency p50/p95, CPU
    per frame and its budget."""
    from streamfx.bench.table import Column, Table

    table = Table(
        [
            Column("scene"),
            Column("size"),
            Column("fps_processed", ".1f", "fps processed"),
            Column("faces", ".1f", "faces edited"),
            Column("dropped_pct", ".1f", "dropped %"),
            Column("p50_ms", ".1f", "latency p50 ms"),
            Column("p95_ms", ".1f", "p95 ms"),
            Column("cpu_ms", ".1f", "cpu ms/frame"),
            Column("budget_ms", ".1f", "budget ms"),
            Column("bound_by", "", "bound by"),
        ]
    )
    captured = max(1, s["captured"])
    cpu = s.get("cpu") or {}
    bound = (cpu.get("bound_by") or {}).get("stage", "-")
    table.add(
        scene=scene,
        size=f"{size['width']}x{size['height']}",
        fps_processed=s["fps_processed"],
        faces=s["edits_per_frame"],
        dropped_pct=100.0 * s["dropped"] / captured,
        p50_ms=s["latency_ms"]["p50"],
        p95_ms=s["latency_ms"]["p95"],
        cpu_ms=cpu.get("per_frame_ms", 0.0),
        budget_ms=cpu.get("budget_ms", 0.0),
        bound_by=bound,
    )
    return table
