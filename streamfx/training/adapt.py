"""Few-shot adaptation (PAPER.md 4.5): fine-tune the prompt branch and E_t's normalisation layers
on about ten (input, edited) pairs, then write a style: the reference (one of the edits) and the
tuned tensors as ``delta.safetensors`` (only those tensors, so the file stays small).

Pairs folder: ``DIR/input/NAME.png`` and ``DIR/edited/NAME.png`` (aligned 512 crops, e.g. from
``streamfx dataset build``), and optionally ``DIR/dataset.json`` with their camera labels
(``"input/NAME.png"``); without it the frontal camera is used.

Losses (``adapt_config``): those of training with their released weights, target ``recon``, at
the pairs' cameras and a random one, LPIPS when weights are given (``lpips``; none given: no
LPIPS term and no notice), and no adversarial term (PAPER.md 4.5), whatever the step count.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from streamfx.errors import InputError
from streamfx.training.config import TrainConfig

#: what adapts: the prompt branch and E_t's LayerNorms
ADAPT_PREFIXES = ("encoder.Ref_encoder.",)


def adapt_names(editor: torch.nn.Module) -> list[str]:
    """Parameter names tuned by adaptation: the prompt branch + E_t's norm layers."""
    norms = []
    for mod_name, mod in editor.named_modules():
        if mod_name.startswith("encoder.Final_encoder") and isinstance(
            mod, (torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.BatchNorm2d)
        ):
            norms += [f"{mod_name}.{n}" for n, _ in mod.named_parameters()]
    ref = [n for n, _ in editor.named_parameters() if n.startswith(ADAPT_PREFIXES)]
    return ref + norms


class PairsDataset:
    """(input, edited) pairs; ``sample`` gives input, gt = its edit, ref = a random edit."""

    def __init__(self, root: str | Path) -> None:
        from streamfx.geometry.camera import camera_from_angles

        self.root = Path(root)
        inp, ed = self.root / "input", self.root / "edited"
        if not inp.is_dir() or not ed.is_dir():
            raise InputError(f"{self.root}: expected input/ and edited/ folders of PNG pairs")
        self.names = sorted(p.name for p in inp.glob("*.png") if (ed / p.name).is_file())
        if not self.names:
            raise InputError(f"{self.root}: no NAME.png in both input/ and edited/")
        labels: dict[str, Any] = {}
        if (self.root / "dataset.json").is_file():
            labels = dict(json.loads((self.root / "dataset.json").read_text())["labels"])
        frontal = np.asarray(camera_from_angles(0.0, 0.0), np.float32).reshape(25)
        self.labels = [
            np.asarray(labels.get(f"input/{n}", frontal), np.float32) for n in self.names
        ]

    def __len__(self) -> int:
        return len(self.names)

    def sample(self, index: int, gen: torch.Generator) -> dict[str, Any]:
        from streamfx.training.train import _read

        name = self.names[index]
        ref = self.names[int(torch.randint(len(self.names), (1,), generator=gen))]
        return {
            "input": _read(self.root / "input" / name),
            "gt": _read(self.root / "edited" / name),
            "ref": _read(self.root / "edited" / ref),
            "camera": self.labels[index],
        }


def adapt(
    pairs: str | Path,
    name: str,
    base: str | Path,
    *,
    steps: int = 200,
    lr: float = 1e-4,
    batch: int = 2,
    seed: int = 42,
    device: str = "cpu",
    teacher: str | Path | None = None,
    lpips: str | Path | None = None,
    work: str | Path | None = None,
    root: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    settings: TrainConfig | None = None,
    description: str = "",
    defaults: dict[str, float] | None = None,
) -> tuple[Any, Any]:
    """Adapt ``base`` weights to the pairs and write style ``name``; (style spec, TrainResult).
    ``teacher``: what lifts the edits to target triplanes, a Live3D-LT or 3DPE weights folder
    (default: frozen ``base``); ``lpips``: LPIPS weights (as ``streamfx train --lpips``);
    ``work``: keep the run folder (log.jsonl) there; ``settings``: loss weights to start from
    (see ``adapt_config``); ``description`` (default "adapted on N pairs") and ``defaults``
    (the style's ``[defaults]``): written into its style.toml.

    Before any step (a bad one is an error and nothing is written): the name (valid, and free
    under ``root`` unless ``force``), ``defaults``, the pairs, the reference (the first edit),
    the base and teacher weights and the LPIPS files."""
    import tempfile

    from safetensors.torch import save_file

    from streamfx.backends.styles_catalog import check_defaults
    from streamfx.styles_store import add_reference_style, check_free, read_image
    from streamfx.training.train import load_editor, train

    check_free(name, root, force)
    defaults = check_defaults(Path(f"{name}/style.toml"), defaults or {})
    data = PairsDataset(pairs)
    reference = data.root / "edited" / data.names[0]
    read_image(reference, f"pairs: edit {reference.name} (the style's reference)")
    editor = load_editor(str(base), "tiny")
    names = adapt_names(editor)
    with tempfile.TemporaryDirectory(prefix="streamfx-adapt-") as tmp:
        cfg = adapt_config(
            pairs, work or Path(tmp) / "run", names, steps=steps, lr=lr, batch=batch, seed=seed,
            device=device, teacher=teacher, lpips=lpips, progress=progress, settings=settings,
        )  # fmt: skip
        result = train(cfg, editor=editor, dataset=data, label="adapt")
        params = dict(editor.named_parameters())
        delta = Path(tmp) / "delta.safetensors"
        tensors = {n: params[n].detach().cpu().contiguous() for n in names}
        save_file(
            tensors, str(delta), metadata={"format": "streamfx-style-delta", "base": str(base)}
        )
        source = {
            "kind": "adapted", "pairs": str(Path(pairs).resolve()), "base": str(base),
            "steps": steps, "lr": lr, "seed": seed, "first_loss": result.first_loss,
            "last_loss": result.last_loss, "seconds": round(result.seconds, 2),
        }  # fmt: skip
        spec = add_reference_style(
            name,
            reference,
            description=description or f"adapted on {len(data)} pairs",
            defaults=defaults,
            source=source,
            delta=delta,
            root=root,
            force=force,
        )
    return spec, result


def adapt_config(
    pairs: str | Path,
    output: str | Path,
    names: list[str],
    *,
    steps: int = 200,
    lr: float = 1e-4,
    batch: int = 2,
    seed: int = 42,
    device: str = "cpu",
    teacher: str | Path | None = None,
    lpips: str | Path | None = None,
    progress: bool = True,
    settings: TrainConfig | None = None,
) -> TrainConfig:
    """The ``TrainConfig`` of an adaptation: ``settings`` (default: ``TrainConfig()``, the
    released loss weights) with the pairs, the run, the tuned ``names``, target ``recon`` and
    the arguments set, LPIPS on when weights are given (``lpips`` or ``settings.lpips``; else
    its weight 0: no term, no notice), and the adversarial term off (weight 0): the adaptation
    recipe (PAPER.md 4.5) has no GAN, whatever ``settings.adv_start``."""
    start = settings if settings is not None else TrainConfig()
    lp = str(lpips) if lpips else start.lpips
    return dataclasses.replace(
        start, data=str(pairs), output=str(output), steps=steps, batch=batch, lr=lr, seed=seed,
        device=device, target="recon", checkpoint_every=10**9, val_every=10**9, log_every=1,
        progress=progress, resume=False, trainable=tuple(names),
        teacher_weights=str(teacher) if teacher else start.teacher_weights,
        lpips=lp, lpips_weight=start.lpips_weight if lp else 0.0, adv_weight=0.0,
    )  # fmt: skip
