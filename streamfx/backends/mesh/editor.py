"""``MeshEditor``: the CPU editor backend — lift the face to a mesh, restyle, re-render.

Works on any face with no downloaded weights: the face's own pixels are the texture, the
MediaPipe face mesh is the geometry, styles are image effects that read the G-buffer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.backends.mesh.config import MeshConfig
from streamfx.backends.mesh.gbuffer import GBuffer, render_gbuffers
from streamfx.backends.mesh.lift import (
    LiftedMesh,
    affine_scale,
    camera_from_rotation,
    lift_face,
    mirror_fill,
    relative_rotation,
    repose,
    rescale_mesh,
)
from streamfx.backends.mesh.styles import apply_effect_boxed, get_effect
from streamfx.errors import ConfigError, InputError
from streamfx.face.align import invert_affine, resize_affine
from streamfx.face.types import Face
from streamfx.record import FaceEdit


class MeshEditor(EditorBackend):
    """The ``mesh`` editor backend (implements ``streamfx.backends.base.EditorBackend``).

    ``edit`` returns, in the face's crop space at ``s = output_size_for(face)`` pixels a side
    (512 for a face at least that large in the frame, its own resolution for a smaller one):
    ``image`` (uint8 [s,s,3]), ``alpha`` (float32 [s,s], opacity fading at the mesh border),
    ``depth`` (float32 [w,w] at the working size ``work_size_for(face)``, EG3D-like units, see
    ``GBuffer``);
    ``timings`` holds seconds per sub-stage (lift, render, style).
    Styles are computed only around the face (``GBuffer.style_region``): where alpha is 0 the
    image is the plain crop, unstyled. ``edit_faces`` renders a frame's faces as one batch.
    Pose correction: a ``camera`` label re-poses the mesh by the rotation between
    ``face.camera`` (or, when None, the camera of the landmarks' fitted head pose) and
    ``camera``; e.g. ``camera_from_angles(yaw=+0.26)`` (camera moved toward world +x) shows the
    face from its left and moves the nose tip toward image left.
    ``color_match`` is "none" for every style but identity: a compositor that matches
    the edit's colours to the frame would undo bronze, neon or marble.
    """

    name = "mesh"
    needs_crop = False
    """``face.crop`` (the tracker's resampled 512 crop) is optional: it only saves warping the
    background around the face (which the compositor never shows: alpha is 0 there), so a
    pipeline may run the tracker with ``face.compute_crop`` off for this editor."""

    def __init__(self, style: str = "cartoon", config: MeshConfig | None = None) -> None:
        self.config = config or MeshConfig()
        self.crossfade_frames = self.config.crossfade_frames
        """Frames of a cross-fade after a style change (a live control may change it)."""
        self.smoothing = 0.0
        """Motion-adaptive smoothing of each track's styled crop, 0 (off) .. 1 (see
        ``CropSmoother``); a live control (``streamfx.runtime.controls``)."""
        self.style = ""
        self._looks: dict[str, _Look] = {}  # style name -> checked effect and parameters
        self._default: _Look | None = None
        self._track_style: dict[int, str] = {}  # track id -> its own style
        self._shown: dict[int, _Look] = {}  # track id -> the look it showed last
        self._fades: dict[int, tuple[_Look, int]] = {}  # track id -> (previous look, frames)
        self._smooth: dict[int, np.ndarray] = {}  # track id -> smoothed crop (float32)
        self._cut = False
        self._reads_normals: dict[str, bool] = {}  # effect -> it read g.normals last time
        self.set_style(style, crossfade=False)

    @property
    def _effect(self) -> str:
        return self._default.effect

    def look(self, style: str) -> _Look:
        """The checked effect and parameters of ``style`` (loaded once, then cached: a later
        switch to it costs nothing on the frame path)."""
        cached = self._looks.get(style)
        if cached is not None:
            return cached
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
        look = _Look(spec.name, effect, dict(spec.params))
        self._looks[style] = self._looks[spec.name] = look
        return look

    def set_style(self, style: str, crossfade: bool = True) -> None:
        """Switch the default style (a catalog name, see ``streamfx styles list``); with
        ``crossfade`` each face morphs from its old style over ``crossfade_frames`` of its
        frames (counted per track, so offline runs are deterministic). Never slow: a style is
        loaded once (``look``) and the switch itself only records what is wanted."""
        look = self.look(style)
        self._default, self.style = look, look.name
        self._cut = not crossfade

    def set_track_style(self, track_id: int, style: str | None) -> None:
        """Give track ``track_id`` its own style (None: it follows the default again)."""
        if style is None:
            self._track_style.pop(track_id, None)
        else:
            self._track_style[track_id] = self.look(style).name

    def style_of(self, track_id: int) -> str:
        """The style track ``track_id`` is shown in (or fading to)."""
        shown = self._shown.get(track_id)
        return shown.name if shown is not None else self._wanted(track_id).name

    def _wanted(self, track_id: int) -> _Look:
        own = self._track_style.get(track_id)
        return self._looks[own] if own is not None else self._default

    def work_size_for(self, face: Face) -> int:
        """The working size used for ``face`` (see ``MeshConfig.work_size``), at most its
        output side."""
        return self._sizes(face)[0]

    def output_size_for(self, face: Face) -> int:
        """The side of ``face``'s edit (see ``MeshConfig.output_size``)."""
        return self._sizes(face)[1]

    def _sizes(self, face: Face) -> tuple[int, int]:
        """(working size, output side) of ``face``, from the side its crop has in the frame."""
        c = self.config
        native = _native(face, c.crop_size)
        work = min(c.work_size or int(np.clip(native, c.min_work, c.max_work)),
                   c.output_size or c.crop_size)  # fmt: skip
        return work, c.output_size or int(np.clip(native, work, c.crop_size))

    def reset(self, track_id: int | None = None) -> None:
        """Forget a track's style, cross-fade and smoothing state (all tracks when None)."""
        for state in (self._track_style, self._shown, self._fades, self._smooth):
            if track_id is None:
                state.clear()
            else:
                state.pop(track_id, None)

    def render(
        self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None
    ) -> GBuffer:
        """Lift ``face`` and render it (unstyled) in its crop space at ``camera``."""
        _check_frame(frame_rgb)
        return self._render_many(frame_rgb, [face], [camera], {})[0]

    def _lift(self, face: Face, camera: np.ndarray | None) -> LiftedMesh:
        if face.to_crop is None or face.from_crop is None:
            raise InputError("mesh editor needs face.to_crop and face.from_crop (2x3 affines)")
        mesh = lift_face(face)
        if camera is not None:
            cam = np.asarray(camera, np.float32).reshape(-1)
            if cam.shape[0] != 25:
                raise InputError(f"camera must be a 25-number EG3D label, got {cam.shape[0]}")
            own = face.camera if face.camera is not None else camera_from_rotation(mesh.rotation)
            mesh = repose(mirror_fill(mesh), relative_rotation(own, cam))
        return mesh

    def _render_many(
        self,
        frame_rgb: np.ndarray,
        faces: list[Face],
        cameras: list[np.ndarray | None],
        times: dict,
    ) -> list[GBuffer]:
        """Lift and render every face (one batch, see ``render_gbuffers``); ``times`` gets the
        batch's lift and render seconds."""
        t0 = time.perf_counter()
        meshes = [self._lift(face, cam) for face, cam in zip(faces, cameras, strict=True)]
        t1 = time.perf_counter()
        n = self.config.crop_size
        works, sides = zip(*(self._sizes(f) for f in faces), strict=True)
        bases, froms = [], []
        for i, (face, side) in enumerate(zip(faces, sides, strict=True)):
            crop = face.crop if side == n else None
            bases.append(crop if crop is not None and crop.shape[:2] == (n, n) else None)
            if side == n:
                froms.append(face.from_crop)
            else:  # the crop at the face's own resolution
                meshes[i] = rescale_mesh(meshes[i], side / n)
                froms.append(invert_affine(resize_affine(face.to_crop, side, n)))
        sizes = [(side, side) for side in sides]
        # normals in the same gather as the rest for a look that read them before
        normals = [self._reads_normals.get(self._wanted(f.track_id).effect, False) for f in faces]
        gs = render_gbuffers(meshes, frame_rgb, sizes, works, froms, bases, normals)
        times.update(lift=t1 - t0, render=time.perf_counter() - t1)
        return gs

    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit one face; see the class docstring for the outputs."""
        return self.edit_faces(frame_rgb, [face], [camera])[0]

    def edit_faces(
        self, frame_rgb: np.ndarray, faces: list[Face], cameras: list[np.ndarray | None]
    ) -> list[FaceEdit]:
        """Edit the faces of one frame as one batch: the frame is checked once, the meshes are
        rendered together (``render_gbuffers``: one interpolation over every face's pixels)
        and each face is styled in its track's look. Each edit equals ``edit`` of that face
        alone; ``timings`` of each edit hold its share of the batch's lift and render (they
        sum to the batch's) and its own style time."""
        if len(faces) != len(cameras):
            raise InputError(f"{len(faces)} faces but {len(cameras)} cameras")
        if not faces:
            return []
        _check_frame(frame_rgb)
        batch: dict[str, float] = {}
        gs = self._render_many(frame_rgb, faces, cameras, batch)
        share = {k: v / len(faces) for k, v in batch.items()}
        return [self._finish(g, face, share) for g, face in zip(gs, faces, strict=True)]

    def _finish(self, g: GBuffer, face: Face, share: dict[str, float]) -> FaceEdit:
        """The styled edit of one rendered face."""
        t0 = time.perf_counter()
        image = self._styled(g, face.track_id)
        if self.smoothing > 0:
            image = self._smoothed(face.track_id, image)
        times = {**share, "style": time.perf_counter() - t0}
        return FaceEdit(
            image=np.ascontiguousarray(image),
            alpha=g.alpha,
            depth=g.depth,
            backend=self.name,
            # the style recolours on purpose: the compositor should not pull it back
            color_match="lab" if self._shown[face.track_id].effect == "identity" else "none",
            timings=times,
        )

    def _styled(self, g: GBuffer, track_id: int) -> np.ndarray:
        """The track's style, blended with its previous one while a cross-fade runs."""
        look, shown = self._wanted(track_id), self._shown.get(track_id)
        if shown is not None and shown is not look:
            if self.crossfade_frames > 0 and not self._cut:
                self._fades[track_id] = (shown, 0)
            else:
                self._fades.pop(track_id, None)
                self._smooth.pop(track_id, None)
        self._shown[track_id] = look
        image = apply_effect_boxed(look.effect, g, look.params)
        self._reads_normals[look.effect] = g.made("normals")
        fade = self._fades.get(track_id)
        if fade is None:
            return image
        done = fade[1] + 1
        w = done / (self.crossfade_frames + 1)
        if w >= 1.0:
            del self._fades[track_id]
            return image
        self._fades[track_id] = (fade[0], done)
        old = apply_effect_boxed(fade[0].effect, g, fade[0].params)
        return cv2.addWeighted(image, w, old, 1.0 - w, 0.0)

    def _smoothed(self, track_id: int, image: np.ndarray) -> np.ndarray:
        """Motion-adaptive running average of the track's crop: a still face keeps its pixels
        (sensor noise averaged out), a change larger than ``MOTION_SCALE`` grey levels is taken
        at once (no ghosting). The crop follows the face, so the average never lags its place."""
        prev = self._smooth.get(track_id)
        cur = image.astype(np.float32)
        if prev is None:
            self._smooth[track_id] = cur
            return image
        if prev.shape != cur.shape:  # the face's output size changed: same crop, resampled
            prev = cv2.resize(prev, cur.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        diff = cv2.absdiff(cur, prev)
        motion = cv2.GaussianBlur(diff.max(axis=2), (0, 0), 3.0)
        keep = np.clip(1.0 - motion / MOTION_SCALE, 0.0, 1.0) * np.float32(self.smoothing)
        keep = keep[..., None]
        out = prev * keep + cur * (1.0 - keep)
        self._smooth[track_id] = out
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Look:
    """A loaded style: its catalog name, effect and parameters."""

    name: str
    effect: str
    params: dict[str, Any]


#: Per-pixel change (grey levels, blurred) at which the crop smoothing lets go entirely.
MOTION_SCALE = 24.0


def _native(face: Face, crop_size: int) -> int:
    """The side the face's crop has in the frame (px), rounded to 16."""
    if face.to_crop is None:
        raise InputError("mesh editor needs face.to_crop and face.from_crop (2x3 affines)")
    return round(crop_size / max(affine_scale(face.to_crop), 1e-6) / 16) * 16


def _check_frame(frame: np.ndarray) -> None:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        shape = getattr(frame, "shape", type(frame).__name__)
        raise InputError(f"frame must be a uint8 HxWx3 RGB array, got {shape}")
    if frame.dtype != np.uint8:
        raise InputError(f"frame must be uint8, got {frame.dtype}")
