"""The 3DPE distillation loop (PAPER.md section 4), single process or DDP under ``torchrun``.

Data: the official layout (``dataset.json`` + ``<chunk>/`` inputs + ``<chunk>_<style>/`` edits of
the same file names). A sample is (input, gt = the same image edited in a random style of its
chunk, ref = a random image of that style folder, camera = the input's label).

Networks: the student ``PortraitEditor`` (any preset; ``--weights`` or random init) trains only
E_t (``Final_encoder``) and the prompt branch (``Ref_encoder``: MAE + cross-attention) with
AdamW. ``--weights`` may also name a Live3D-LT folder: as released, the student then starts from
it loaded non-strictly (``student_from_live3d``: encoder and renderer from it, the prompt branch
and cross-attention fresh). The teacher is frozen (``load_teacher``): ``--teacher-weights``
names either a Live3D-LT folder (``streamfx weights import-live3d``; the released recipe's
``rec_net``) or a 3DPE weights folder; without it, a frozen copy of the student's start.
Targets: ``recon`` lifts the 2-D edit gt: with Live3D-LT exactly as released, triplane
``reconstruct(gt)`` and its renders; with a 3DPE teacher, the edit as its own prompt (a
stand-in). ``distil`` runs a 3DPE teacher on (input, ref) (distilling e.g. the CPU ``student``
preset from the full network); Live3D-LT has no prompt branch, so it cannot be a ``distil``
teacher (``check_teacher``).

Loss (``streamfx.training.losses``; released weights, each a setting): triplane L1 1.0 (when
the shapes agree), image L1 1.0, raw L1 1.0, depth L1 0.5, feature L1 0, LPIPS 2.0 on the image
and the raw image when ``--lpips`` weights are given, all at the input camera and again at a
random camera (yaw +-49 deg, pitch +-26 deg); from step ``adv_start`` (10k) the adversarial
term 0.025 against a camera-conditioned discriminator on (image ⊕ reference) trained with the
non-saturating loss and R1 (``streamfx.training.discriminator``). Its real images are the 2-D
edits (``recon``) or the teacher's renders (``distil``).

Exact resume: the data order is a permutation per epoch from (seed, epoch), each sample's style
and reference from (seed, epoch, index), each step's random camera from (seed, step); a
checkpoint holds the trainable weights, optimiser, scheduler, the discriminator and its
optimiser, step, epoch position and the RNG states, so a resumed run ends with the same
parameters as an uninterrupted one.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from streamfx.errors import CheckpointError, ConfigError, InputError, ModelFileError
from streamfx.training.config import TRAINABLE, TrainConfig  # noqa: F401 - re-exported
from streamfx.training.discriminator import discriminator_step, generator_loss
from streamfx.training.losses import (
    make_lpips,
    match_size,
    render_losses,
    term_weights,
    total_loss,
)

YAW_RANGE, PITCH_RANGE = math.radians(49), math.radians(26)


# ----------------------------------------------------------------------------------- data
class EditDataset:
    """The official layout: items (chunk, file, label) and each chunk's styles."""

    def __init__(self, root: str | Path) -> None:
        from streamfx.training.dataset import read_dataset

        self.root = Path(root)
        labels = read_dataset(self.root)
        if not labels:
            raise InputError(
                f"{self.root}: no dataset.json with labels (run streamfx dataset build)"
            )
        self.items: list[tuple[str, str, np.ndarray]] = []
        self.styles: dict[str, list[str]] = {}
        for rel, label in labels:
            chunk, _, name = rel.partition("/")
            if chunk not in self.styles:
                self.styles[chunk] = sorted(
                    p.name.split("_", 1)[1]
                    for p in self.root.glob(f"{chunk}_*")
                    if p.is_dir() and any(p.iterdir())
                )
            styles = [
                s for s in self.styles[chunk] if (self.root / f"{chunk}_{s}" / name).is_file()
            ]
            if styles:
                self.items.append((chunk, name, np.asarray(label, np.float32)))
        if not self.items:
            raise InputError(
                f"{self.root}: no image has an edited copy in a <chunk>_<style>/ folder "
                "(the 2-D teacher's edits are needed to train)"
            )
        self._style_files: dict[tuple[str, str], list[str]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def _files(self, chunk: str, style: str) -> list[str]:
        key = (chunk, style)
        if key not in self._style_files:
            d = self.root / f"{chunk}_{style}"
            self._style_files[key] = sorted(p.name for p in d.iterdir() if p.suffix == ".png")
        return self._style_files[key]

    def sample(self, index: int, gen: torch.Generator) -> dict[str, Any]:
        """Item ``index``: input, gt (its edit in a random style), ref (a random image of that
        style), camera; choices drawn from ``gen``."""
        chunk, name, label = self.items[index]
        styles = [s for s in self.styles[chunk] if (self.root / f"{chunk}_{s}" / name).is_file()]
        style = styles[int(torch.randint(len(styles), (1,), generator=gen))]
        files = self._files(chunk, style)
        ref = files[int(torch.randint(len(files), (1,), generator=gen))]
        return {
            "input": _read(self.root / chunk / name),
            "gt": _read(self.root / f"{chunk}_{style}" / name),
            "ref": _read(self.root / f"{chunk}_{style}" / ref),
            "camera": label,
        }


def _read(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))  # RGBA -> RGB (the released loader's slip, 11.11)


