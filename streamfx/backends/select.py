"""Choosing the editor backend: ``--editor auto|3dpe|mesh``.

``auto`` follows the style when the style names its editor, else picks 3DPE when its weights
are present and the mesh editor otherwise; it always says which one it picked and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streamfx.backends.base import EditorBackend, backend_names, get_backend_factory
from streamfx.errors import ConfigError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
DEFAULT_MESH_STYLE = "cartoon"


@dataclass
class Choice:
    """The backend picked and the reason, for the log and the stats."""

    backend: EditorBackend
    reason: str


def _style_editor(style: str | None) -> str | None:
    """The editor a style asks for: '3dpe' for a reference image, else its style.toml's."""
    if not style:
        return None
    if Path(style).suffix.lower() in IMAGE_SUFFIXES:
        return "3dpe"
    from streamfx.backends.styles_catalog import load_style

    return load_style(style).editor


def _auto(wanted: str | None, style: str | None, found: Path | None, hint: str) -> tuple[str, str]:
    """(editor, reason) for ``--editor auto``."""
    if wanted == "3dpe":
        return "3dpe", f"style {style!r} is a 3dpe prompt" + (
            f"; weights at {found}" if found else ""
        )
    if wanted == "mesh":
        return "mesh", f"style {style!r} is a mesh style"
    if found is None:
        return "mesh", f"3dpe weights not found ({hint})"
    return "mesh", (
        f"3dpe weights found at {found}, but no 3dpe prompt was given "
        "(pass --style REFERENCE.png or a 3dpe style name to use them)"
    )


def choose_backend(
    editor: str = "auto",
    style: str | None = None,
    weights: str | Path | None = None,
    device: str = "cpu",
) -> Choice:
    """Build the backend for ``editor`` ('auto', '3dpe' or 'mesh') and ``style``."""
    from streamfx.backends.threedpe import WEIGHTS_HINT, find_weights

    if editor not in ("auto", *backend_names()):
        raise ConfigError(
            f"unknown editor {editor!r}; available: auto, {', '.join(backend_names())}"
        )
    wanted = _style_editor(style)
    if editor == "auto":
        editor, reason = _auto(wanted, style, find_weights(weights), WEIGHTS_HINT)
    else:
        reason = "chosen with --editor"
        if wanted and wanted != editor:
            raise ConfigError(f"style {style!r} is for the {wanted!r} editor, not {editor!r}")
    factory = get_backend_factory(editor)
    if editor == "3dpe":
        if not style:
            raise ConfigError(
                "the 3dpe editor needs --style (a 3dpe style name or a reference image)"
            )
        backend = factory(style=style, weights=weights, device=device)
    else:
        backend = factory(style=style or DEFAULT_MESH_STYLE)
    return Choice(backend=backend, reason=f"editor {editor}: {reason}")
