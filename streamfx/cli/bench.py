"""``streamfx bench NAME``: benchmarks that print tables.

Each benchmark module defines ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib

BENCHES: dict[str, tuple[str, str]] = {
    # name -> (module, one-line help)
    "editor": ("streamfx.editor.bench", "3DPE network: per-module time and FLOPs for one frame"),
    "face": ("streamfx.face.bench", "face tracking, alignment and compositing speed/stability"),
    "mesh": ("streamfx.backends.mesh.bench", "mesh editor: lift + style + render + composite fps"),
    "pipeline": ("streamfx.runtime.bench", "the whole live pipeline on the demo source"),
}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("bench", help="run a benchmark and print a table")
    bsub = p.add_subparsers(dest="bench", metavar="NAME")
    for name, (module, help_) in BENCHES.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):  # not built yet
                continue
            raise
        bp = bsub.add_parser(name, help=help_)
        mod.add_arguments(bp)
        bp.set_defaults(func=mod.run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return p
