"""``streamfx train``: the 3DPE distillation recipe (E_t + prompt branch, AdamW, the released loss
terms) with exact resume, validation renders and a loss log; multi-GPU and multi-node through
``torchrun --nproc_per_node=N -m streamfx.cli.main train ...`` (DDP; gloo on CPU)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import tyro

from streamfx.training.config import TrainConfig


@dataclass
class Command(TrainConfig):
    """``streamfx train --data DIR -o RUN [--preset tiny|student|3dpe] [--weights DIR]``."""

    output: Annotated[str, tyro.conf.arg(aliases=("-o",))] = ""
    """Run folder: checkpoints/, val/, log.jsonl, final/ (the trained weights folder)."""


def run(cmd: Command) -> int:
    import dataclasses

    from streamfx.training.train import train

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{n: getattr(cmd, n) for n in names})
    result = train(cfg)
    import os

    if int(os.environ.get("RANK", 0)) == 0:
        print(
            f"step {result.step}: loss {result.first_loss} -> {result.last_loss} "
            f"({result.seconds:.1f} s; terms {', '.join(result.terms)})"
        )
        print(f"weights: {result.output / 'final'}; log: {result.output / 'log.jsonl'}")
    return 0
