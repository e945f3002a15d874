"""``streamfx train``: the 3DPE distillation recipe (E_t + prompt branch, AdamW, the released loss
terms and weights, the adversarial term with R1 from step 10k, LPIPS with local weights) with
exact resume, validation renders and a loss log; multi-GPU and multi-node through
``torchrun --nproc_per_node=N -m streamfx.cli.main train ...`` (DDP; gloo on CPU).

``--config NAME|FILE.toml`` starts from a training recipe (tiny, student, 3dpe, or a TOML file
of the same keys, e.g. from --print-config); flags given on the command line win over it."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any

import tyro

from streamfx.training.config import TrainConfig
from streamfx.training.recipes import RECIPE_FIELDS, RECIPES


def _recipe_flag(f: dataclasses.Field, typ: Any) -> tuple[str, Any, dataclasses.Field]:
    """``TrainConfig`` field ``f`` as a flag that defaults to "not given" (None), so that a
    recipe's value applies unless the flag is on the command line; the help shows the default."""
    base = [a for a in typing.get_args(typ) if a is not type(None)] or [typ]
    arg = tyro.conf.arg(
        aliases=("-o",) if f.name == "output" else (),
        metavar=getattr(base[0], "__name__", "VALUE").upper(),
        help_behavior_hint=f"(default: {f.default!r}, or the --config recipe's)",
    )
    return f.name, Annotated[base[0] | None, arg], dataclasses.field(default=None)


def _command_class() -> type:
    """``Command``: TrainConfig's fields (help = their docstrings), the recipe keys as optional
    flags, plus --config and --print-config."""
    hints = typing.get_type_hints(TrainConfig)
    fields: list[Any] = [
        _recipe_flag(f, hints[f.name])
        for f in dataclasses.fields(TrainConfig)
        if f.name in RECIPE_FIELDS
    ]
    names = ", ".join(RECIPES)
    config_help = (
        f"Training recipe: a name ({names}) or a TOML file of the same keys (optionally "
        "base = NAME); flags given on the command line win over it. Not a pipeline config."
    )
    fields.append(
        ("config", Annotated[str | None, tyro.conf.arg(help=config_help, metavar="NAME|FILE")],
         dataclasses.field(default=None))
    )  # fmt: skip
    fields.append(
        ("print_config", Annotated[bool, tyro.conf.arg(
            help="Print the effective recipe (every weight and setting) as TOML and exit.")],
         dataclasses.field(default=False))
    )  # fmt: skip
    cls = dataclasses.make_dataclass("Command", fields, bases=(TrainConfig,))
    cls.__module__ = __name__
    cls.__doc__ = "``streamfx train --data DIR -o RUN [--config tiny|student|3dpe|FILE.toml]``."
    return cls


Command = _command_class()


def config_of(cmd: Any) -> TrainConfig:
    """The run's ``TrainConfig``: the recipe of ``--config``, then the flags given."""
    from streamfx.training.recipes import build_config

    given = {n: getattr(cmd, n) for n in RECIPE_FIELDS if getattr(cmd, n) is not None}
    switches = {f.name: getattr(cmd, f.name) for f in dataclasses.fields(TrainConfig)
                if f.name not in RECIPE_FIELDS}  # fmt: skip
    return build_config(cmd.config, {**given, **switches})


def run(cmd: Any) -> int:
    import os

    cfg = config_of(cmd)
    if cmd.print_config:
        from streamfx.training.recipes import recipe_toml

        cfg.check_recipe()
        print(recipe_toml(cfg), end="")
        return 0
    from streamfx.training.train import train

    result = train(cfg)
    if int(os.environ.get("RANK", 0)) == 0:
        print(
            f"step {result.step}: loss {result.first_loss} -> {result.last_loss} "
            f"({result.seconds:.1f} s; terms {', '.join(result.terms)})"
        )
        print(f"weights: {result.output / 'final'}; log: {result.output / 'log.jsonl'}")
    return 0