def to_batch(samples: list[dict[str, Any]], image_size: int, device: torch.device) -> dict:
    """Stack samples: images [B,3,S,S] in [-1,1] (input, gt, ref_image), refs [B,3,224,224]
    ImageNet (ref, gt_ref), cameras [B,25]."""
    from streamfx.editor.preprocess import reference_to_tensor

    def images(key: str) -> torch.Tensor:
        x = torch.from_numpy(np.stack([s[key] for s in samples])).permute(0, 3, 1, 2).float()
        x = x / 127.5 - 1.0
        if x.shape[-1] != image_size:
            x = F.interpolate(x, size=(image_size, image_size), mode="area")
        return x.to(device)

    refs = torch.cat([reference_to_tensor(s["ref"]) for s in samples]).to(device)
    gt_refs = torch.cat([reference_to_tensor(s["gt"]) for s in samples]).to(device)
    cams = torch.from_numpy(np.stack([s["camera"] for s in samples])).float().to(device)
    return {"input": images("input"), "gt": images("gt"), "ref": refs, "gt_ref": gt_refs,
            "ref_image": images("ref"), "camera": cams}  # fmt: skip


# ----------------------------------------------------------------------------------- model
def load_editor(weights: str | None, preset: str) -> Any:
    """A ``PortraitEditor`` from a weights folder, else a random one of ``preset``."""
    from streamfx.editor import PortraitEditor

    if weights:
        if not (Path(weights) / "config.json").is_file():
            raise ModelFileError(f"{weights}: no config.json + model.safetensors (weights folder)")
        return PortraitEditor.from_pretrained(weights)
    return PortraitEditor(preset)


#: least share (by value count) of the student's encoder (E_low, E_high, E_t) and renderer that a
#: Live3D-LT start must fill; below it the folder does not fit its own config
LIVE3D_MIN_FIT = 0.5


def load_student(cfg: TrainConfig, say: bool = True) -> Any:
    """The student at the run's start: ``cfg.weights`` (a 3DPE weights folder, or a Live3D-LT
    folder: ``student_from_live3d``, its one-line report on stderr when ``say``), else a random
    ``cfg.preset``."""
    if cfg.weights:
        from streamfx.training.teachers import is_live3d_folder

        if is_live3d_folder(cfg.weights):
            student, line = student_from_live3d(cfg.weights)
            if say:
                print(f"train: {line}", file=sys.stderr)
            return student
    return load_editor(cfg.weights, cfg.preset)


def _groups(names: list[str]) -> str:
    """Parameter names summarised by module (``encoder.X``, ``renderer``), in first-seen order."""
    keys = (".".join(n.split(".")[:2]) if n.startswith("encoder.") else n.split(".")[0]
            for n in names)  # fmt: skip
    return ", ".join(dict.fromkeys(keys)) or "nothing"


