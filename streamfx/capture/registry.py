"""The source registry: ``open_source(spec)`` picks the source kind from a spec string.

Specs: ``0`` / ``/dev/video2`` (webcam), a video file, ``rtsp://`` / ``http(s)://`` (stream),
an image file or a folder of images, ``demo``. An explicit ``KIND:REST`` (e.g. ``camera:1``,
``video:clip.mkv``, ``images:shots/``) skips the guessing. Unknown kinds list the known ones.
Other packages add kinds with ``register_source`` or an entry point in group
``streamfx.sources`` (then ``--source KIND:REST`` opens them).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from streamfx.capture.base import Source
from streamfx.capture.images import is_image
from streamfx.capture.video import is_url
from streamfx.errors import InputError
from streamfx.registry import Registry

#: kind -> source class; the constructor's first argument is the spec remainder (``KIND:REST``).
SOURCES: Registry[Source] = Registry(
    "source",
    {
        "camera": "streamfx.capture.camera:CameraSource",
        "video": "streamfx.capture.video:VideoSource",
        "images": "streamfx.capture.images:ImageSource",
        "demo": "streamfx.demo.clip:DemoSource",
    },
    group="streamfx.sources",
)


def register_source(kind: str, factory: type[Source], replace: bool = False) -> None:
    """Make ``KIND:REST`` specs open ``factory(REST, **options)`` (see ``streamfx.registry``)."""
    SOURCES.register(kind, factory, replace=replace)


def source_kind(spec: str) -> tuple[str, str]:
    """(kind, target) for a spec string, without opening anything."""
    spec = spec.strip()
    head, sep, rest = spec.partition(":")
    if sep and head in SOURCES and not rest.startswith("//"):
        return head, rest
    if spec == "demo":
        return "demo", ""
    if spec.isdigit() or re.fullmatch(r"/dev/video\d+", spec):
        return "camera", spec
    if is_url(spec):
        return "video", spec
    path = Path(spec).expanduser()
    if path.is_dir() or is_image(path):
        return "images", str(path)
    if path.suffix:
        return "video", str(path)
    raise InputError(
        f"cannot tell what source {spec!r} is: expected a camera index or /dev/videoN, a video "
        "file, rtsp:// or http(s):// URL, an image or a folder of images, or 'demo'"
    )


def _accepted(cls: type[Source], opts: dict[str, Any]) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return dict(opts)
    return {k: v for k, v in opts.items() if k in params and v is not None}


def make_source(spec: str, **opts: Any) -> Source:
    """The (unopened) source for ``spec``.

    opts: constructor options (``width``, ``height``, ``fps``, ``fourcc``, ``loop``, ...); options a
    source kind does not take are ignored, so one CLI can pass the same set to every kind.
    """
    kind, target = source_kind(str(spec))
    cls = SOURCES.get(kind)
    kwargs = _accepted(cls, opts)
    if kind == "demo":
        return cls(**kwargs)
    return cls(target, **kwargs)


def open_source(spec: str, **opts: Any) -> Source:
    """Make and open (``start``) the source for ``spec``; ``source.info`` is what it reported."""
    source = make_source(spec, **opts)
    source.start()
    return source
