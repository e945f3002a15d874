"""Choosing the editor backend: ``--editor auto|3dpe|mesh``.

``auto`` follows the style when the style names its editor, else picks 3DPE when its weights
are present and the mesh editor otherwise; it always says which one it picked and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streamfx.backends.base import EditorBackend, backend_names, get_backend_factory
from streamfx.backends.mesh.config import MeshConfig
from streamfx.errors import ConfigError
from streamfx.temporal.config import TemporalConfig

if TYPE_CHECKING:
    from streamfx.config import EditingConfig

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
    editing: EditingConfig,
    mesh: MeshConfig | None = None,
    temporal: TemporalConfig | None = None,
) -> Choice:
    """Build the backend ``editing.editor`` names ('auto', 'mesh', '3dpe' or a registered
    one) for ``editing.style``; the style is loaded and checked here, before any frame."""
    from streamfx.backends.threedpe import WEIGHTS_HINT, find_weights

    editor, style = editing.editor, editing.style
    known = backend_names()
    if editor != "auto" and editor not in known:
        raise ConfigError(f"editor: expected one of auto, none, {', '.join(known)}; got {editor!r}")
    # a backend from another package interprets its style itself; ours read the catalog
    wanted = _style_editor(style) if editor in ("auto", "mesh", "3dpe") else None
    if editor == "auto":
        editor, reason = _auto(wanted, style, find_weights(editing.weights), WEIGHTS_HINT)
    else:
        reason = "chosen with --editor"
        if wanted and wanted != editor:
            raise ConfigError(f"style {style!r} is for the {wanted!r} editor, not {editor!r}")
    factory = get_backend_factory(editor)
    temporal = temporal or TemporalConfig()
    if editor == "3dpe":
        if not style:
            raise ConfigError(
                "the 3dpe editor needs --style (a 3dpe style name or a reference image)"
            )
        backend = factory(
            style=style,
            weights=editing.weights,
            device=editing.device,
            engine=editing.engine,
            smoothing=temporal.triplane if temporal.smooth_triplanes else None,
        )
    elif editor == "mesh":
        backend = factory(style=style or DEFAULT_MESH_STYLE, config=mesh or MeshConfig())
    else:  # a backend from another package: it gets the style and what it accepts
        backend = factory(style=style)
    return Choice(backend=backend, reason=f"editor {editor}: {reason}")
