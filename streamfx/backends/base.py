"""The interface every editor backend implements, and the registry of backends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from streamfx.errors import ConfigError
from streamfx.face.types import Face
from streamfx.record import FaceEdit


@runtime_checkable
class EditorBackend(Protocol):
    """Edits one face at a time.

    ``edit(frame_rgb, face, camera=None)`` returns a FaceEdit in the face's 512x512 crop space.
    ``camera`` is an optional 25-number EG3D label to render at instead of the face's own
    (pose correction); None renders at ``face.camera``.
    ``set_style(name)`` switches the style (prompt) without a stall where possible.
    ``reset(track_id)`` drops per-track state (temporal filters) when a track is lost.
    """

    name: str

    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit ``face`` of ``frame_rgb``: a FaceEdit in the face's 512x512 crop space."""
        ...

    def set_style(self, style: str) -> None:
        """Switch the style (prompt)."""
        ...

    def reset(self, track_id: int | None = None) -> None:
        """Drop per-track state (every track when ``track_id`` is None)."""
        ...


BackendFactory = Callable[..., EditorBackend]
_REGISTRY: dict[str, str] = {
    # name -> "module:factory", imported lazily so heavy deps load only when used
    "mesh": "streamfx.backends.mesh:MeshEditor",
    "3dpe": "streamfx.backends.threedpe:ThreeDPEBackend",
}


def backend_names() -> list[str]:
    """Names of the registered backends."""
    return sorted(_REGISTRY)


def get_backend_factory(name: str) -> BackendFactory:
    """Return the factory of backend ``name``; unknown names list what is available."""
    import importlib

    if name not in _REGISTRY:
        raise ConfigError(
            f"unknown editor backend {name!r}; available: {', '.join(backend_names())}"
        )
    module, attr = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), attr)
