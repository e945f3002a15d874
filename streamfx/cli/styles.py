"""``streamfx styles list|thumbnails``: the style catalog."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``streamfx styles``."""
    p = sub.add_parser("styles", help="list styles or render their thumbnails")
    ssub = p.add_subparsers(dest="styles_command", metavar="ACTION")
    ls = ssub.add_parser("list", help="list the available styles")
    ls.set_defaults(func=run_list)
    th = ssub.add_parser("thumbnails", help="render thumbnail.png for mesh styles")
    th.add_argument("names", nargs="*", help="styles to render (default: all with a folder)")
    th.add_argument("--size", type=int, default=160, help="thumbnail side in pixels")
    th.add_argument("--out", type=Path, default=None, help="write NAME.png here instead")
    th.set_defaults(func=run_thumbnails)
    p.set_defaults(func=run_list)
    return p


def run_list(args: argparse.Namespace) -> int:
    """Print one line per style."""
    from streamfx.backends.styles_catalog import list_styles

    for spec in list_styles():
        where = str(spec.folder) if spec.folder else "built-in"
        print(f"{spec.name:<12} {spec.editor:<5} {spec.description}  [{where}]")
    return 0


def run_thumbnails(args: argparse.Namespace) -> int:
    """Render thumbnails and print where they went."""
    from streamfx.backends.mesh.thumbnails import write_thumbnails

    for path in write_thumbnails(args.names or None, args.out, args.size):
        print(path)
    return 0
