"""Style thumbnails: each mesh style applied to the bundled demo face (``thumbnail.png``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from streamfx.errors import ConfigError


def render_thumbnail(style: str, size: int = 160) -> np.ndarray:
    """uint8 [size,size,3] RGB: the demo photo's head with ``style`` applied and pasted back."""
    from streamfx.backends.mesh.assets import astronaut, face_from_landmarks
    from streamfx.backends.mesh.editor import MeshEditor
    from streamfx.backends.mesh.paste import paste_edit

    if size < 16:
        raise ConfigError(f"thumbnail size must be at least 16, got {size}")
    img, lm = astronaut()
    face = face_from_landmarks(img, lm)
    out = paste_edit(img, MeshEditor(style).edit(img, face), face.from_crop)
    cx, cy = lm[:, 0].mean(), lm[:, 1].mean() - 0.1 * face.size
    half = 0.85 * face.size
    m = np.array([[size / (2 * half), 0, 0], [0, size / (2 * half), 0]])
    m[:, 2] = (size / 2 - m[0, 0] * cx, size / 2 - m[1, 1] * cy)
    return cv2.warpAffine(out, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)


def write_thumbnails(
    names: list[str] | None = None, out_dir: Path | None = None, size: int = 160
) -> list[Path]:
    """Write ``thumbnail.png`` for each mesh style (default: every one with a style folder)
    into its folder, or into ``out_dir`` as ``NAME.png``; returns the paths written."""
    from streamfx.backends.styles_catalog import list_styles, load_style

    specs = [load_style(n) for n in names] if names else list_styles()
    written = []
    for spec in specs:
        if spec.editor != "mesh" or (out_dir is None and spec.folder is None):
            continue
        path = (out_dir / f"{spec.name}.png") if out_dir else (spec.folder / "thumbnail.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        rgb = render_thumbnail(spec.name, size)
        if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
            raise ConfigError(f"could not write thumbnail {path}")
        written.append(path)
    return written
