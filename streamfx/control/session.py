"""Wiring a live run to its controls and to the control API (used by ``streamfx camera``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamfx.control.server import ControlServer, StyleEntry
from streamfx.runtime.controls import ControlState, LiveControls
from streamfx.runtime.pipeline import Pipeline

if TYPE_CHECKING:
    from streamfx.backends.base import EditorBackend
    from streamfx.config import PipelineConfig
    from streamfx.runtime.build import Built


def attach_controls(pipeline: Pipeline, controls: LiveControls) -> Any:
    """Let the pipeline's stages read ``controls``; returns the editor backend (or None)."""
    backend = None
    for stage in pipeline.stages:
        if hasattr(stage, "controls"):
            stage.controls = controls
        backend = getattr(stage, "backend", backend)
    return backend


def style_entries(editor: str | None, adapted: bool = True) -> list[StyleEntry]:
    """The catalog's styles usable with ``editor`` (all when None or a third-party editor);
    without ``adapted``, none that carries adapted weights (an engine that cannot apply them)."""
    from streamfx.backends.styles_catalog import list_styles

    specs = list_styles()
    if editor in {s.editor for s in specs}:
        specs = [s for s in specs if s.editor == editor]
    if not adapted:
        specs = [s for s in specs if s.delta is None]
    return [StyleEntry(s.name, s.editor, s.thumbnail) for s in specs]


def make_controls(backend: Any, styles: list[StyleEntry], **state: Any) -> LiveControls:
    """Controls starting from the backend's style (and ``state``), offering ``styles``."""
    start = ControlState(default_style=getattr(backend, "style", None) or None, **state)
    return LiveControls(start, styles=[s.name for s in styles])


def live_controls(
    config: PipelineConfig, built: Built
) -> tuple[LiveControls, EditorBackend | None, list[StyleEntry]]:
    """The live controls of a pipeline the way ``streamfx camera`` runs it: they start from the
    config's smoothing and cross-fade, the starting style's ``[defaults]`` and then the
    strength and pose correction the settings give, offer the running editor's styles, and
    every stage reads them. -> (controls, editor backend, styles)."""
    backend = built.backend
    styles = style_entries(backend.name, backend.takes_adapted) if backend is not None else []
    controls = make_controls(
        backend,
        styles,
        smoothing=config.temporal.edit_smoothing if config.temporal.smooth_triplanes else 0.0,
        landmark_smoothing=config.temporal.smooth_landmarks,
        crossfade_frames=config.mesh.crossfade_frames or 8,
    )
    given = config.editor.given_controls()
    if given:  # --strength / --pose-fraction win over the starting style's [defaults]
        controls.update(**given)
    attach_controls(built.pipeline, controls)
    return controls, backend, styles


def faces_of(runner: Any, backend: Any) -> list[dict[str, Any]]:
    """The faces of the runner's newest output frame with the style each shows."""
    frame = runner.last_output
    if frame is None:
        return []
    return [
        {
            "track": f.track_id,
            "style": backend.style_of(f.track_id) if backend is not None else "",
            "bbox": [round(float(v), 1) for v in f.bbox],
            "edited": f.track_id in frame.edits,
        }
        for f in frame.faces
    ]


def serve(
    runner: Any,
    controls: LiveControls,
    backend: Any,
    styles: list[StyleEntry],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_remote: bool = False,
    token: str | None = None,
    token_file: Path | None = None,
) -> ControlServer:
    """Start the control API for ``runner`` (returns the started server)."""

    def stats() -> dict[str, Any]:
        return runner.stats.summary()

    def preview() -> Any:
        frame = runner.last_output
        return None if frame is None else frame.result

    server = ControlServer(
        controls,
        styles,
        stats=stats,
        faces=lambda: faces_of(runner, backend),
        preview=preview,
        host=host,
        port=port,
        allow_remote=allow_remote,
        token=token,
        token_file=token_file,
    )
    return server.start()
