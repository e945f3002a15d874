"""Edit a video (or an image, or a folder of images) into a video file: every frame in order,
with a progress bar; the audio of INPUT is carried over (copied when the container allows, else
re-encoded). If the editor fails on some frames, the output is still written (those frames
show the real face), the summary names the first error and the exit status is 3."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tyro

from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig

EXIT_DEGRADED = 3


@dataclass
class Command(PipelineConfig, RunOptions):
    """``streamfx edit INPUT -o OUTPUT``."""

    input: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="INPUT")] = tyro.MISSING
    """Video file, URL, image, or folder of images to edit."""
    out: Annotated[str, tyro.conf.arg(name="output", aliases=("-o",), metavar="OUTPUT")] = (
        tyro.MISSING
    )
    """Output video file (.mp4, .mkv, .mov, ...)."""


def _check_not_input(inp: str, out: Path) -> None:
    from streamfx.capture.video import is_url
    from streamfx.errors import ConfigError

    if is_url(inp):  # a URL must stay a string: Path() would collapse its "//"
        return
    p = Path(inp)
    if out.exists() and p.exists() and out.resolve() == p.resolve():
        raise ConfigError(f"output {out} is the input file; choose another output path")


def run(cmd: Command) -> int:
    from streamfx.capture import open_source
    from streamfx.outputs import FileSink
    from streamfx.runtime import OfflineRunner, format_timings
    from streamfx.runtime.build import build_pipeline

    out = Path(cmd.out)
    _check_not_input(cmd.input, out)
    config = pipeline_config(cmd)
    config.source = dataclasses.replace(config.source, source=cmd.input)
    built = build_pipeline(config)  # settings and style errors come out before any frame
    rt, o = config.runtime, config.output
    try:
        source = open_source(cmd.input, fps=config.source.fps or rt.default_fps)
    except BaseException:
        built.pipeline.close()
        raise
    audio = source.path if source.info.has_audio else None
    options = {"crf": str(o.crf), "preset": "fast"} if o.crf is not None else None
    sink = FileSink(out, codec=o.codec, audio_from=audio, options=options)
    print(f"streamfx: {built.reason}")
    print(f"streamfx edit: {source.info.description} -> {built.pipeline.describe()} -> {out}")
    runner = OfflineRunner(
        source,
        built.pipeline,
        sink,
        progress=rt.progress,
        max_frames=rt.max_frames,
        fps=config.source.fps,
        default_fps=rt.default_fps,
    )
    stats = runner.run()
    print(f"wrote {out}: {stats.sent} frames" + (" (with audio)" if audio else ""))
    print(format_timings(stats))
    if stats.interrupted:
        return 130
    if stats.degraded:
        print(f"streamfx edit: {stats.degraded} frames were degraded (see above); exit status 3")
        return EXIT_DEGRADED
    return 0
