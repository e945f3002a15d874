"""The one config tree of a pipeline run: every setting has one home, one default, one check.

``PipelineConfig`` holds a section per part of the job::

    source    where frames come from (camera, file, stream, images, demo)
    face      tracking, crop (``streamfx.face.config.FaceConfig``)
    editor    which editor, style, weights, device, engine
    temporal  landmark, pose and triplane smoothing
    compose   paste-back (``streamfx.compose.config.ComposeConfig``)
    mesh      the mesh editor (``streamfx.backends.mesh.config.MeshConfig``)
    output    where frames go (virtual camera, file, preview, null), encoder settings
    runtime   rates, limits, overlap, reconnecting, progress

The command line is generated from it (``streamfx.cli``): each field is a flag whose help is the
docstring under it (``--face.max-faces``, ``--compose.feather``; the ``source``, ``editor``,
``output`` and ``runtime`` sections have no prefix: ``--style``, ``--sink``, ``--fps``).
``load_config(path)`` reads a saved TOML file (unknown keys and wrong types name the key,
what was expected and what came) and ``dump_config`` writes one (``--print-config``).
Values are checked once, when a section is built (``__post_init__``), before any frame is read.

This module imports no heavy library, so ``streamfx --help`` stays quick.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import tyro

from streamfx.backends.mesh.config import MeshConfig
from streamfx.compose.config import ComposeConfig
from streamfx.errors import ConfigError, check_field
from streamfx.face.config import FaceConfig
from streamfx.temporal.config import TemporalConfig

C = TypeVar("C")
Flat = tyro.conf.OmitArgPrefixes  # a section whose flags carry no "section." prefix


def _positive(value: float | None, name: str) -> None:
    check_field(value is None or value > 0, name, "a positive number", value)


@dataclass
class SourceConfig:
    """Where frames come from."""

    source: str = "0"
    """Camera index or /dev/videoN, video file, rtsp:// or http(s):// URL, image, folder of
    images, or 'demo' (the built-in clip)."""
    width: int | None = None
    """Camera width to ask for (None: the camera's default)."""
    height: int | None = None
    """Camera height to ask for (None: the camera's default)."""
    fps: float | None = None
    """Camera rate to ask for, or the rate of image input (None: the source's own rate)."""
    fourcc: str | None = None
    """Camera pixel format to ask for, e.g. MJPG (None: the camera's default)."""

    def __post_init__(self) -> None:
        _positive(self.width, "source.width")
        _positive(self.height, "source.height")
        _positive(self.fps, "source.fps")


@dataclass
class EditingConfig:
    """Which editor edits the faces, with which style."""

    editor: str = "auto"
    """auto (follows the style: 3dpe for a 3DPE prompt, else mesh), mesh, 3dpe, none (no
    editing: I/O only), or a backend registered by another package."""
    style: str | None = None
    """Style name (``streamfx styles list``) or a reference image (a 3DPE prompt)."""
    weights: str | None = None
    """3DPE weights folder (config.json + model.safetensors; default: searched)."""
    device: str = "cpu"
    """Torch device of the editor: cpu, cuda, cuda:N."""
    engine: str = "auto"
    """How the 3DPE network executes: auto, torch, onnxruntime, tensorrt."""
    strength: float | None = None
    """How much of the edit shows over the real face, 0..1 (None: the style's ``[defaults]``,
    else 1); live runs start with it (the control panel changes it)."""
    pose_fraction: float | None = None
    """Pull of yaw and pitch toward frontal ("look at the camera"), 0..1 (None: the style's
    ``[defaults]``, else 0)."""

    def __post_init__(self) -> None:
        check_field(bool(self.editor), "editor", "an editor name", self.editor)
        for name in ("strength", "pose_fraction"):
            value = getattr(self, name)
            ok = value is None or 0.0 <= value <= 1.0
            check_field(ok, f"editor.{name}", "a fraction in [0, 1]", value)

    def given_controls(self) -> dict[str, float]:
        """The live controls these settings give explicitly (strength, pose_fraction)."""
        given = {"strength": self.strength, "pose_fraction": self.pose_fraction}
        return {k: v for k, v in given.items() if v is not None}


@dataclass
class OutputConfig:
    """Where frames go."""

    sink: str = "auto"
    """auto (virtual camera, else a preview window), vcam, vcam:BACKEND, preview, null, or an
    output video file (.mp4, .mkv, .mov, .webm, ...)."""
    vcam_backend: str | None = None
    """Virtual camera backend (None: try each; see ``streamfx doctor``)."""
    vcam_device: str | None = None
    """Virtual camera device, e.g. /dev/video10 (None: the first free one)."""
    codec: str = "auto"
    """Video encoder of a file output (auto: fits the container: libvpx-vp9 for .webm,
    mpeg4 for .avi, else libx264 = H.264)."""
    crf: int | None = None
    """Quality of libx264 (lower is better; None: 18)."""

    def __post_init__(self) -> None:
        ok = self.crf is None or 0 <= self.crf <= 63
        check_field(ok, "output.crf", "0..63", self.crf)


@dataclass
class RuntimeConfig:
    """How a run is driven."""

    default_fps: float = 30.0
    """Frame rate used when neither the source nor ``--fps`` gives one."""
    duration: float | None = None
    """Stop after this many seconds (None: until the end, or Ctrl-C)."""
    max_frames: int | None = None
    """Stop after this many frames (None: no limit)."""
    overlap: bool = True
    """Live: track the next frame while the current one is edited (two pipeline threads)."""
    reconnect: bool = True
    """Live: reopen a camera that fails, with backoff, showing the last frame meanwhile."""
    slate_after: float = 1.0
    """Live: seconds of a lost source before the "reconnecting" slate replaces the last frame."""
    progress: bool = True
    """Show a progress bar (offline) or a status line (live) on a terminal."""

    def __post_init__(self) -> None:
        _positive(self.default_fps, "runtime.default_fps")
        _positive(self.duration, "runtime.duration")
        _positive(self.max_frames, "runtime.max_frames")
        check_field(self.slate_after >= 0, "runtime.slate_after", ">= 0 s", self.slate_after)


@dataclass
class PipelineConfig:
    """Everything a pipeline run needs (see the module docstring for the sections)."""

    source: Annotated[SourceConfig, Flat] = field(default_factory=SourceConfig)
    face: FaceConfig = field(default_factory=FaceConfig)
    editor: Annotated[EditingConfig, Flat] = field(default_factory=EditingConfig)
    temporal: TemporalConfig = field(default_factory=TemporalConfig)
    compose: ComposeConfig = field(default_factory=ComposeConfig)
    mesh: MeshConfig = field(default_factory=MeshConfig)
    output: Annotated[OutputConfig, Flat] = field(default_factory=OutputConfig)
    runtime: Annotated[RuntimeConfig, Flat] = field(default_factory=RuntimeConfig)


def config_to_dict(config: Any) -> dict[str, Any]:
    """A dataclass config as a TOML-ready dict (None values left out, tuples as lists)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if value is None:
            continue
        if dataclasses.is_dataclass(value):
            value = config_to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def dump_config(config: Any) -> str:
    """The TOML text of ``config`` (what ``--print-config`` prints and ``--config`` reads)."""
    import tomli_w

    return tomli_w.dumps(config_to_dict(config))


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; an unreadable or malformed file is a ConfigError naming it."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc


def config_from_dict(cls: type[C], data: dict[str, Any], where: str) -> C:
    """Build dataclass ``cls`` from ``data``, strictly: an unknown key, a wrong type or a bad
    value raises ConfigError naming ``where`` (a file), the key, what was expected and what
    came."""
    import dacite

    settings = dacite.Config(strict=True, cast=[tuple])
    try:
        return dacite.from_dict(cls, _normalise(cls, data, where, ""), config=settings)
    except dacite.WrongTypeError as exc:
        raise ConfigError(
            f"{where}: key {exc.field_path!r} expected {_type_name(exc.field_type)}, "
            f"got {exc.value!r} ({type(exc.value).__name__})"
        ) from exc
    except dacite.MissingValueError as exc:
        raise ConfigError(f"{where}: key {exc.field_path!r} is required") from exc
    except dacite.DaciteError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _normalise(cls: Any, data: Any, where: str, prefix: str) -> Any:
    """Check keys against ``cls``'s fields (naming the full key path) and let an integer stand
    for a float, as TOML writers do; values of other types are left for dacite to judge."""
    if not isinstance(data, dict):
        return data
    import typing

    hints = typing.get_type_hints(cls, include_extras=False)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in fields:
            known = ", ".join(fields)
            raise ConfigError(f"unknown key {path!r} (known here: {known})")
        tp = fields[key]
        if dataclasses.is_dataclass(tp):
            value = _normalise(tp, value, where, path + ".")
        elif isinstance(value, int) and not isinstance(value, bool) and _allows_float(tp):
            value = float(value)
        out[key] = value
    return out


def _allows_float(tp: Any) -> bool:
    import typing

    return tp is float or (float in typing.get_args(tp) and int not in typing.get_args(tp))


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def load_config(path: str | Path, cls: type[C] = PipelineConfig) -> C:  # type: ignore[assignment]
    """Read a saved config (TOML, as ``--print-config`` writes it) into ``cls``."""
    return config_from_dict(cls, read_toml(path), str(path))
