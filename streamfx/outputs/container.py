"""Output containers: the format a suffix names, the codecs that fit it, and a dry run that
checks container + encoder + pixel format in memory before anything touches the disk.

==========  ===========  ===========  ================================
suffix      format       video        audio (when the input has audio)
==========  ===========  ===========  ================================
.mp4 .m4v   mp4          libx264      copied if mp4 takes it, else AAC
.mov        mov          libx264      copied if mov takes it, else AAC
.mkv        matroska     libx264      copied
.webm       webm         libvpx-vp9   copied if Opus/Vorbis, else Opus
.avi        avi          mpeg4        copied if avi takes it, else MP3
==========  ===========  ===========  ================================
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from streamfx.errors import ConfigError, SinkError

#: suffix -> (FFmpeg muxer, default video encoder)
CONTAINERS: dict[str, tuple[str, str]] = {
    ".mp4": ("mp4", "libx264"),
    ".m4v": ("mp4", "libx264"),
    ".mov": ("mov", "libx264"),
    ".mkv": ("matroska", "libx264"),
    ".webm": ("webm", "libvpx-vp9"),
    ".avi": ("avi", "mpeg4"),
}
VIDEO_SUFFIXES = tuple(CONTAINERS)
#: muxer -> audio encoder used when the source's audio cannot be copied
AUDIO_ENCODER = {"webm": "libopus", "avi": "libmp3lame", "mp4": "aac", "mov": "aac"}
#: hardware encoders -> the software encoder to use instead
SOFTWARE_FALLBACK = {
    "nvenc": "libx264 (H.264) or libx265 (HEVC)",
    "qsv": "libx264",
    "vaapi": "libx264",
    "amf": "libx264",
    "videotoolbox": "libx264",
    "v4l2m2m": "libx264",
    "cuvid": "libx264",
}
#: Encoder threads, fixed: x264 and libvpx choose different (valid) bitstreams for different
#: thread counts, so "auto" (one per core) would make the bytes depend on the machine (or on a
#: Ray worker's CPU share). A fixed count keeps "same input and config, same bytes" everywhere.
ENCODER_THREADS = "4"
THREADED_ENCODERS = ("libx264", "libx265", "libvpx-vp9", "mpeg4")
DEFAULT_OPTIONS = {
    "libx264": {"crf": "18", "preset": "fast"},
    "libvpx-vp9": {"crf": "32", "b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "4"},
}


@dataclass(frozen=True)
class Plan:
    """What a file output will be: muxer, video encoder, its options and pixel format."""

    format: str
    codec: str
    options: dict[str, str]
    pix_fmt: str


def container_of(path: str | Path) -> str:
    """The FFmpeg muxer for ``path``'s suffix; ``ConfigError`` listing the known suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix not in CONTAINERS:
        raise ConfigError(
            f"cannot tell the video format of {path} from its suffix {suffix or '(none)'!r}; "
            f"use one of {', '.join(VIDEO_SUFFIXES)}"
        )
    return CONTAINERS[suffix][0]


def plan_output(
    path: str | Path,
    codec: str = "auto",
    options: dict[str, str] | None = None,
    pix_fmt: str = "yuv420p",
) -> Plan:
    """The output plan for ``path`` (``codec="auto"``: the container's default encoder)."""
    fmt = container_of(path)
    if codec in ("auto", "", None):
        codec = CONTAINERS[Path(path).suffix.lower()][1]
    opts = dict(DEFAULT_OPTIONS.get(codec, {}) if options is None else options)
    if codec in THREADED_ENCODERS:
        opts.setdefault("threads", ENCODER_THREADS)
    if codec == "libvpx-vp9" and options is not None and "crf" in options:
        opts.setdefault("b", "0")  # VP9 constant quality needs a zero bit rate
    return Plan(fmt, codec, opts, pix_fmt)


def _hardware(codec: str) -> str | None:
    return next((hw for hw in SOFTWARE_FALLBACK if codec.endswith(hw) or f"_{hw}" in codec), None)


def dry_run(plan: Plan, width: int, height: int, rate: object, where: str) -> None:
    """Open the muxer, the encoder and its pixel format in memory; a clear error when any of
    them cannot work (nothing is written to disk)."""
    import av

    try:
        codec = av.codec.Codec(plan.codec, "w")
    except Exception:
        raise ConfigError(
            f"video encoder {plan.codec!r} is not available in this PyAV/FFmpeg build; "
            "try libx264 (H.264), libvpx-vp9 (VP9), mpeg4 or mjpeg"
        ) from None
    takes = [f.name for f in (codec.video_formats or ())]
    if takes and plan.pix_fmt not in takes:
        raise ConfigError(
            f"{where}: encoder {plan.codec} cannot take pixel format {plan.pix_fmt!r} "
            f"(it takes {', '.join(takes)})"
        )
    out = av.open(io.BytesIO(), mode="w", format=plan.format)
    try:
        if plan.codec not in out.supported_codecs:
            fits = CONTAINERS.get(Path(where).suffix.lower(), ("", "libx264"))[1]
            raise ConfigError(
                f"{where}: the {plan.format} format cannot hold {plan.codec!r} video; "
                f"use --codec {fits} (or auto), or another suffix"
            )
        stream = out.add_stream(plan.codec, rate=rate, options=dict(plan.options))
        stream.width, stream.height = width, height
        try:
            stream.pix_fmt = plan.pix_fmt
        except (ValueError, av.error.FFmpegError) as exc:
            raise ConfigError(
                f"{where}: encoder {plan.codec} cannot take pixel format {plan.pix_fmt!r} ({exc})"
            ) from None
        try:
            stream.codec_context.open()
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            hw = _hardware(plan.codec)
            if hw:
                raise SinkError(
                    f"hardware encoder {plan.codec} cannot open on this machine ({exc}); use "
                    f"the software encoder instead: --codec {SOFTWARE_FALLBACK[hw]}"
                ) from None
            raise ConfigError(
                f"{where}: encoder {plan.codec} cannot open at {width}x{height} "
                f"{plan.pix_fmt} with options {plan.options}: {exc}"
            ) from None
    finally:
        try:
            out.close()
        except Exception:  # an unused in-memory muxer may refuse to write a trailer
            pass
