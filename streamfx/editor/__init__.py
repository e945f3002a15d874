"""streamfx.editor: the 3DPE network in pure torch (encoder, renderer, import/export, presets).

Imports are lazy (PEP 562): ``import streamfx.editor`` stays light, and names
below are imported on first access, e.g. ``from streamfx.editor import PortraitEditor``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamfx.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "PortraitEditor": "streamfx.editor.editor",
    "EditorConfig": "streamfx.editor.presets",
    "get_preset": "streamfx.editor.presets",
    "available_presets": "streamfx.editor.presets",
    "register_preset": "streamfx.editor.presets",
    "EncoderConfig": "streamfx.editor.encoder.live3d",
    "Live3DEditingEncoder": "streamfx.editor.encoder.live3d",
    "camera_from_angles": "streamfx.geometry.camera",
    "make_label": "streamfx.geometry.camera",
    "reference_to_tensor": "streamfx.editor.preprocess",
    "image_to_tensor": "streamfx.editor.preprocess",
    "import_official": "streamfx.editor.convert",
    "inspect_checkpoint": "streamfx.editor.convert",
}

__all__ = [
    "EditorConfig",
    "EncoderConfig",
    "Live3DEditingEncoder",
    "PortraitEditor",
    "available_presets",
    "camera_from_angles",
    "get_preset",
    "image_to_tensor",
    "import_official",
    "inspect_checkpoint",
    "make_label",
    "reference_to_tensor",
    "register_preset",
]

if TYPE_CHECKING:  # pragma: no cover
    from streamfx.editor.convert import import_official, inspect_checkpoint
    from streamfx.editor.editor import PortraitEditor
    from streamfx.editor.encoder.live3d import EncoderConfig, Live3DEditingEncoder
    from streamfx.editor.preprocess import image_to_tensor, reference_to_tensor
    from streamfx.editor.presets import (
        EditorConfig,
        available_presets,
        get_preset,
        register_preset,
    )
    from streamfx.geometry.camera import camera_from_angles, make_label

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
