"""``streamfx adapt --pairs DIR --name STYLE --base WEIGHTS``: few-shot adaptation of the prompt
branch and E_t's norm layers on about ten (input, edited) pairs; writes the style (reference +
delta.safetensors) and prints the time, the loss and its terms. The training losses, LPIPS when
--lpips weights are given, no adversarial term (PAPER.md 4.5). The name (valid and free), the
style's defaults, the pairs and the weights are checked before the first step.
``streamfx styles add NAME --pairs DIR`` runs the same (``adapt_style``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Command:
    """Few-shot adaptation to a new style from (input, edited) pairs."""

    pairs: str = ""
    """Folder with input/NAME.png and edited/NAME.png (optional dataset.json labels)."""
    name: str = ""
    """Name of the style to write."""
    base: str | None = None
    """Base 3DPE weights folder (default: the installed weights, see streamfx weights)."""
    teacher: str | None = None
    """What lifts the edits to target triplanes: a Live3D-LT folder (streamfx weights
    import-live3d) or 3DPE weights (default: a frozen copy of the base)."""
    lpips: str | None = None
    """LPIPS weights, as for streamfx train --lpips (a folder with alex.pth and
    alexnet-owt-7be5be79.pth, or one file); not given: no LPIPS term."""
    steps: int = 200
    """Optimiser steps."""
    lr: float = 1e-4
    """AdamW learning rate."""
    batch: int = 2
    """Pairs per step."""
    seed: int = 42
    """Seed of the sampling and random cameras."""
    device: str = "cpu"
    """cpu or cuda."""
    dir: str | None = None
    """Styles folder to write into (default: the user styles folder)."""
    force: bool = False
    """Replace an existing style of that name."""
    progress: bool = True
    """Progress bar with the loss."""
    description: str = ""
    """One line for listings (default: "adapted on N pairs")."""
    strength: float | None = None
    """Default edit strength of the style, in [0, 1]."""
    pose_fraction: float | None = None
    """Default pose correction of the style (pull toward frontal), in [0, 1]."""
    smoothing: float | None = None
    """Default temporal smoothing of the style, in [0, 1]."""

    def defaults(self) -> dict[str, float]:
        """The ``[defaults]`` the options give (unset ones left out)."""
        from streamfx.styles_store import given_defaults

        return given_defaults(self.strength, self.pose_fraction, self.smoothing)


def run(cmd: Command) -> int:
    from streamfx.errors import ConfigError

    if not cmd.pairs or not cmd.name:
        raise ConfigError("adapt: give --pairs DIR and --name STYLE")
    spec, _ = adapt_style(
        "adapt", cmd.pairs, cmd.name, cmd.base, steps=cmd.steps, lr=cmd.lr, batch=cmd.batch,
        seed=cmd.seed, device=cmd.device, teacher=cmd.teacher, lpips=cmd.lpips, root=cmd.dir,
        force=cmd.force, progress=cmd.progress, description=cmd.description,
        defaults=cmd.defaults(),
    )  # fmt: skip
    print(f"style {spec.name!r} ({spec.editor}) written to {spec.folder}")
    return 0


def adapt_style(what: str, pairs: str, name: str, base: str | None, **options):
    """The adaptation of ``streamfx adapt`` and ``streamfx styles add --pairs``: find the base
    weights (``base`` or the installed ones; ``what`` names the command in the error), run
    ``streamfx.training.adapt.adapt`` with ``options`` (which checks the name, defaults, pairs
    and weights before the first step), print the time, the loss and its terms; returns
    (style spec, TrainResult)."""
    from streamfx.backends.threedpe import WEIGHTS_HINT, find_weights
    from streamfx.errors import ModelFileError
    from streamfx.training.adapt import adapt

    found = find_weights(base)
    if found is None:
        raise ModelFileError(
            f"{what}: no 3DPE weights at {base or 'the usual places'}; {WEIGHTS_HINT} "
            "(or give --base WEIGHTS)"
        )
    spec, res = adapt(pairs, name, found, **options)
    print(
        f"adapted {res.step} steps in {res.seconds:.1f} s: loss {res.first_loss:.4f} -> "
        f"{res.last_loss:.4f}"
    )
    print(terms_line(res.terms))
    return spec, res


def terms_line(terms: list[str]) -> str:
    """The loss terms of an adaptation in one line (the random-camera copies folded)."""
    names = sorted({t.rsplit("/", 1)[-1] for t in terms})
    line = "loss terms: " + ", ".join(names)
    if any(t.startswith("mv/") for t in terms):
        line += " (also at a random camera)"
    if "lpips" not in names:
        line += "; no LPIPS (--lpips WEIGHTS adds it)"
    return line
