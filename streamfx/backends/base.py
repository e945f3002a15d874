"""The interface every editor backend implements, and the registry of backends.

A third-party editor subclasses ``EditorBackend`` and registers itself, either at run time with
``register_backend("name", factory)`` or with an entry point in group ``streamfx.backends``; it
then appears in ``--editor`` and ``streamfx doctor``. The factory is called as
``factory(style=..., **options)`` where options are those of the ``editor`` config section the
factory accepts (``weights``, ``device``, ``engine``, ``smoothing``, ``config``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from streamfx.face.types import Face
from streamfx.record import FaceEdit
from streamfx.registry import Registry


class EditorBackend(ABC):
    """Edits the faces of a frame.

    ``edit(frame_rgb, face, camera=None)`` returns a FaceEdit in the face's 512x512 crop space.
    ``camera`` is an optional 25-number EG3D label to render at instead of the face's own
    (pose correction); None renders at ``face.camera``.
    ``edit_faces`` edits every face of one frame; the default calls ``edit`` per face, a
    backend that can batch (one network call for all faces) overrides it.
    ``reset(track_id)`` drops per-track state; the pipeline calls it only when the tracker
    ends a track (``Frame.tracks_ended``), never on a single missed detection.
    """

    name: str = ""
    style: str = ""
    needs_crop: bool = True
    """Whether ``edit`` reads ``face.crop`` (the resampled 512x512 EG3D crop). A backend that
    works from the frame and the transforms says False, and the tracker skips the resampling."""
    crossfade_frames: int = 0
    """Frames a style change cross-fades over (a live control; backends that cannot fade cut)."""
    smoothing: float = 0.0
    """Live smoothing of the edit over time, 0 (off) .. 1 (a live control; unused by backends
    without temporal state)."""
    takes_adapted: bool = False
    """Whether styles with adapted weights (``delta.safetensors``) can run here (the 3DPE
    backend on the torch engine); the live controls offer only those that can."""

    @abstractmethod
    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit ``face`` of ``frame_rgb``: a FaceEdit in the face's crop space (see FaceEdit)."""

    def edit_faces(
        self, frame_rgb: np.ndarray, faces: list[Face], cameras: list[np.ndarray | None]
    ) -> list[FaceEdit]:
        """Edit every face of one frame (``cameras[i]`` for ``faces[i]``, None: its own)."""
        return [self.edit(frame_rgb, f, c) for f, c in zip(faces, cameras, strict=True)]

    @abstractmethod
    def set_style(self, style: str) -> None:
        """Switch the style (prompt)."""

    def set_track_style(self, track_id: int, style: str | None) -> None:
        """Give one track its own style (None: it follows the default again). A backend
        without per-person styles ignores it: every face shows the default style."""

    def style_of(self, track_id: int) -> str:
        """The style track ``track_id`` is shown in (default: the one style of the backend)."""
        return self.style

    def reset(self, track_id: int | None = None) -> None:
        """Drop per-track state (every track when ``track_id`` is None)."""

    def close(self) -> None:
        """Release resources (threads, device memory). Safe to call twice."""


BackendFactory = Callable[..., EditorBackend]
BACKENDS: Registry[EditorBackend] = Registry(
    "editor backend",
    {
        "mesh": "streamfx.backends.mesh:MeshEditor",
        "3dpe": "streamfx.backends.threedpe:ThreeDPEBackend",
    },
    group="streamfx.backends",
)


def register_backend(name: str, factory: BackendFactory, replace: bool = False) -> None:
    """Make ``factory`` available as ``--editor NAME`` (see the module docstring)."""
    BACKENDS.register(name, factory, replace=replace)


def backend_names() -> list[str]:
    """Names of the registered backends (entry points included)."""
    return BACKENDS.names()


def get_backend_factory(name: str) -> BackendFactory:
    """Return the factory of backend ``name``; unknown names list what is available."""
    return BACKENDS.get(name)
