"""Model files and checkpoint conversion: list, fetch, locate, import, inspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

from streamfx.errors import ModelFileError

Positional = tyro.conf.Positional
_M = "streamfx.cli.weights"
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "list": (f"{_M}:ListCommand:run_list", "the known model files and where they are"),
    "fetch": (f"{_M}:FetchCommand:run_fetch", "download (resumable, hash-checked) into the cache"),
    "path": (f"{_M}:PathCommand:run_path", "print the local path of a model file (no download)"),
    "import": (f"{_M}:ImportCommand:run_import", "convert an official checkpoint to our format"),
    "import-live3d": (
        f"{_M}:ImportLive3DCommand:run_import_live3d",
        "convert the Live3D-LT teacher (encoder_render_LT_90000.pt) to our format",
    ),
    "inspect": (f"{_M}:InspectCommand:run_inspect", "describe a checkpoint (keys, shapes)"),
}
ALIASES = {"download": "fetch"}


@dataclass
class ListCommand:
    """``streamfx weights list``: the known model files and where they are."""


@dataclass
class FetchCommand:
    """``streamfx weights fetch NAME...``: download into the cache (resumable, hash-checked)."""

    names: Annotated[tuple[str, ...], Positional, tyro.conf.arg(metavar="NAME")] = ()
    """Model files to fetch (see ``streamfx weights list``)."""
    progress: bool = True
    """Show a progress bar."""


@dataclass
class PathCommand:
    """``streamfx weights path NAME``: the local path of a model file, without downloading."""

    name: Annotated[str, Positional, tyro.conf.arg(metavar="NAME")] = tyro.MISSING
    """A model file name."""


@dataclass
class ImportCommand:
    """``streamfx weights import SRC [-o DIR]``: strict conversion of the official checkpoint
    to streamfx's format (config.json + model.safetensors)."""

    src: Annotated[str, Positional, tyro.conf.arg(metavar="SRC")] = tyro.MISSING
    """The official 3DPE checkpoint (.pt)."""
    output: Annotated[str | None, tyro.conf.arg(aliases=("-o",), metavar="DIR")] = None
    """Where to write (default: the user cache's 3dpe folder, found from any directory)."""


@dataclass
class ImportLive3DCommand:
    """``streamfx weights import-live3d FILE [-o DIR]``: strict conversion of the official
    Live3D-LT weights (the distillation teacher) through an explicit key map to a weights folder
    (config.json + model.safetensors); unknown, missing or mis-shaped keys are listed."""

    src: Annotated[str, Positional, tyro.conf.arg(metavar="FILE")] = tyro.MISSING
    """The official Live3D-LT checkpoint (encoder_render_LT_90000.pt)."""
    output: Annotated[str | None, tyro.conf.arg(aliases=("-o",), metavar="DIR")] = None
    """Where to write (default: the user cache's live3d-lt folder); never overwritten."""
    preset: str = "3dpe"
    """The network widths the checkpoint must match (3dpe is Live3D-LT's)."""


@dataclass
class InspectCommand:
    """``streamfx weights inspect PATH``: keys, shapes and whether it matches 3dpe."""

    path: Annotated[str, Positional, tyro.conf.arg(metavar="PATH")] = tyro.MISSING
    """A checkpoint file or a converted weights folder."""


def _size(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:.1f} MiB"


def run_list(cmd: ListCommand) -> int:
    from streamfx import modelfiles

    for name in modelfiles.names():
        entry = modelfiles.get(name)
        path = modelfiles.locate(name)
        where = str(path) if path else "missing"
        print(f"{name:<28}{_size(entry.size):>11}  {entry.licence or '?':<12} {where}")
        if entry.description:
            print(f"    {entry.description}")
    return 0


def run_fetch(cmd: FetchCommand) -> int:
    from streamfx import modelfiles
    from streamfx.errors import ConfigError

    if not cmd.names:
        raise ConfigError(f"name a model file to fetch; known: {', '.join(modelfiles.names())}")
    for name in cmd.names:
        print(modelfiles.ensure(name, progress=cmd.progress))
    return 0


def run_path(cmd: PathCommand) -> int:
    from streamfx import modelfiles

    path = modelfiles.locate(cmd.name)
    if path is None:
        raise ModelFileError(
            f"{cmd.name} is not on this machine; run: streamfx weights fetch {cmd.name}"
        )
    print(path)
    return 0


def run_import(cmd: ImportCommand) -> int:
    from pathlib import Path

    from streamfx.editor.convert import import_official
    from streamfx.modelfiles import cache_dir

    output = Path(cmd.output) if cmd.output else cache_dir() / "3dpe"
    print(import_official(Path(cmd.src), output))
    return 0


def run_import_live3d(cmd: ImportLive3DCommand) -> int:
    from pathlib import Path

    from streamfx.editor.live3d_lt import import_live3d
    from streamfx.modelfiles import cache_dir

    output = Path(cmd.output) if cmd.output else cache_dir() / "live3d-lt"
    print(import_live3d(Path(cmd.src), output, cmd.preset))
    return 0


def run_inspect(cmd: InspectCommand) -> int:
    from pathlib import Path

    from streamfx.editor.convert import inspect_checkpoint

    print(inspect_checkpoint(Path(cmd.path)))
    return 0
