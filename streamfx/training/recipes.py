"""Training recipes for ``streamfx train --config NAME|FILE.toml``: named sets of ``TrainConfig``
values (preset, steps, batch, learning rates, loss weights, adversarial start, ...), or a TOML
file of the same keys (optionally ``base = "NAME"`` to start from a named one). Flags given on
the command line win over the recipe; what neither sets keeps ``TrainConfig``'s default (the
released recipe). Light: no torch import.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from streamfx.errors import ConfigError
from streamfx.training.config import WEIGHT_FIELDS, TrainConfig

#: what a recipe may set: every setting but the on/off switches (flags: --multiview, --resume,
#: --progress) and the trainable prefixes
RECIPE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.type != "bool" and f.name != "trainable"
)
_DEFAULTS = TrainConfig()
#: the released run's optimisation and loss settings (PAPER.md 4.2-4.4; TrainConfig's defaults)
RELEASED: dict[str, Any] = {
    name: getattr(_DEFAULTS, name)
    for name in ("batch", "lr", *WEIGHT_FIELDS, "adv_start", "d_lr", "r1_gamma", "r1_every")
}

RECIPES: dict[str, dict[str, Any]] = {
    # the released run: batch 2 per GPU (8 GPUs), lr 1e-4, GAN from 10k, checkpoints every 2000;
    # it trains 200 epochs, so set --steps for your dataset's size
    "3dpe": {**RELEASED, "preset": "3dpe", "target": "recon", "steps": 100_000,
             "disc_width": 512, "checkpoint_every": 2000, "val_every": 2000, "log_every": 200},
    # the real-time CPU student distilled from the full network (--teacher-weights)
    "student": {**RELEASED, "preset": "student", "target": "distil", "steps": 20_000,
                "disc_width": 128, "checkpoint_every": 2000, "val_every": 2000, "log_every": 50},
    # a smoke run: tiny preset, everything on within 200 steps
    "tiny": {**RELEASED, "preset": "tiny", "target": "recon", "steps": 200, "lr": 1e-3,
             "adv_start": 100, "disc_width": 32, "checkpoint_every": 100, "val_every": 100,
             "log_every": 10},
}  # fmt: skip


def _check_values(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Recipe keys and value types, strictly: ConfigError naming ``where`` and the key."""
    types = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in RECIPE_FIELDS:
            raise ConfigError(
                f"{where}: unknown key {key!r}; a recipe sets {', '.join(RECIPE_FIELDS)}"
                + (" (on/off switches are flags)" if key in types else "")
            )
        kind = types[key]
        if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        ok = {"int": int, "float": float}.get(kind, str)
        if not isinstance(value, ok) or isinstance(value, bool):
            raise ConfigError(f"{where}: key {key!r} expected {kind}, got {value!r}")
        out[key] = value
    return out


def load_recipe(spec: str) -> dict[str, Any]:
    """The values of recipe ``spec``: a name in ``RECIPES`` or a TOML file."""
    if spec in RECIPES:
        return dict(RECIPES[spec])
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(
            f"--config {spec}: expected a recipe name ({', '.join(RECIPES)}) or a TOML file; "
            "there is no such file"
        )
    from streamfx.config import read_toml

    data = dict(read_toml(path))
    base = data.pop("base", None)
    values: dict[str, Any] = {}
    if base is not None:
        if base not in RECIPES:
            raise ConfigError(f"{path}: base {base!r} is not a recipe ({', '.join(RECIPES)})")
        values = dict(RECIPES[base])
    values.update(_check_values(data, str(path)))
    return values


def build_config(recipe: str | None, given: dict[str, Any]) -> TrainConfig:
    """``TrainConfig`` from recipe ``recipe`` (or none), then the explicitly ``given`` values."""
    values = load_recipe(recipe) if recipe else {}
    return TrainConfig(**{**values, **given})


def recipe_toml(cfg: TrainConfig) -> str:
    """The recipe keys of ``cfg`` as TOML (what ``--print-config`` prints, ``--config`` reads);
    unset paths (None or empty) are left out."""
    import tomli_w

    values = {n: getattr(cfg, n) for n in RECIPE_FIELDS}
    return tomli_w.dumps({k: v for k, v in values.items() if v not in (None, "")})
