"""Styles: list, show, add (from a reference image, a text prompt or adapted to (input, edited)
pairs), remove, export, import, and render thumbnails. User styles live in the user styles
folder (``streamfx styles list`` prints where); built-in ones are package data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

_M = "streamfx.cli.styles"
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "list": (f"{_M}:ListCommand:run_list", "list the available styles"),
    "show": (f"{_M}:ShowCommand:run_show", "everything about one style"),
    "add": (
        f"{_M}:AddCommand:run_add",
        "make a style from a reference image (--reference), words (--text + --teacher) or "
        "by adapting the network to (input, edited) pairs (--pairs)",
    ),
    "remove": (f"{_M}:RemoveCommand:run_remove", "delete a user style"),
    "export": (f"{_M}:ExportCommand:run_export", "write a style to FILE.zip"),
    "import": (f"{_M}:ImportCommand:run_import", "install a style from FILE.zip"),
    "thumbnails": (f"{_M}:ThumbnailsCommand:run_thumbnails", "render thumbnail.png of styles"),
}
DEFAULT = "list"

_NAME = Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="NAME")]


@dataclass
class ListCommand:
    """``streamfx styles list``: one line per style; broken style folders are reported and
    skipped."""


@dataclass
class ShowCommand:
    """``streamfx styles show NAME``: the style's editor, files, parameters, defaults and how it
    was made."""

    name: _NAME = ""
    """Style name or style folder."""


@dataclass
class AddCommand:
    """``streamfx styles add NAME --reference IMG`` (an image prompt, the official form), or
    ``streamfx styles add NAME --text "..." --teacher DIR [--portrait IMG] [--candidates N]``: a
    diffusers image-editing pipeline (InstructPix2Pix by default) edits a portrait once and the
    edit becomes the reference; seed, guidance and teacher are recorded in style.toml. Or
    ``streamfx styles add NAME --pairs DIR [--base WEIGHTS] [--lpips WEIGHTS] [--steps N]``:
    few-shot adaptation (the same as ``streamfx adapt``) of the prompt branch and E_t's norm
    layers to about ten (input, edited) pairs, with a progress bar and the loss; the style keeps
    the first edit as its reference and the tuned tensors as delta.safetensors (applied by the
    3DPE editor on --engine torch)."""

    name: _NAME = ""
    """Name of the new style (letters, digits, - and _)."""
    reference: str | None = None
    """Reference image: a portrait in the target style (the 3DPE image prompt)."""
    text: str | None = None
    """Edit instruction, e.g. "turn him into a bronze statue" (needs --teacher)."""
    pairs: str | None = None
    """Folder of (input, edited) pairs to adapt to: input/NAME.png and edited/NAME.png (aligned
    512 crops, e.g. from streamfx dataset build; optional dataset.json camera labels)."""
    base: str | None = None
    """--pairs: the 3DPE weights folder to adapt (default: the installed weights, see streamfx
    weights)."""
    lpips: str | None = None
    """--pairs: LPIPS weights, as for streamfx adapt --lpips (a folder with alex.pth and
    alexnet-owt-7be5be79.pth, or one file); not given: no LPIPS term."""
    teacher: str | None = None
    """Local diffusers pipeline folder (with model_index.json) that edits the portrait."""
    portrait: str | None = None
    """Portrait the teacher edits (default: the bundled public-domain astronaut photo)."""
    candidates: int = 1
    """Edits to make (seeds seed, seed+1, ...); all are kept in candidates/ with a contact
    sheet."""
    pick: int = 1
    """Which candidate (1-based) becomes the reference."""
    seed: int | None = None
    """--text: seed of the first candidate (default 0); --pairs: seed of the sampling and random
    cameras (default 42, as streamfx adapt)."""
    steps: int | None = None
    """--text: denoising steps of the teacher (default 20); --pairs: optimiser steps (default
    200, as streamfx adapt)."""
    lr: float = 1e-4
    """--pairs: AdamW learning rate."""
    batch: int = 2
    """--pairs: pairs per step."""
    guidance: float = 7.5
    """Text guidance scale."""
    image_guidance: float = 1.5
    """Image guidance scale (InstructPix2Pix-style pipelines)."""
    size: int = 512
    """Side of the square portrait given to the teacher."""
    device: str = "cpu"
    """Where the teacher (--text) or the adaptation (--pairs) runs (cpu, cuda, cuda:N)."""
    description: str = ""
    """One line for listings."""
    strength: float | None = None
    """Default edit strength of the style, in [0, 1]."""
    pose_fraction: float | None = None
    """Default pose correction of the style (pull toward frontal), in [0, 1]."""
    smoothing: float | None = None
    """Default temporal smoothing of the style, in [0, 1]."""
    dir: str | None = None
    """Styles folder to write into (default: the user styles folder)."""
    force: bool = False
    """Replace an existing style of that name."""
    progress: bool = True
    """--pairs: a progress bar with the loss."""

    def defaults(self) -> dict[str, float]:
        """The ``[defaults]`` the options give (unset ones left out)."""
        from streamfx.styles_store import given_defaults

        return given_defaults(self.strength, self.pose_fraction, self.smoothing)


@dataclass
class RemoveCommand:
    """``streamfx styles remove NAME``: delete a user style (built-ins cannot be removed)."""

    name: _NAME = ""
    """User style to delete."""
    dir: str | None = None
    """Styles folder (default: the user styles folder)."""


@dataclass
class ExportCommand:
    """``streamfx styles export NAME -o FILE.zip``: the style folder as a zip."""

    name: _NAME = ""
    """Style name or style folder."""
    output: Annotated[str, tyro.conf.arg(aliases=("-o",))] = ""
    """The zip to write (never replaced without --force)."""
    force: bool = False
    """Replace an existing output file."""


@dataclass
class ImportCommand:
    """``streamfx styles import FILE.zip``: check every member, the style file and its
    reference, then install it; a bad zip changes nothing."""

    file: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="FILE.zip")] = ""
    """A zip written by ``streamfx styles export``."""
    dir: str | None = None
    """Styles folder to install into (default: the user styles folder)."""
    force: bool = False
    """Replace an existing style of that name."""


@dataclass
class ThumbnailsCommand:
    """``streamfx styles thumbnails [NAME...]``: render thumbnail.png for mesh styles."""

    names: Annotated[tuple[str, ...], tyro.conf.Positional, tyro.conf.arg(metavar="NAME")] = ()
    """Styles to render (default: all with a folder)."""
    size: int = 160
    """Thumbnail side in pixels."""
    out: str | None = None
    """Write NAME.png into this folder instead of the style folders."""


def _origin(spec) -> str:
    from streamfx.backends.styles_catalog import BUILTIN_STYLES, user_styles_dir

    if spec.folder is None:
        return "built-in (code)"
    if spec.folder.parent == BUILTIN_STYLES:
        return "built-in"
    if spec.folder.parent == user_styles_dir():
        return "user"
    return str(spec.folder.parent)


def run_list(cmd: ListCommand) -> int:
    from streamfx.backends.styles_catalog import catalog_problems, list_styles, user_styles_dir

    for spec in list_styles():
        print(f"{spec.name:<12} {spec.editor:<5} {_origin(spec):<10} {spec.description}")
    for problem in catalog_problems():
        print(f"skipped: {problem}")
    print(f"(user styles: {user_styles_dir()})")
    return 0


def run_show(cmd: ShowCommand) -> int:
    from streamfx.backends.styles_catalog import load_style

    spec = load_style(cmd.name)
    rows = [
        ("name", spec.name),
        ("editor", spec.editor),
        ("description", spec.description),
        ("origin", _origin(spec)),
        ("folder", spec.folder or "-"),
        ("effect", spec.effect),
        ("reference", spec.reference),
        ("delta", spec.delta),
        ("thumbnail", spec.thumbnail),
    ]
    for key, value in rows:
        if value is not None:
            print(f"{key:<12} {value}")
    for title, table in (("params", spec.params), ("defaults", spec.defaults)):
        for key, value in table.items():
            print(f"{title + '.' + key:<24} {value!r}")
    for key, value in spec.source.items():
        print(f"{'source.' + key:<24} {value!r}")
    return 0


def run_add(cmd: AddCommand) -> int:
    from dataclasses import replace

    from streamfx.errors import ConfigError
    from streamfx.styles_store import add_reference_style, check_name

    check_name(cmd.name)
    given = [cmd.reference is not None, cmd.text is not None, cmd.pairs is not None]
    if sum(given) != 1:
        raise ConfigError(
            "styles add: give exactly one of --reference IMG, --text TEXT or --pairs DIR"
        )
    for flag, value in (("--base", cmd.base), ("--lpips", cmd.lpips)):
        if value is not None and cmd.pairs is None:
            raise ConfigError(f"styles add: {flag} goes with --pairs")
    if cmd.pairs is not None:
        spec = _add_adapted(cmd)
    elif cmd.text is not None:
        from streamfx.styles_text import add_text_style

        steps = 20 if cmd.steps is None else cmd.steps
        spec = add_text_style(replace(cmd, steps=steps, seed=cmd.seed or 0))
    else:
        if cmd.teacher or cmd.portrait:
            raise ConfigError("styles add: --teacher and --portrait go with --text")
        spec = add_reference_style(
            cmd.name,
            cmd.reference,
            description=cmd.description,
            defaults=cmd.defaults(),
            source={"reference": str(cmd.reference)},
            root=cmd.dir,
            force=cmd.force,
        )
    print(f"style {spec.name!r} ({spec.editor}) written to {spec.folder}")
    return 0


def _add_adapted(cmd: AddCommand):
    """``styles add NAME --pairs DIR``: ``streamfx adapt``'s adaptation (``adapt_style``) with
    the style's description and [defaults]; the name, defaults, pairs and weights are checked
    before the (long) adaptation."""
    from streamfx.cli.adapt import adapt_style
    from streamfx.errors import ConfigError

    if cmd.teacher or cmd.portrait:
        raise ConfigError(
            "styles add: --teacher and --portrait go with --text (the weights that lift the "
            "edits of an adaptation: streamfx adapt --teacher WEIGHTS)"
        )
    options = {"steps": cmd.steps, "seed": cmd.seed}
    spec, _ = adapt_style(
        "styles add --pairs", cmd.pairs, cmd.name, cmd.base, lr=cmd.lr, batch=cmd.batch,
        device=cmd.device, lpips=cmd.lpips, root=cmd.dir, force=cmd.force,
        progress=cmd.progress, description=cmd.description, defaults=cmd.defaults(),
        **{k: v for k, v in options.items() if v is not None},
    )  # fmt: skip
    return spec


def run_remove(cmd: RemoveCommand) -> int:
    from streamfx.styles_store import remove_style

    folder = remove_style(cmd.name, cmd.dir)
    print(f"removed style {cmd.name!r} ({folder})")
    return 0


def run_export(cmd: ExportCommand) -> int:
    from streamfx.errors import ConfigError
    from streamfx.styles_store import export_style

    if not cmd.output:
        raise ConfigError("styles export: give the zip to write with -o FILE.zip")
    print(export_style(cmd.name, cmd.output, cmd.force))
    return 0


def run_import(cmd: ImportCommand) -> int:
    from streamfx.styles_store import import_style

    spec = import_style(cmd.file, cmd.dir, cmd.force)
    print(f"imported style {spec.name!r} ({spec.editor}) into {spec.folder}")
    return 0


def run_thumbnails(cmd: ThumbnailsCommand) -> int:
    from pathlib import Path

    from streamfx.backends.mesh.thumbnails import write_thumbnails

    out = Path(cmd.out) if cmd.out else None
    for path in write_thumbnails(list(cmd.names) or None, out, cmd.size):
        print(path)
    return 0
