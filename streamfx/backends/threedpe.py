"""The 3DPE network as an editor backend: crop -> triplane -> render at the face's camera.

Weights are our own format (``streamfx weights import 3dpe.pt -o models/3dpe``); the backend
never falls back to random weights: missing weights are a ``ModelFileError`` that says where to
get them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.errors import ConfigError, InputError, ModelFileError
from streamfx.face.types import CROP_SIZE, Face
from streamfx.modelfiles import cache_dir
from streamfx.record import FaceEdit

if TYPE_CHECKING:
    from streamfx.temporal.triplane import TriplaneSmootherConfig

WEIGHTS_HINT = (
    "get them with `streamfx weights fetch 3dpe` (the official archive) and "
    "`streamfx weights import PATH/TO/3dpe.pt`"
)


def weight_dirs() -> list[Path]:
    """Folders searched for converted 3DPE weights, in order."""
    dirs = [Path("models") / "3dpe"]
    if os.environ.get("STREAMFX_MODELS"):
        dirs.append(Path(os.environ["STREAMFX_MODELS"]) / "3dpe")
    dirs.append(cache_dir() / "3dpe")
    return dirs


def find_weights(explicit: str | Path | None = None) -> Path | None:
    """The first folder holding converted 3DPE weights (config.json + model.safetensors)."""
    candidates = [Path(explicit)] if explicit else weight_dirs()
    for d in candidates:
        if (d / "config.json").is_file() and any(d.glob("*.safetensors")):
            return d
    return None


def resolve_device(device: str):
    """A usable ``torch.device`` for ``device`` ('cpu', 'cuda', 'cuda:1', ...) or a clear error."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"--device {device!r} is not a torch device (try cpu or cuda)") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                f"--device {device} requested but torch sees no CUDA device "
                f"(torch {torch.__version__}; install a CUDA build, see the README)"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} CUDA devices")
    elif dev.type != "cpu":
        raise ConfigError(f"--device {device}: only cpu and cuda are supported")
    return dev


def load_reference(path: str | Path) -> np.ndarray:
    """Read a reference (prompt) image as uint8 [H,W,3] RGB; clear error when unreadable."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise InputError(f"reference image {p} does not exist (expected an image file)")
    try:
        with Image.open(p) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"reference image {p} is not a readable image: {exc}") from exc


class ThreeDPEBackend(EditorBackend):
    """Edits faces with the 3DPE network (torch; CPU or CUDA)."""

    name = "3dpe"

    def __init__(
        self,
        style: str | Path,
        weights: str | Path | None = None,
        device: str = "cpu",
        engine: str = "torch",
        smoothing: TriplaneSmootherConfig | None = None,
    ) -> None:
        """style: a 3DPE style name or a reference image. weights: a converted weights folder
        (default: searched, see ``weight_dirs``). engine: how the network executes (see
        ``streamfx.engines``). smoothing: the triplane smoother's settings (None: off)."""

        from streamfx.editor import PortraitEditor
        from streamfx.temporal.triplane import TriplaneSmoother

        found = find_weights(weights)
        if found is None:
            looked = [str(weights)] if weights else [str(d) for d in weight_dirs()]
            raise ModelFileError(
                f"3DPE weights not found (looked in {', '.join(looked)}); {WEIGHTS_HINT}"
            )
        self.weights = found
        self.device = resolve_device(device)
        self.editor = PortraitEditor.from_pretrained(found).to(self.device).eval()
        self.engine_name = engine
        self.smoother = TriplaneSmoother(smoothing) if smoothing is not None else None
        self._tokens = None
        self.style = ""
        self.set_style(style)

    def set_style(self, style: str | Path) -> None:
        """Switch the prompt: a style name whose style.toml gives a reference, or an image path."""
        import torch

        from streamfx.editor.preprocess import reference_to_tensor

        ref_path = self._reference_path(style)
        ref = reference_to_tensor(load_reference(ref_path)).to(self.device)
        with torch.inference_mode():
            self._tokens = self.editor.encode_prompt(ref)
        self.style = str(style)
        if self.smoother is not None:
            self.smoother.reset()

    @staticmethod
    def _reference_path(style: str | Path) -> Path:
        p = Path(style)
        if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp", ".bmp"}:
            return p
        from streamfx.backends.styles_catalog import load_style

        spec = load_style(str(style))
        if spec.editor != "3dpe" or not spec.reference:
            raise ConfigError(
                f"style {spec.name!r} is for the {spec.editor!r} editor, not 3dpe; "
                "pass a 3dpe style or a reference image path"
            )
        return spec.reference

    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit one face: its EG3D crop -> triplane -> render at ``camera`` (default: its own)."""
        import torch

        from streamfx.editor.preprocess import image_to_tensor

        if face.crop is None or face.camera is None:
            raise InputError("3dpe needs face.crop (512x512) and face.camera (25 numbers)")
        cam = face.camera if camera is None else camera
        img = image_to_tensor(face.crop).to(self.device)
        cam_t = torch.as_tensor(np.asarray(cam, np.float32).reshape(1, 25), device=self.device)
        with torch.inference_mode():
            tri = self.editor.encode(img, self._tokens)
            if self.smoother is not None:
                tri = self.smoother(face.track_id, tri)
            out = self.editor.render(tri, cam_t, deterministic=True)
        image = ((out["image"][0].clamp(-1, 1) + 1) * 127.5).round().byte()
        image = image.permute(1, 2, 0).cpu().numpy()
        if image.shape[0] != CROP_SIZE:
            import cv2

            image = cv2.resize(image, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_LINEAR)
        return FaceEdit(
            image=image,
            alpha=out["alpha"][0, 0].float().cpu().numpy(),
            depth=out["image_depth"][0, 0].float().cpu().numpy(),
            backend=self.name,
        )

    def reset(self, track_id: int | None = None) -> None:
        """Drop the temporal state of one track (or all)."""
        if self.smoother is not None:
            self.smoother.reset(track_id)