def student_from_live3d(folder: str | Path) -> tuple[Any, str]:
    """(student, report line): a ``PortraitEditor`` of the Live3D-LT folder's config with every
    tensor of the folder that fits by name and shape loaded (E_low, E_high, E_t, renderer) and
    the rest fresh (the prompt branch: MAE + cross-attention), as the released recipe starts its
    student (``strict=False``). ``CheckpointError`` when less than ``LIVE3D_MIN_FIT`` of the
    student's encoder and renderer (by value count) comes from the folder."""
    from streamfx.editor import PortraitEditor
    from streamfx.editor.folder import CONFIG_NAME, read_folder
    from streamfx.editor.live3d_lt import FORMAT_NAME, GET_HINT

    def missing(p: Path, d: Path) -> str:
        return f"{p} not found: no Live3D-LT weights at {d}; {GET_HINT}"

    def foreign(cfg_path: Path, found: str | None) -> str:
        return f"{cfg_path} is a {found!r} folder, not a Live3D-LT one; {GET_HINT}"

    config, sd = read_folder(folder, FORMAT_NAME, missing, foreign)
    student = PortraitEditor(config)
    own = student.state_dict()
    fits = {k: v for k, v in sd.items() if k in own and own[k].shape == v.shape}
    fresh = [k for k in own if k not in fits]
    base = {k: v for k, v in own.items() if not k.startswith("encoder.Ref_encoder.")}
    share = sum(v.numel() for k, v in base.items() if k in fits) / max(
        1, sum(v.numel() for v in base.values())
    )
    if share < LIVE3D_MIN_FIT:
        raise CheckpointError(
            f"--weights {folder}: a Live3D-LT folder, but only {len(fits)} of its {len(sd)} "
            f"tensors fit the network its {CONFIG_NAME} describes by name and shape "
            f"({share:.0%} of the encoder and renderer, at least {LIVE3D_MIN_FIT:.0%} needed); "
            f"re-import the weights ({GET_HINT})"
        )
    student.load_state_dict(fits, strict=False)
    skipped = len(sd) - len(fits)
    loaded = [k for k in own if k in fits]  # the network's order
    line = (
        f"student from Live3D-LT {folder}: {len(fits)} tensors loaded ({_groups(loaded)}); "
        f"{len(fresh)} fresh ({_groups(fresh)})"
        + (f"; {skipped} of the folder's tensors did not fit and were left out" if skipped else "")
    )
    return student, line


def set_trainable(editor: nn.Module, prefixes: tuple[str, ...]) -> list[str]:
    """Freeze everything but the parameters under ``prefixes``; returns the trainable names.
    Trainable submodules are put in train mode, the frozen rest in eval mode (no dropout)."""
    names = []
    for name, p in editor.named_parameters():
        p.requires_grad_(name.startswith(prefixes))
        if p.requires_grad:
            names.append(name)
    if not names:
        raise ConfigError(f"no parameter matches the trainable prefixes {prefixes}")
    editor.eval()
    for name, mod in editor.named_modules():
        if name and (name + ".").startswith(prefixes):
            mod.train()
    return names


class StudentStep(nn.Module):
    """What DDP wraps: (input, ref) -> triplane, and renders at the given cameras."""

    def __init__(self, editor: nn.Module) -> None:
        super().__init__()
        self.editor = editor

    def forward(self, image: torch.Tensor, ref: torch.Tensor, cams: list[torch.Tensor]):
        tokens = self.editor.encode_prompt(ref)
        tri = self.editor.encode(image, tokens)
        return tri, [self.editor.render(tri, c) for c in cams]


def random_camera(batch: int, gen: torch.Generator) -> torch.Tensor:
    """One random camera (PAPER 3.3: yaw +-49, pitch +-26 degrees) for the whole batch."""
    from streamfx.geometry.camera import camera_from_angles

    u = torch.rand(2, generator=gen) * 2 - 1
    cam = camera_from_angles(float(u[0]) * YAW_RANGE, float(u[1]) * PITCH_RANGE)
    return torch.as_tensor(np.asarray(cam, np.float32)).reshape(1, 25).expand(batch, -1)


# ----------------------------------------------------------------------------------- loop
def _dist() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment (0, 1, 0 without it)."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_RANK", 0)))  # fmt: skip


def _gen(*parts: int) -> torch.Generator:
    seed = 0
    for p in parts:
        seed = (seed * 1_000_003 + int(p)) % (2**63 - 1)
    return torch.Generator().manual_seed(seed)


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.part")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _rng_states() -> dict[str, Any]:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
            "python": random.getstate()}  # fmt: skip


