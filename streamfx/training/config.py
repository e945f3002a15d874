"""Settings of a training run (``streamfx train``): a plain dataclass, no torch import, so the
command line stays quick."""

from __future__ import annotations

from dataclasses import dataclass, field

from streamfx.errors import ConfigError

TRAINABLE = ("encoder.Final_encoder.", "encoder.Ref_encoder.")


@dataclass
class TrainConfig:
    """Settings of a training run (also the ``streamfx train`` flags)."""

    data: str = ""
    """Dataset folder (official layout: dataset.json, <chunk>/, <chunk>_<style>/)."""
    output: str = ""
    """Run folder: checkpoints/, val/, log.jsonl, final/."""
    preset: str = "tiny"
    """Student preset (3dpe, student, tiny) when --weights is not given."""
    weights: str | None = None
    """Student start: a converted weights folder (config.json + model.safetensors)."""
    teacher_weights: str | None = None
    """Teacher weights folder (default: a frozen copy of the student's start)."""
    target: str = "recon"
    """recon (teacher lifts the 2-D edit) or distil (teacher runs on input + ref)."""
    steps: int = 1000
    """Optimiser steps in all."""
    batch: int = 2
    """Samples per step and process."""
    lr: float = 1e-4
    """AdamW learning rate (betas 0.9/0.999, weight decay 0.01)."""
    warmup: int = 0
    """Linear warm-up steps of the learning rate (0: constant, as released)."""
    seed: int = 42
    """Seed of the data order, the samples' styles and references and the random cameras."""
    multiview: bool = True
    """Also compare renders at a random camera."""
    checkpoint_every: int = 2000
    """Steps between checkpoints (and one at the end)."""
    val_every: int = 2000
    """Steps between validation renders (val/step_N.png)."""
    log_every: int = 10
    """Steps between lines in log.jsonl."""
    resume: bool = False
    """Continue from OUTPUT/checkpoints/latest.pt."""
    device: str = "cpu"
    """cpu or cuda (under torchrun: cuda:LOCAL_RANK)."""
    progress: bool = True
    """Progress bar with the loss."""
    trainable: tuple[str, ...] = field(default_factory=lambda: TRAINABLE)
    """Parameter-name prefixes that train (the paper's set: E_t and the prompt branch)."""

    def check(self) -> None:
        """ConfigError on bad settings."""
        if not self.data or not self.output:
            raise ConfigError("train: give the dataset with --data DIR and the run folder -o DIR")
        if self.target not in ("recon", "distil"):
            raise ConfigError(f"--target: expected recon or distil, got {self.target!r}")
        for name in ("steps", "batch"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--{name}: expected >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ConfigError(f"--lr: expected > 0, got {self.lr}")
