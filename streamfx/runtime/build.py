"""``build_pipeline(config)``: the only place a pipeline is assembled.

Every command (``camera``, ``edit``, ``demo``) and every benchmark builds a ``PipelineConfig``
and calls it. ``editor = "none"`` gives the pass-through pipeline (I/O and timing only);
anything else gives track -> edit -> compose with the editor ``choose_backend`` picks.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

from streamfx.backends.base import EditorBackend
from streamfx.config import PipelineConfig
from streamfx.runtime.pipeline import Pipeline, passthrough_pipeline

log = logging.getLogger(__name__)


@dataclass
class Built:
    """A pipeline, the line saying which editor was picked and why, and that editor (None for
    the pass-through pipeline)."""

    pipeline: Pipeline
    reason: str
    backend: EditorBackend | None = None


def build_pipeline(config: PipelineConfig) -> Built:
    """Assemble the pipeline ``config`` describes; errors in the config or its style come out
    here, before any frame is read."""
    if config.editor.editor == "none":
        return Built(passthrough_pipeline(), "editor none: no editing (pass-through)")
    from streamfx.backends.select import choose_backend
    from streamfx.compose.compositor import Compositor
    from streamfx.face.tracker import FaceTracker
    from streamfx.runtime.stages import ComposeStage, EditStage, TrackStage

    t0 = time.perf_counter()
    choice = choose_backend(config.editor, mesh=config.mesh, temporal=config.temporal)
    face = config.face
    if not choice.backend.needs_crop:  # the editor reads the frame itself: no crop to resample
        face = dataclasses.replace(face, compute_crop=False)
    try:
        tracker = FaceTracker(config=face, temporal=config.temporal)
    except BaseException:
        choice.backend.close()
        raise
    stages = [
        TrackStage(tracker),
        EditStage(choice.backend),
        ComposeStage(Compositor(config.compose)),
    ]
    log.info("pipeline ready in %.2fs", time.perf_counter() - t0)
    return Built(Pipeline(stages), choice.reason, choice.backend)