def _set_rng_states(s: dict[str, Any]) -> None:
    torch.set_rng_state(s["torch"])
    np.random.set_state(s["numpy"])
    random.setstate(s["python"])


@dataclass
class TrainResult:
    """What a run ended with."""

    step: int
    first_loss: float | None
    last_loss: float | None
    seconds: float
    output: Path
    terms: list[str]


def train(
    cfg: TrainConfig, editor: nn.Module | None = None, dataset: Any = None, *, label: str = "train"
) -> TrainResult:
    """Run (or resume) training as ``cfg`` says; returns the step reached and the losses.
    ``editor``/``dataset``: ready objects instead of ``cfg.weights``/``cfg.data`` (adaptation);
    ``label``: the progress bar's name."""
    import torch.distributed as dist

    if dataset is None:
        cfg.check()
        dataset = EditDataset(cfg.data)
    else:
        cfg.check_recipe()
    check_teacher(cfg)  # before any work: a Live3D-LT teacher cannot distil
    rank, world, local = _dist()
    device = torch.device(cfg.device)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend)
        if device.type == "cuda":
            device = torch.device("cuda", local)
    weights = term_weights(cfg)
    lp = make_lpips(cfg, device, say=rank == 0)  # a missing file fails before any work
    torch.manual_seed(cfg.seed)
    student = editor if editor is not None else load_student(cfg, say=rank == 0)
    student.renderer.unfold_styles()
    student.to(device)
    teacher = load_teacher(cfg, student, device)
    out = Path(cfg.output)
    ckpt_dir = out / "checkpoints"
    if rank == 0:  # after the networks load: a refused start writes nothing
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        (out / "val").mkdir(exist_ok=True)
    names = set_trainable(student, tuple(cfg.trainable))
    params = [p for n, p in student.named_parameters() if n in names]
    opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.999), weight_decay=0.01)
    warm = max(cfg.warmup, 0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) if warm else 1.0
    )
    disc, d_opt = make_discriminator(cfg, student, device)
    step, epoch, pos = 0, 0, 0
    latest = ckpt_dir / "latest.pt"
    if cfg.resume:
        if not latest.is_file():
            raise InputError(f"--resume: no checkpoint at {latest}")
        ck = torch.load(latest, map_location="cpu", weights_only=False)
        missing = set(names) - set(ck["model"])
        if missing:
            raise InputError(f"{latest}: checkpoint lacks {sorted(missing)[:3]} ... (other run?)")
        student.load_state_dict(ck["model"], strict=False)
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        if disc is not None and "disc" in ck:  # else: the run had not built it yet (same seed)
            disc.load_state_dict(ck["disc"])
            d_opt.load_state_dict(ck["disc_optimizer"])
        step, epoch, pos = ck["step"], ck["epoch"], ck["pos"]
        _set_rng_states(ck["rng"])
    module = StudentStep(student)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        module = DDP(module, device_ids=[local] if device.type == "cuda" else None)
    image_size = student.config.encoder.image_size
    order = torch.randperm(len(dataset), generator=_gen(cfg.seed, epoch)).tolist()
    log_path = out / "log.jsonl"
    bar = None
    if cfg.progress and rank == 0:
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=step, desc=label, unit="step")
    first = last = None
    terms_seen: list[str] = []
    t0 = time.perf_counter()
    while step < cfg.steps:
        per_step = cfg.batch * world
        if pos + per_step > len(order):  # next epoch (a partial tail is skipped)
            epoch, pos = epoch + 1, 0
            order = torch.randperm(len(dataset), generator=_gen(cfg.seed, epoch)).tolist()
            if per_step > len(order):
                order = (order * (per_step // len(order) + 1))[: max(per_step, len(order))]
        idx = order[pos : pos + per_step][rank::world]
        samples = [dataset.sample(i, _gen(cfg.seed, epoch, pos + k)) for k, i in enumerate(idx)]
        batch = to_batch(samples, image_size, device)
        cams = [batch["camera"]]
        if cfg.multiview:
            cams.append(random_camera(len(idx), _gen(cfg.seed, 10**6 + step)).to(device))
        t_tri, t_renders = teacher_targets(teacher, batch, cams, cfg.target)
        tri, renders = module(batch["input"], batch["ref"], cams)
        terms: dict[str, torch.Tensor] = {}
        if weights["tri"] > 0 and tri.shape == t_tri.shape:
            terms["tri"] = F.l1_loss(tri, t_tri)
        for j, (s_r, t_r) in enumerate(zip(renders, t_renders, strict=True)):
            terms.update(render_losses(s_r, t_r, weights, lp, "" if j == 0 else "mv/"))
        d_terms: dict[str, torch.Tensor] = {}
        if disc is not None and step + 1 >= cfg.adv_start:
            fake = renders[0]["image"]
            real = batch["gt"] if cfg.target == "recon" else t_renders[0]["image"]
            ref_image = match_size(batch["ref_image"], fake)
            d_terms = discriminator_step(
                disc, d_opt, match_size(real, fake), fake, ref_image, batch["camera"],
                r1_gamma=cfg.r1_gamma, r1=(step + 1) % cfg.r1_every == 0,
                r1_every=cfg.r1_every, world=world,
            )  # fmt: skip
            terms["adv"] = generator_loss(disc, fake, ref_image, batch["camera"])
        if not terms:
            raise ConfigError("every loss term is off (all weights 0, or nothing to compare)")
        loss = total_loss(terms, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        pos += per_step
        value = float(loss.detach())
        if world > 1:
            v = torch.tensor([value], device=device)
            dist.all_reduce(v)
            value = float(v) / world
        first = value if first is None else first
        last = value
        logged = {**terms, **{f"disc/{k}": v for k, v in d_terms.items()}}
        terms_seen = sorted(set(terms_seen) | set(logged))
        if rank == 0:
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{value:.4f}")
            if step % cfg.log_every == 0 or step == cfg.steps:
                line = {"step": step, "loss": value, "lr": sched.get_last_lr()[0]}
                line.update({k: float(v.detach()) for k, v in logged.items()})
                with open(log_path, "a") as fh:
                    fh.write(json.dumps(line) + "\n")
            if step % cfg.val_every == 0 or step == cfg.steps:
                validation_render(student, batch, out / "val" / f"step_{step:07d}.png")
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                state = {
                    "model": {n: p.detach().cpu().clone() for n, p in student.named_parameters()
                              if n in names},
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "step": step,
                    "epoch": epoch,
                    "pos": pos,
                    "rng": _rng_states(),
                    "config": asdict(cfg),
                }  # fmt: skip
                if disc is not None:
                    disc_state = disc.state_dict().items()
                    state["disc"] = {k: v.detach().cpu().clone() for k, v in disc_state}
                    state["disc_optimizer"] = d_opt.state_dict()
                _atomic_save(state, ckpt_dir / f"step_{step:07d}.pt")
                _atomic_save(state, latest)
    if bar is not None:
        bar.close()
    if rank == 0 and editor is None:
        student.eval()
        student.save_pretrained(out / "final")
    if world > 1 and dist.is_initialized():
        dist.barrier()
    return TrainResult(step, first, last, time.perf_counter() - t0, out, terms_seen)


def check_teacher(cfg: TrainConfig) -> bool:
    """Whether ``cfg.teacher_weights`` is a Live3D-LT folder; ``ConfigError`` when it is and the
    target is ``distil`` (Live3D-LT has no prompt branch to run on (input, ref))."""
    if not cfg.teacher_weights:
        return False
    from streamfx.training.teachers import is_live3d_folder

    if not is_live3d_folder(cfg.teacher_weights):
        return False
    if cfg.target == "distil":
        raise ConfigError(
            f"--teacher-weights {cfg.teacher_weights} is a Live3D-LT reconstructor, which has no "
            "prompt branch: --target distil runs the teacher on (input, reference) and needs "
            "3DPE weights. Pass --teacher-weights with a 3DPE weights folder (e.g. the full "
            "network's, from `streamfx weights import`), or --target recon to lift the 2-D "
            "edits with Live3D-LT"
        )
    return True


def load_teacher(cfg: TrainConfig, student: nn.Module, device: torch.device) -> nn.Module:
    """The frozen teacher on ``device``: the Live3D-LT reconstructor when
    ``cfg.teacher_weights`` is a Live3D-LT folder, the 3DPE editor of that folder otherwise, and
    without it a frozen copy of ``student`` as it is now (the run's start)."""
    if check_teacher(cfg):
        from streamfx.training.teachers import load_reconstructor

        teacher = load_reconstructor(cfg.teacher_weights, str(device))
    elif cfg.teacher_weights:
        teacher = load_editor(cfg.teacher_weights, cfg.preset).to(device)
    else:
        teacher = copy.deepcopy(student)
    return teacher.eval().requires_grad_(False)


@torch.no_grad()
def teacher_targets(
    teacher: nn.Module, batch: dict, cams: list[torch.Tensor], target: str
) -> tuple[torch.Tensor, list[dict]]:
    """The teacher's triplane and renders at ``cams``. ``recon`` lifts the 2-D edit gt: a
    Live3D-LT teacher as released (``reconstruct(gt)``), a 3DPE one with the edit as its own
    prompt; ``distil`` runs a 3DPE teacher on (input, ref)."""
    from streamfx.editor.live3d_lt import Live3DReconstructor

    if isinstance(teacher, Live3DReconstructor):
        if target != "recon":
            raise ConfigError("a Live3D-LT teacher has no prompt branch: use --target recon")
        tri = teacher.reconstruct(_resize(batch["gt"], teacher))
    elif target == "recon":
        tokens = teacher.encode_prompt(batch["gt_ref"])
        tri = teacher.encode(_resize(batch["gt"], teacher), tokens)
    else:
        tokens = teacher.encode_prompt(batch["ref"])
        tri = teacher.encode(_resize(batch["input"], teacher), tokens)
    return tri, [teacher.render(tri, c) for c in cams]


def make_discriminator(
    cfg: TrainConfig, student: nn.Module, device: torch.device
) -> tuple[nn.Module | None, torch.optim.Optimizer | None]:
    """The discriminator and its Adam (lr ``d_lr``, betas 0.5/0.999) when this run reaches
    ``adv_start`` with a non-zero adversarial weight, else (None, None). Sized to the student's
    image and width ``disc_width`` (0: by preset); its weights come from (seed) alone."""
    from streamfx.training.discriminator import Discriminator, disc_width_for

    if cfg.adv_weight == 0 or cfg.adv_start > cfg.steps:
        return None, None
    rc = student.config.render_config()
    resolution = rc.sr_input_resolution * 2 ** len(rc.sr_channels)
    if resolution < 8 or resolution & (resolution - 1):
        raise ConfigError(
            f"--adv-weight: the discriminator needs a power-of-2 image side >= 8, these weights "
            f"render {resolution}; train without it (--adv-weight 0)"
        )
    width = cfg.disc_width or disc_width_for(student.config.preset, resolution)
    disc = Discriminator(resolution, width, seed=_gen(cfg.seed, 10**9, 1).initial_seed())
    disc.to(device).requires_grad_(False)
    d_opt = torch.optim.Adam(disc.parameters(), lr=cfg.d_lr, betas=(0.5, 0.999))
    return disc, d_opt


def _resize(x: torch.Tensor, editor: nn.Module) -> torch.Tensor:
    s = editor.config.encoder.image_size
    return x if x.shape[-1] == s else F.interpolate(x, size=(s, s), mode="area")


@torch.no_grad()
def validation_render(editor: nn.Module, batch: dict, path: Path) -> None:
    """The first sample's input, then the student's renders at yaw -30, 0, +30 degrees."""
    from PIL import Image

    from streamfx.geometry.camera import camera_from_angles

    tokens = editor.encode_prompt(batch["ref"][:1])
    tri = editor.encode(batch["input"][:1], tokens)
    tiles = []
    for yaw in (-math.pi / 6, 0.0, math.pi / 6):
        img = editor.render(tri, torch.as_tensor(camera_from_angles(yaw, 0.0)))["image"]
        tiles.append(img)
    side = tiles[0].shape[-1]
    inp = F.interpolate(batch["input"][:1], size=(side, side), mode="area")
    row = torch.cat([inp, *tiles], dim=-1)[0].clamp(-1, 1)
    arr = ((row.permute(1, 2, 0).cpu().numpy() + 1) * 127.5).round().astype(np.uint8)
    Image.fromarray(arr).save(path)
