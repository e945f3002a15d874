"""Settings of a training run (``streamfx train``): a plain dataclass, no torch import, so the
command line stays quick. The defaults are the released 3DPE recipe (PAPER.md 4.2-4.4); named
recipes and TOML recipe files (``--config``) are in ``streamfx.training.recipes``."""

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
    """Student start: a converted 3DPE weights folder (config.json + model.safetensors), or a
    Live3D-LT folder (the released recipe's start: its encoder and renderer, the prompt branch
    fresh)."""
    teacher_weights: str | None = None
    """Teacher: a Live3D-LT folder (streamfx weights import-live3d; the released recipe's, for
    --target recon) or a 3DPE weights folder (default: a frozen copy of the student's start)."""
    target: str = "recon"
    """recon (the teacher lifts the 2-D edit: Live3D-LT reconstructs it; a 3DPE teacher takes it
    as its own prompt) or distil (a 3DPE teacher runs on input + ref)."""
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
    tri_weight: float = 1.0
    """Weight of the triplane L1 (student vs teacher triplane, when their shapes agree)."""
    image_weight: float = 1.0
    """Weight of the image L1 (super-resolved renders)."""
    raw_weight: float = 1.0
    """Weight of the raw-image L1 (the volume renders before super-resolution)."""
    depth_weight: float = 0.5
    """Weight of the depth L1."""
    feature_weight: float = 0.0
    """Weight of the feature-image L1 (0 as released: off; only when the channels agree)."""
    lpips_weight: float = 2.0
    """Weight of LPIPS on the image and on the raw image (released run 2.0; needs --lpips)."""
    lpips: str | None = None
    """LPIPS weights: a folder with the linear heads (alex.pth or vgg.pth from the lpips
    package's lpips/weights/v0.1/) and torchvision's backbone file (alexnet-owt-7be5be79.pth or
    vgg16-397923af.pth), or one file with both; not given: no LPIPS term."""
    lpips_net: str = "alex"
    """LPIPS backbone: alex (the recipe's) or vgg."""
    adv_weight: float = 0.025
    """Weight of the adversarial term softplus(-D(student image + ref, camera)); 0: no GAN."""
    adv_start: int = 10000
    """First step (1-based) with the adversarial term and discriminator updates."""
    d_lr: float = 1e-5
    """Discriminator learning rate (Adam, betas 0.5/0.999)."""
    r1_gamma: float = 1.0
    """R1 penalty gamma on the real inputs (the 2-D edit and the reference)."""
    r1_every: int = 1
    """R1 every N discriminator steps, scaled by N (1 as released; EG3D's lazy R1 uses 16)."""
    disc_width: int = 0
    """Discriminator's widest layer (EG3D: 512); 0: by the student's preset (3dpe 512,
    student 128, tiny 32)."""

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
        self.check_recipe()

    def check_recipe(self) -> None:
        """ConfigError on bad loss and discriminator settings (also without --data/-o)."""
        for name in WEIGHT_FIELDS + ("r1_gamma",):
            value = getattr(self, name)
            if not value >= 0:  # also NaN
                raise ConfigError(f"--{_flag(name)}: expected >= 0, got {value}")
        for name in ("adv_start", "r1_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--{_flag(name)}: expected >= 1, got {getattr(self, name)}")
        if not self.d_lr > 0:
            raise ConfigError(f"--d-lr: expected > 0, got {self.d_lr}")
        if self.disc_width < 0:
            raise ConfigError(f"--disc-width: expected >= 0 (0: by preset), got {self.disc_width}")
        if self.lpips_net not in ("alex", "vgg"):
            raise ConfigError(f"--lpips-net: expected alex or vgg, got {self.lpips_net!r}")


#: the loss weights (each logged term's weight, see ``TrainConfig``)
WEIGHT_FIELDS = ("tri_weight", "image_weight", "raw_weight", "depth_weight", "feature_weight",
                 "lpips_weight", "adv_weight")  # fmt: skip


def _flag(name: str) -> str:
    return name.replace("_", "-")
