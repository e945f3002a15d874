"""``streamfx weights list|fetch|path|import|inspect``: model files and checkpoint conversion."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from streamfx.errors import DependencyError, ModelFileError

CONVERTER = "streamfx.editor.convert"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("weights", help="list, fetch, locate, import or inspect model files")
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    wsub.add_parser("list", help="the known model files and where they are").set_defaults(
        func=run_list
    )
    f = wsub.add_parser(
        "fetch", aliases=["download"], help="download (resumable, hash-checked) into the cache"
    )
    f.add_argument("names", nargs="+", metavar="NAME")
    f.add_argument("--no-progress", action="store_true")
    f.set_defaults(func=run_fetch)
    q = wsub.add_parser("path", help="print the local path of a model file (no download)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=run_path)
    i = wsub.add_parser("import", help="convert an official checkpoint to streamfx's format")
    i.add_argument("src", type=Path, metavar="SRC")
    i.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write (default: the user cache's 3dpe folder, found from any directory)",
    )
    i.set_defaults(func=run_import)
    n = wsub.add_parser("inspect", help="describe a checkpoint (keys, shapes, config)")
    n.add_argument("path", type=Path, metavar="PATH")
    n.set_defaults(func=run_inspect)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return p


def _size(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:.1f} MiB"


def run_list(args: argparse.Namespace) -> int:
    """``streamfx weights list``: known model files and where they are."""
    from streamfx import modelfiles

    for name in modelfiles.names():
        entry = modelfiles.get(name)
        path = modelfiles.locate(name)
        where = str(path) if path else "missing"
        print(f"{name:<28}{_size(entry.size):>11}  {entry.licence or '?':<12} {where}")
        if entry.description:
            print(f"    {entry.description}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    """``streamfx weights fetch NAME...``: download into the cache (resumable, hash-checked)."""
    from streamfx import modelfiles

    for name in args.names:
        print(modelfiles.ensure(name, progress=not args.no_progress))
    return 0


def run_path(args: argparse.Namespace) -> int:
    """``streamfx weights path NAME``: the local path, without downloading."""
    from streamfx import modelfiles

    path = modelfiles.locate(args.name)
    if path is None:
        raise ModelFileError(
            f"{args.name} is not on this machine; run: streamfx weights fetch {args.name}"
        )
    print(path)
    return 0


def _converter():
    try:
        return importlib.import_module(CONVERTER)
    except ModuleNotFoundError as exc:
        if exc.name and CONVERTER.startswith(exc.name):
            raise DependencyError(
                f"checkpoint conversion is not available: {CONVERTER} is not part of this install"
            ) from None
        raise


def run_import(args: argparse.Namespace) -> int:
    """``streamfx weights import SRC [-o DIR]``: strict conversion to our format."""
    if args.output is None:
        from streamfx.modelfiles import cache_dir

        args.output = cache_dir() / "3dpe"
    out = _converter().import_official(args.src, args.output)
    print(out)
    return 0


def run_inspect(args: argparse.Namespace) -> int:
    """``streamfx weights inspect PATH``: keys, shapes and whether it matches 3dpe."""
    print(_converter().inspect_checkpoint(args.path))
    return 0
