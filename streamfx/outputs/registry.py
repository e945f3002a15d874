"""The sink registry: ``open_sink(spec)`` builds a sink from a spec string.

Specs: ``vcam`` (or ``vcam:BACKEND``), ``preview``, ``null``, ``auto`` (virtual camera, else a
preview window), or a file path with a video suffix (or ``file:PATH``). Other packages add
sinks with ``register_sink`` or an entry point in group ``streamfx.sinks``. The sink is returned
unopened: ``open(width, height, fps)`` needs the source's size. Unknown names list the known ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamfx.errors import ConfigError, SinkError
from streamfx.outputs.base import Sink
from streamfx.outputs.file import FileSink
from streamfx.outputs.preview import PreviewSink
from streamfx.outputs.vcam import VirtualCameraSink
from streamfx.record import Frame
from streamfx.registry import Registry

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v")
SINKS: Registry[Sink] = Registry(
    "sink",
    {
        "vcam": "streamfx.outputs.vcam:VirtualCameraSink",
        "preview": "streamfx.outputs.preview:PreviewSink",
        "null": "streamfx.outputs.preview:NullSink",
        "file": "streamfx.outputs.file:FileSink",
    },
    group="streamfx.sinks",
)


def register_sink(name: str, factory: type[Sink], replace: bool = False) -> None:
    """Make ``--sink NAME`` open ``factory(**options)`` (see ``streamfx.registry``)."""
    SINKS.register(name, factory, replace=replace)


class AutoSink(Sink):
    """The first of the candidate sinks that opens (default: virtual camera, then preview).

    When none opens, one ``SinkError`` gives each candidate's reason.
    """

    name = "auto"

    def __init__(self, candidates: list[Sink] | None = None) -> None:
        self.candidates = candidates or [VirtualCameraSink(), PreviewSink()]
        self.chosen: Sink | None = None

    def open(self, width: int, height: int, fps: float) -> None:
        reasons = []
        for sink in self.candidates:
            try:
                sink.open(width, height, fps)
            except SinkError as exc:
                reasons.append(f"[{sink.name}] {exc}")
                continue
            self.chosen = sink
            self.name = f"auto->{sink.name}"
            return
        raise SinkError("no output could be opened:\n" + "\n".join(reasons))

    def write(self, frame: Frame) -> None:
        if self.chosen is None:
            raise SinkError("auto sink is not open")
        self.chosen.write(frame)

    def close(self) -> None:
        if self.chosen is not None:
            self.chosen.close()

    @property
    def wants_stop(self) -> bool:  # type: ignore[override]
        return self.chosen is not None and self.chosen.wants_stop

    @property
    def description(self) -> str:
        return self.chosen.description if self.chosen is not None else self.name

    def set_overlay(self, text: str) -> None:
        if self.chosen is not None:
            self.chosen.set_overlay(text)


def _filter(cls: type, opts: dict[str, Any]) -> dict[str, Any]:
    import inspect

    params = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in opts.items() if k in params and v is not None}


def open_sink(spec: str, **opts: Any) -> Sink:
    """The (unopened) sink for ``spec``.

    opts: constructor options (``backend``, ``device``, ``codec``, ``audio_from``, ``title``,
    ...); options a sink kind does not take are ignored.
    """
    spec = str(spec).strip()
    head, sep, rest = spec.partition(":")
    if spec == "auto":
        return AutoSink(
            [
                VirtualCameraSink(**_filter(VirtualCameraSink, opts)),
                PreviewSink(**_filter(PreviewSink, opts)),
            ]
        )
    if head == "vcam" and sep:
        opts = {**opts, "backend": rest}
        spec = "vcam"
    if head == "file" and sep:
        return FileSink(rest, **_filter(FileSink, opts))
    if spec != "file" and spec in SINKS:
        cls = SINKS.get(spec)
        return cls(**_filter(cls, opts))
    if Path(spec).suffix.lower() in VIDEO_SUFFIXES:
        return FileSink(spec, **_filter(FileSink, opts))
    known = ", ".join(
        [*(k for k in SINKS.names() if k != "file"), "auto", "PATH" + "|".join(VIDEO_SUFFIXES)]
    )
    raise ConfigError(f"unknown sink {spec!r}; expected one of: {known}")
