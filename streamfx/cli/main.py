"""Entry point of the ``streamfx`` command: a small registry of subcommand modules.

Each subcommand module defines ``add_parser(subparsers) -> argparse.ArgumentParser`` and sets
``func`` (``args -> int``) on it with ``set_defaults``. Modules are imported when the command line
is built, so keep their top-level imports light (import torch/mediapipe inside ``func``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from streamfx import __version__
from streamfx.errors import StreamfxError

COMMANDS: dict[str, str] = {
    "camera": "streamfx.cli.camera",
    "edit": "streamfx.cli.edit",
    "demo": "streamfx.cli.demo",
    "doctor": "streamfx.cli.doctor",
    "bench": "streamfx.cli.bench",
    "weights": "streamfx.cli.weights",
    "styles": "streamfx.cli.styles",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser from the registered subcommand modules."""
    parser = argparse.ArgumentParser(
        prog="streamfx", description="Real-time 3D-aware portrait editing (3DPE)."
    )
    parser.add_argument("--version", action="version", version=f"streamfx {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):  # command not built yet
                continue
            raise
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except StreamfxError as exc:
        print(f"streamfx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"streamfx {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen failure: one line, not a traceback
        if os.environ.get("STREAMFX_DEBUG"):
            traceback.print_exc()
        print(
            f"streamfx {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(run with STREAMFX_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
