"""Building the pipeline the commands run, in one place.

``make_pipeline(args)`` calls ``streamfx.runtime.stages.build_pipeline(args)`` (tracking,
editing, compositing) when that module exists, else the pass-through pipeline. ``--editor none``
always gives the pass-through pipeline (I/O checks and timing without an editor).
"""

from __future__ import annotations

import argparse
import importlib

from streamfx.runtime.pipeline import Pipeline, passthrough_pipeline

EDITORS = ("auto", "3dpe", "mesh", "none")


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every pipeline-running command shares (read by ``build_pipeline``)."""
    g = parser.add_argument_group("editing")
    g.add_argument(
        "--editor",
        choices=EDITORS,
        default="auto",
        help="auto: 3dpe for a 3dpe prompt (reference image), else mesh; "
        "none: no editing (pass-through)",
    )
    g.add_argument("--style", default=None, metavar="NAME", help="style preset name or image")
    g.add_argument("--weights", default=None, metavar="PATH", help="editor weights (3dpe)")
    g.add_argument("--device", default="cpu", help="torch device for the editor (cpu, cuda)")
    g.add_argument("--max-faces", type=int, default=4, help="faces edited per frame at most")


def make_pipeline(args: argparse.Namespace) -> Pipeline:
    """The pipeline for ``args``: ``build_pipeline(args)`` if available, else pass-through."""
    if getattr(args, "editor", "auto") == "none":
        return passthrough_pipeline()
    try:
        stages = importlib.import_module("streamfx.runtime.stages")
    except ModuleNotFoundError as exc:
        if exc.name == "streamfx.runtime.stages":
            print("streamfx: no editor stages installed; running the pass-through pipeline")
            return passthrough_pipeline()
        raise
    return stages.build_pipeline(args)
