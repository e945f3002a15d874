"""The style catalog: list the styles, or render their thumbnails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

_M = "streamfx.cli.styles"
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "list": (f"{_M}:ListCommand:run_list", "list the available styles"),
    "thumbnails": (f"{_M}:ThumbnailsCommand:run_thumbnails", "render thumbnail.png of styles"),
}
DEFAULT = "list"


@dataclass
class ListCommand:
    """``streamfx styles list``: one line per style; broken style folders are reported and
    skipped."""


@dataclass
class ThumbnailsCommand:
    """``streamfx styles thumbnails [NAME...]``: render thumbnail.png for mesh styles."""

    names: Annotated[tuple[str, ...], tyro.conf.Positional, tyro.conf.arg(metavar="NAME")] = ()
    """Styles to render (default: all with a folder)."""
    size: int = 160
    """Thumbnail side in pixels."""
    out: str | None = None
    """Write NAME.png into this folder instead of the style folders."""


def run_list(cmd: ListCommand) -> int:
    from streamfx.backends.styles_catalog import catalog_problems, list_styles

    for spec in list_styles():
        where = str(spec.folder) if spec.folder else "built-in"
        print(f"{spec.name:<12} {spec.editor:<5} {spec.description}  [{where}]")
    for problem in catalog_problems():
        print(f"skipped: {problem}")
    return 0


def run_thumbnails(cmd: ThumbnailsCommand) -> int:
    from pathlib import Path

    from streamfx.backends.mesh.thumbnails import write_thumbnails

    out = Path(cmd.out) if cmd.out else None
    for path in write_thumbnails(list(cmd.names) or None, out, cmd.size):
        print(path)
    return 0
