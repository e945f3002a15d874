"""One file, edited: ``edit_file(job) -> FileResult``.

The same function runs a single ``streamfx edit IN -o OUT``, each file of a local batch (in a
worker process) and each Ray task, so every path writes the same bytes. The output is checked
(not an input, not an existing file without ``force``, container/encoder/pixel format) before
the pipeline is built; it is written atomically. A still image gives a still image (or a video
of ``runtime.duration`` seconds); offline edits are fully edited from frame 0 (no fade-in).

The style's ``[defaults]`` (style.toml: strength, pose correction, smoothing) apply as in the
live camera (``offline_controls``), under the settings given explicitly: a
``--temporal.edit-smoothing`` other than its default (flag or ``--config`` file) and
``--temporal.no-smooth-triplanes`` (smoothing off) win over the style's smoothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamfx.config import PipelineConfig
from streamfx.errors import ConfigError, StreamfxError

#: result states: done (all frames), degraded (written; a stage failed on some frames),
#: interrupted (stopped; nothing under the final name), failed (an error; nothing written)
STATES = ("done", "degraded", "interrupted", "failed")
EXIT_OF_STATE = {"done": 0, "degraded": 3, "interrupted": 130, "failed": 2}


@dataclass
class FileJob:
    """One input file and where its edit goes, with the settings of the run."""

    input: str
    output: str
    config: PipelineConfig = field(default_factory=PipelineConfig)
    force: bool = False
    keep_partial: bool = False
    strict: bool = False
    progress: bool = False


@dataclass
class FileResult:
    """What happened to one file (the per-file summary; JSON-ready with ``asdict``)."""

    input: str
    output: str
    state: str = "failed"
    editor: str = ""
    frames: int = 0
    expected: int | None = None
    edited: int = 0
    no_face: int = 0
    too_small: int = 0
    largest_too_small_px: int = 0
    editor_errors: int = 0
    stage_errors: int = 0
    skipped_packets: int = 0
    audio_streams: int = 0
    dropped_streams: list[str] = field(default_factory=list)
    first_error: str = ""
    kept_partial: str | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_OF_STATE[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "exit_code": self.exit_code}

    def lines(self) -> list[str]:
        """The summary in words (what ``streamfx edit`` prints for a file)."""
        if self.state == "failed":
            return [f"{self.input}: failed: {self.error}"]
        n = self.frames
        audio = f" (with {self.audio_streams} audio streams)" if self.audio_streams > 1 else ""
        audio = audio or (" (with audio)" if self.audio_streams else "")
        counts = (
            f"{n} frames{audio}, {self.edited} edited, {self.no_face} without a face, "
            f"editor errors {self.editor_errors}, skipped packets {self.skipped_packets}, "
            f"audio streams kept {self.audio_streams}"
        )
        if self.state == "interrupted":
            of = f" of {self.expected}" if self.expected else ""
            where = (
                f"the unfinished file is kept as {self.kept_partial}"
                if self.kept_partial
                else f"nothing written to {self.output} (--keep-partial keeps what was done)"
            )
            out = [f"stopped after {n}{of} frames; {where}", counts]
        else:
            out = [f"wrote {self.output}: {counts}"]
        if self.dropped_streams:
            out.append("streams left out: " + "; ".join(self.dropped_streams))
        if self.first_error:
            out.append(f"first error: {self.first_error}")
        if n and not self.edited and self.too_small:
            out.append(
                f"no face large enough in {self.no_face} frames; largest found "
                f"{self.largest_too_small_px} px, under --face.min-face-px (lower it, or use a "
                "larger video)"
            )
        elif n and not self.edited and self.editor not in ("", "passthrough"):
            out.append(f"no face edited in any of the {n} frames (no face found)")
        return out


def _kind(path: str) -> str:
    from streamfx.capture.registry import source_kind

    kind, target = source_kind(path)
    return "image" if kind == "images" and Path(target).is_file() else kind


def _offline(config: PipelineConfig, source: str) -> PipelineConfig:
    compose = config.compose
    if compose.fade_in is None:  # offline: fully edited from frame 0
        compose = dataclasses.replace(compose, fade_in=False)
    src = dataclasses.replace(config.source, source=source)
    return dataclasses.replace(config, compose=compose, source=src)


def _make_sink(job: FileJob, still: bool, audio: str | None):
    from streamfx.outputs.image import IMAGE_SUFFIXES, ImageSink

    o = job.config.output
    common = dict(force=job.force, keep_partial=job.keep_partial, inputs=(job.input,))
    if Path(job.output).suffix.lower() in IMAGE_SUFFIXES:
        if not still:
            raise ConfigError(f"{job.output}: only a still image can be edited into an image")
        return ImageSink(job.output, **common)
    from streamfx.outputs.file import FileSink

    options = None
    if o.crf is not None:
        options = {"crf": str(o.crf)} | (
            {"preset": "fast"} if o.codec in ("auto", "libx264") else {}
        )
    return FileSink(job.output, codec=o.codec, audio_from=audio, options=options, **common)


def edit_file(
    job: FileJob,
    on_frame: Callable[[int], None] | None = None,
    on_ready: Callable[[str], None] | None = None,
    on_stats: Callable[[Any], None] | None = None,
) -> FileResult:
    """Edit ``job.input`` into ``job.output``; errors (bad input, settings, disk) propagate
    as ``StreamfxError`` after the output was abandoned. ``on_ready`` gets one line saying
    what runs (source -> pipeline -> output) before the first frame; ``on_stats`` the run's
    ``RunStats`` (timings) at the end."""
    from streamfx.capture import open_source
    from streamfx.outputs.atomic import check_target
    from streamfx.runtime import OfflineRunner
    from streamfx.runtime.build import build_pipeline

    t0 = time.monotonic()
    config = _offline(job.config, job.input)
    rt = config.runtime
    still = _kind(job.input) == "image"
    to_video = still and Path(job.output).suffix.lower() not in _image_suffixes()
    if to_video and rt.duration is None:
        raise ConfigError(
            f"{job.input} is a still image: give --duration SECONDS for a video, or an image "
            f"output (e.g. {Path(job.output).with_suffix(Path(job.input).suffix).name})"
        )
    check_target(job.output, [job.input], job.force)  # before the (slow) pipeline is built
    fps = config.source.fps or rt.default_fps
    built = build_pipeline(config)
    try:
        controls = attach_offline_controls(config, built)
        source = open_source(job.input, fps=fps, strict=job.strict, loop=to_video)
    except BaseException:
        built.pipeline.close()
        raise
    info = source.info
    audio = source.path if info.has_audio else None
    try:
        sink = _make_sink(job, still, audio)
    except BaseException:
        built.pipeline.close()
        source.close()
        raise
    max_frames = rt.max_frames
    if rt.duration is not None:
        by_time = max(1, round(rt.duration * float(config.source.fps or info.fps or fps)))
        max_frames = min(max_frames, by_time) if max_frames else by_time
    if on_ready is not None:
        line = f"{built.reason}\n{info.description} -> {built.pipeline.describe()} -> {job.output}"
        on_ready(line + (f"\n{controls}" if controls else ""))
    runner = OfflineRunner(
        source,
        built.pipeline,
        sink,
        progress=job.progress,
        max_frames=max_frames,
        fps=config.source.fps,
        default_fps=rt.default_fps,
        on_frame=on_frame,
    )
    stats = runner.run()
    result = _result(job, stats, sink, built.pipeline)
    result.seconds = time.monotonic() - t0
    if on_stats is not None:
        on_stats(stats)
    return result


def offline_controls(config: PipelineConfig, backend: Any) -> tuple[Any, dict[str, str]] | None:
    """The controls an offline edit runs with, as the live camera would start them: the style's
    ``[defaults]`` (``streamfx.runtime.controls.catalog_defaults``), with the smoothing,
    ``--strength`` and ``--pose-fraction`` the settings give explicitly winning over the
    style's; the rest as the editor is (its own smoothing and cross-fade), at full strength, no
    pose correction, every face the tracker keeps. Pose correction applies from a track's first
    frame (no easing in, as offline edits are fully edited from frame 0). -> (ControlState,
    {control: where its value came from}), or None when nothing differs from the editor's own
    settings (no style defaults, no explicit smoothing, strength or pose correction)."""
    from streamfx.runtime.controls import ControlState, catalog_defaults
    from streamfx.temporal.config import TemporalConfig

    style = config.editor.style
    values: dict[str, float] = dict(catalog_defaults(style)) if style else {}
    origin = {key: f"style {style}" for key in values}
    t = config.temporal
    if not t.smooth_triplanes:
        values["smoothing"], origin["smoothing"] = 0.0, "--temporal.no-smooth-triplanes"
    elif t.edit_smoothing != TemporalConfig().edit_smoothing:
        values["smoothing"], origin["smoothing"] = t.edit_smoothing, "--temporal.edit-smoothing"
    for key, value in config.editor.given_controls().items():
        values[key], origin[key] = value, "--" + key.replace("_", "-")
    if not values or backend is None:
        return None
    start = ControlState(
        smoothing=backend.smoothing,
        crossfade_frames=backend.crossfade_frames,
        pose_ease_frames=0,
        landmark_smoothing=t.smooth_landmarks,
    )
    return dataclasses.replace(start, **values), origin


def attach_offline_controls(config: PipelineConfig, built: Any) -> str:
    """Give the pipeline's edit stage the ``offline_controls`` of ``config`` (when any); -> a
    line saying which values apply and where they came from ("" when none)."""
    from streamfx.runtime.controls import LiveControls
    from streamfx.runtime.stages import EditStage

    found = offline_controls(config, built.backend)
    if found is None:
        return ""
    state, origin = found
    controls = LiveControls(state)
    for stage in built.pipeline.stages:
        if isinstance(stage, EditStage):
            stage.controls = controls
    return "controls: " + ", ".join(
        f"{key} {getattr(state, key):g} ({where})" for key, where in origin.items()
    )


def _image_suffixes() -> tuple[str, ...]:
    from streamfx.outputs.image import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES


def _result(job: FileJob, stats, sink, pipeline) -> FileResult:
    s = stats.summary()
    from streamfx.runtime.stages import TrackStage

    trackers = [stage.tracker.stats for stage in pipeline.stages if isinstance(stage, TrackStage)]
    too_small = sum(t.get("too_small", 0) for t in trackers)
    largest_small = max((t.get("largest_too_small_px", 0) for t in trackers), default=0)
    errors = s["errors"]
    first = next(iter(errors.items()), None)
    state = "interrupted" if stats.interrupted else "degraded" if stats.degraded else "done"
    kept = getattr(sink, "kept", None)
    return FileResult(
        input=job.input,
        output=job.output,
        state=state,
        editor=stats.edit,
        frames=stats.sent,
        expected=stats.expected,
        edited=stats.edited,
        no_face=stats.no_face,
        too_small=too_small,
        largest_too_small_px=largest_small,
        editor_errors=stats.edit_errors,
        stage_errors=stats.stage_errors,
        skipped_packets=stats.skipped_packets,
        audio_streams=getattr(sink, "audio_streams", 0),
        dropped_streams=list(getattr(sink, "dropped_streams", [])),
        first_error=f"{first[0]}: {first[1]['first']}" if first else "",
        kept_partial=str(kept) if kept else None,
    )


def run_job(job: FileJob, on_frame: Callable[[int], None] | None = None) -> FileResult:
    """``edit_file`` that never raises for a bad file: the error becomes a failed result
    (a batch goes on with the next file). KeyboardInterrupt still propagates."""
    t0 = time.monotonic()
    try:
        return edit_file(job, on_frame=on_frame)
    except StreamfxError as exc:
        error = str(exc)
    except Exception as exc:  # a bug on one file must not stop the batch either
        error = f"internal error: {type(exc).__name__}: {exc}"
    return FileResult(job.input, job.output, "failed", error=error, seconds=time.monotonic() - t0)
