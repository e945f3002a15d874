"""Training data: ``streamfx dataset build INPUTS... -o DIR`` makes the official 3DPE layout
(aligned 512x512 crops + dataset.json with the 25-number camera labels) from photos and videos;
``streamfx dataset teach DIR --style NAME --text "..."`` fills its ``<chunk>_<style>/`` folders
with a 2-D editor's edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

from streamfx.training.dataset import BuildOptions
from streamfx.training.teachers import TeachOptions

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "build": (
        "streamfx.cli.dataset:BuildCommand:run_build",
        "photos/videos -> aligned crops + dataset.json (resumable)",
    ),
    "teach": (
        "streamfx.cli.dataset:TeachCommand:run_teach",
        "a 2-D editor (InstructPix2Pix) edits every crop into <chunk>_<style>/ (resumable)",
    ),
}


@dataclass
class BuildCommand(BuildOptions):
    """``streamfx dataset build INPUTS... -o DIR``: track faces in photos, folders of photos,
    videos (or ``demo``), keep EG3D-aligned 512x512 crops with their camera labels, skip
    near-duplicate frames and report the faces rejected (too small, too turned, blurred).
    Rerunning the same command continues an interrupted build."""

    inputs: Annotated[tuple[str, ...], tyro.conf.Positional, tyro.conf.arg(metavar="INPUT")] = ()
    """Photos, folders of photos, videos or ``demo``."""
    output: Annotated[str, tyro.conf.arg(aliases=("-o",))] = ""
    """The dataset folder (created; an interrupted build there is continued)."""
    no_progress: bool = False
    """No progress bar."""


def run_build(cmd: BuildCommand) -> int:
    import dataclasses
    import time

    from streamfx.errors import ConfigError
    from streamfx.training.dataset import build_dataset

    if not cmd.output:
        raise ConfigError("dataset build: give the dataset folder with -o DIR")
    names = {f.name for f in dataclasses.fields(BuildOptions)}
    opts = BuildOptions(**{n: getattr(cmd, n) for n in names})
    t0 = time.perf_counter()
    report = build_dataset(list(cmd.inputs), cmd.output, opts, progress=not cmd.no_progress)
    for line in report.lines():
        print(line)
    print(f"{cmd.output}: dataset.json + crops ({time.perf_counter() - t0:.1f} s)")
    return 0


@dataclass
class TeachCommand(TeachOptions):
    """``streamfx dataset teach DIR --style NAME --text "..." [--teacher DIR2D] [--batch N]
    [--seed S]``: run a 2-D editor (a local diffusers edit pipeline, InstructPix2Pix by default)
    over every crop of the dataset in batches and write the edits to ``<chunk>_<style>/`` with
    the same file names. Crop i is seeded seed + i; edits already there are skipped, so rerunning
    the same command continues an interrupted pass."""

    root: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="DIR")] = ""
    """The dataset folder (from `streamfx dataset build`)."""
    no_progress: bool = False
    """No progress bar."""


def run_teach(cmd: TeachCommand) -> int:
    import dataclasses

    from streamfx.errors import ConfigError
    from streamfx.training.teachers import teach_dataset

    if not cmd.root:
        raise ConfigError("dataset teach: give the dataset folder (from `streamfx dataset build`)")
    names = {f.name for f in dataclasses.fields(TeachOptions)}
    opts = TeachOptions(**{n: getattr(cmd, n) for n in names})
    report = teach_dataset(cmd.root, opts, progress=not cmd.no_progress)
    for line in report.lines():
        print(line)
    return 0
