"""One error tree for the whole project.

Every class also subclasses the matching builtin, so callers can catch either
``StreamfxError`` or the usual ``ValueError`` / ``OSError`` / ``RuntimeError``.
Messages say what was expected and what was received.
"""

from __future__ import annotations


class StreamfxError(Exception):
    """Base of every error streamfx raises on purpose."""


class ConfigError(StreamfxError, ValueError):
    """A setting, name or argument is invalid (unknown preset, bad size, ...)."""


class InputError(StreamfxError, ValueError):
    """Input data is unusable: corrupt video, unreadable image, wrong tensor shape."""


class SourceError(StreamfxError, OSError):
    """A frame source cannot be opened or stopped delivering frames."""


class SinkError(StreamfxError, OSError):
    """A sink (virtual camera, file, window) cannot be opened or written."""


class ModelFileError(StreamfxError, OSError):
    """A model file is missing, unreachable or fails its hash check."""


class CheckpointError(StreamfxError, ValueError):
    """A checkpoint does not match the network (missing/extra keys, wrong shapes)."""


class DependencyError(StreamfxError, ImportError):
    """An optional dependency is missing; the message says how to install it."""


class PipelineError(StreamfxError, RuntimeError):
    """A pipeline stage failed in a way that cannot be degraded around."""


def require(module: str, extra: str | None = None, pip_name: str | None = None):
    """Import an optional dependency lazily, or raise DependencyError with an install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        hint = f"pip install 'streamfx[{extra}]'" if extra else f"pip install {pip_name or module}"
        raise DependencyError(
            f"{module} is needed here but is not importable ({exc}); {hint}"
        ) from exc


#: config sections whose command-line flags carry no "section." prefix (see streamfx.config)
FLAT_SECTIONS = ("source", "editor", "output", "runtime")


def flag_of(name: str) -> str:
    """The command-line flag of a config key: ``face.max_faces`` -> ``--face.max-faces``,
    ``source.fps`` -> ``--fps`` (flat sections have no prefix)."""
    section, _, rest = name.partition(".")
    if rest and section in FLAT_SECTIONS:
        name = rest
    return "--" + name.replace("_", "-")


def check_field(ok: bool, name: str, expected: str, got: object) -> None:
    """Raise ``ConfigError("NAME (--FLAG): expected EXPECTED, got GOT")`` unless ``ok``.

    name: the setting as written in a config file (``face.max_faces``).
    """
    if not ok:
        raise ConfigError(f"{name} ({flag_of(name)}): expected {expected}, got {got!r}")
