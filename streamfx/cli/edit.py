"""Edit a video (or an image, or a folder of images) into a file, or many files into a folder.

``streamfx edit IN -o OUT``: every frame in order, with a progress bar; every audio stream of IN
is carried over (copied when the container allows, else re-encoded), cut to the video's length;
the container picks fitting codecs (webm: VP9 + Opus; mp4/mov: H.264 + AAC; mkv: H.264, audio
copied). A still image gives an edited image (or a video of --duration seconds). The output is
written to a temporary file and renamed into place only when complete: an error, Ctrl-C or
SIGTERM leaves nothing under OUT (--keep-partial keeps OUT.partial); an existing OUT is never
replaced without --force, and the input never (same file on disk, whatever the path). Corrupt
packets are skipped and counted (--strict: an error). If the editor fails on some frames, the
output is still written (those frames show the real face) and the exit status is 3. The
style's [defaults] (style.toml: strength, pose correction, smoothing) apply as in the live
camera; --strength, --pose-fraction, a --temporal.edit-smoothing other than its default (flag or
--config file) and --temporal.no-smooth-triplanes win over them.

``streamfx edit DIR_OR_GLOB -o OUT_DIR``: a batch. A manifest in OUT_DIR records each file, so a
re-run skips finished files and does interrupted ones again; --jobs N runs N worker processes,
--ray ADDRESS runs Ray tasks (pip install 'streamfx[scale]'); a failing file never stops the
batch; a table at the end, exit status 4 when a file failed. --report FILE.json writes the
per-file summaries."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Annotated

import tyro

from streamfx.cli.app import RunOptions, pipeline_config
from streamfx.config import PipelineConfig, dump_config

EXIT_DEGRADED = 3


@dataclass
class Command(PipelineConfig, RunOptions):
    """``streamfx edit INPUT -o OUTPUT``."""

    input: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="INPUT")] = tyro.MISSING
    """Video file, URL, image, folder of images; or, with an output folder, a folder or a glob
    ("clips/*.mp4") of files to edit one by one (a batch)."""
    out: Annotated[str, tyro.conf.arg(name="output", aliases=("-o",), metavar="OUTPUT")] = (
        tyro.MISSING
    )
    """Output file (.mp4, .mkv, .mov, .webm, .avi; an image suffix for a still image), or the
    output folder of a batch."""
    force: bool = False
    """Replace an existing output file (the input itself is never replaced)."""
    keep_partial: bool = False
    """When a run stops early (Ctrl-C, SIGTERM, an error), keep what was written as
    OUTPUT.partial (default: remove it)."""
    strict: bool = False
    """A corrupt packet in the input is an error (default: skipped and counted, as ffmpeg)."""
    report: str | None = None
    """Write the per-file summary (frames, edited, without a face, errors, skipped packets,
    audio streams, state, exit code) to this JSON file."""
    jobs: int = 1
    """Batch: files edited at once, each in its own worker process."""
    ray: str | None = None
    """Batch: run the files as Ray tasks on this cluster: auto (after ``ray start``),
    ray://HOST:10001, or local (needs pip install 'streamfx[scale]')."""


def _write_report(path: str | None, results: list, code: int) -> None:
    if not path:
        return
    from streamfx.outputs.atomic import AtomicPath

    data = {"exit_code": code, "files": [r.to_dict() for r in results]}
    target = AtomicPath(path, force=True)
    target.temp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    target.commit()


def run(cmd: Command) -> int:
    from streamfx.batch.job import FileJob, FileResult, edit_file
    from streamfx.batch.run import is_batch, run_batch
    from streamfx.errors import ConfigError, StreamfxError
    from streamfx.runtime import format_timings

    config = pipeline_config(cmd)
    if cmd.jobs < 1:
        raise ConfigError(f"--jobs: expected a count >= 1, got {cmd.jobs}")
    template = FileJob(
        cmd.input,
        cmd.out,
        config=config,
        force=cmd.force,
        keep_partial=cmd.keep_partial,
        strict=cmd.strict,
        progress=config.runtime.progress,
    )
    if is_batch(cmd.input, cmd.out):
        code, results = run_batch(
            cmd.input,
            cmd.out,
            template,
            settings=dump_config(config) + f"strict={cmd.strict}",
            jobs=cmd.jobs,
            ray_address=cmd.ray,
            progress=config.runtime.progress,
        )
        _write_report(cmd.report, results, code)
        return code
    if cmd.jobs > 1 or cmd.ray:
        raise ConfigError("--jobs and --ray need a batch: a folder or a glob -o an output folder")
    timings = []
    try:
        result = edit_file(
            template,
            on_ready=lambda text: print("streamfx: " + text.replace("\n", "\nstreamfx edit: ")),
            on_stats=timings.append,
        )
    except StreamfxError as exc:
        _write_report(cmd.report, [FileResult(cmd.input, cmd.out, error=str(exc))], 2)
        raise
    for line in result.lines():
        print(line)
    if timings:
        print(format_timings(timings[0]))
    code = result.exit_code
    if code == EXIT_DEGRADED:
        print(f"streamfx edit: {result.editor_errors + result.stage_errors} frames were degraded "
              "(see above); exit status 3")  # fmt: skip
    _write_report(cmd.report, [result], code)
    if code == 130:
        print("streamfx edit: interrupted", file=sys.stderr)
    return code
