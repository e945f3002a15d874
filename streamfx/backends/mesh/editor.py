"""``MeshEditor``: the CPU editor backend — lift the face to a mesh, restyle, re-render.

Works on any face with no downloaded weights: the face's own pixels are the texture, the
MediaPipe face mesh is the geometry, styles are image effects that read the G-buffer.
"""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.backends.mesh.config import MeshConfig
from streamfx.backends.mesh.gbuffer import GBuffer, render_gbuffer
from streamfx.backends.mesh.lift import (
    affine_scale,
    camera_from_rotation,
    lift_face,
    mirror_fill,
    relative_rotation,
    repose,
)
from streamfx.backends.mesh.styles import apply_effect, get_effect
from streamfx.errors import ConfigError, InputError
from streamfx.face.types import Face
from streamfx.record import FaceEdit


class MeshEditor(EditorBackend):
    """The ``mesh`` editor backend (implements ``streamfx.backends.base.EditorBackend``).

    ``edit`` returns, in the face's 512x512 crop space: ``image`` (uint8 [512,512,3]),
    ``alpha`` (float32 [512,512], opacity fading at the mesh border), ``depth`` (float32
    [w,w] at the working size ``work_size_for(face)``, EG3D-like units, see ``GBuffer``);
    ``timings`` holds seconds per sub-stage (lift, render, style).
    Pose correction: a ``camera`` label re-poses the mesh by the rotation between
    ``face.camera`` (or, when None, the camera of the landmarks' fitted head pose) and
    ``camera``; e.g. ``camera_from_angles(yaw=+0.26)`` (camera moved toward world +x) shows the
    face from its left and moves the nose tip toward image left.
    ``color_match`` is "none" for every style but identity: a compositor that matches
    the edit's colours to the frame would undo bronze, neon or marble.
    """

    name = "mesh"

    def __init__(self, style: str = "cartoon", config: MeshConfig | None = None) -> None:
        self.config = config or MeshConfig()
        self.style = ""
        self._effect = "identity"
        self._params: dict[str, Any] = {}
        self._previous: tuple[str, dict[str, Any]] | None = None
        self._fade_done: dict[int, int] = {}  # track id -> frames since the last style switch
        self.set_style(style, crossfade=False)

    def set_style(self, style: str, crossfade: bool = True) -> None:
        """Switch to style ``style`` (a catalog name, see ``streamfx styles list``); with
        ``crossfade`` the faces morph from the old style over ``config.crossfade_frames``."""
        from streamfx.backends.styles_catalog import load_style

        spec = load_style(style)
        if spec.editor != "mesh":
            raise ConfigError(
                f"style {spec.name!r} is for the {spec.editor!r} editor, not mesh; "
                "use --editor auto or 3dpe for it"
            )
        effect = spec.effect or spec.name
        known = set(get_effect(effect).defaults)
        unknown = set(spec.params) - known
        if unknown:
            raise ConfigError(
                f"style {spec.name!r}: unknown parameter(s) {sorted(unknown)} for effect "
                f"{effect!r}; expected some of {sorted(known)}"
            )
        if crossfade and self.style and self.config.crossfade_frames > 0:
            self._previous = (self._effect, self._params)
            self._fade_done = {}
        else:
            self._previous = None
        self._effect, self._params, self.style = effect, dict(spec.params), spec.name

    def work_size_for(self, face: Face) -> int:
        """The working size used for ``face`` (see ``MeshConfig.work_size``)."""
        c = self.config
        if c.work_size:
            return c.work_size
        native = c.crop_size / max(affine_scale(face.to_crop), 1e-6)
        return int(np.clip(round(native / 16) * 16, c.min_work, c.max_work))

    def reset(self, track_id: int | None = None) -> None:
        """Forget a track's cross-fade progress (all tracks when None); nothing else is kept."""
        if track_id is None:
            self._fade_done.clear()
        else:
            self._fade_done.pop(track_id, None)

    def render(
        self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None
    ) -> GBuffer:
        """Lift ``face`` and render it (unstyled) in its crop space at ``camera``."""
        return self._render(frame_rgb, face, camera, {})

    def _render(
        self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None, times: dict
    ) -> GBuffer:
        t0 = time.perf_counter()
        _check_frame(frame_rgb)
        if face.to_crop is None or face.from_crop is None:
            raise InputError("mesh editor needs face.to_crop and face.from_crop (2x3 affines)")
        mesh = lift_face(face)
        if camera is not None:
            cam = np.asarray(camera, np.float32).reshape(-1)
            if cam.shape[0] != 25:
                raise InputError(f"camera must be a 25-number EG3D label, got {cam.shape[0]}")
            own = face.camera if face.camera is not None else camera_from_rotation(mesh.rotation)
            mesh = repose(mirror_fill(mesh), relative_rotation(own, cam))
        t1 = time.perf_counter()
        n = self.config.crop_size
        base = face.crop if face.crop is not None and face.crop.shape[:2] == (n, n) else None
        work = self.work_size_for(face)
        g = render_gbuffer(mesh, frame_rgb, (n, n), work, face.from_crop, base)
        times.update(lift=t1 - t0, render=time.perf_counter() - t1)
        return g

    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit one face; see the class docstring for the outputs."""
        times: dict[str, float] = {}
        g = self._render(frame_rgb, face, camera, times)
        t0 = time.perf_counter()
        image = self._styled(g, face.track_id)
        times["style"] = time.perf_counter() - t0
        return FaceEdit(
            image=np.ascontiguousarray(image),
            alpha=g.alpha,
            depth=g.depth,
            backend=self.name,
            # the style recolours on purpose: the compositor should not pull it back
            color_match="lab" if self._effect == "identity" else "none",
            timings=times,
        )

    def _styled(self, g: GBuffer, track_id: int) -> np.ndarray:
        """The current style, blended with the previous one while a cross-fade runs."""
        image = apply_effect(self._effect, g, self._params)
        if self._previous is None:
            return image
        done = self._fade_done.get(track_id, 0) + 1
        self._fade_done[track_id] = done
        w = done / (self.config.crossfade_frames + 1)
        if w >= 1.0:
            return image
        old = apply_effect(self._previous[0], g, self._previous[1])
        return cv2.addWeighted(image, w, old, 1.0 - w, 0.0)


def _check_frame(frame: np.ndarray) -> None:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        shape = getattr(frame, "shape", type(frame).__name__)
        raise InputError(f"frame must be a uint8 HxWx3 RGB array, got {shape}")
    if frame.dtype != np.uint8:
        raise InputError(f"frame must be uint8, got {frame.dtype}")
