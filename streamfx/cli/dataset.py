"""Training data: ``streamfx dataset build INPUTS... -o DIR`` makes the official 3DPE layout
(aligned 512x512 crops + dataset.json with the 25-number camera labels) from photos and videos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

from streamfx.training.dataset import BuildOptions

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "build": (
        "streamfx.cli.dataset:BuildCommand:run_build",
        "photos/videos -> aligned crops + dataset.json (resumable)",
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
