"""Teachers of the 3DPE recipe (PAPER.md section 4): the 2-D editor and the Live3D-LT lifter.

* The 2-D editor (a diffusers edit pipeline in a local folder, InstructPix2Pix by default, loaded
  by ``streamfx.styles_text.load_teacher``) edits every aligned crop of a dataset into its
  ``<chunk>_<style>/`` folder: ``teach_dataset`` (``streamfx dataset teach``). Crop ``i`` of
  ``dataset.json`` is edited with its own generator seeded ``seed + i``, in batches of fixed
  membership (images ``[k*batch, (k+1)*batch)``), so a resumed pass computes exactly what an
  uninterrupted one does; another batch size gives the same edit up to the float rounding of
  batched kernels (CPU: at most one grey level on a few pixels). Every image is written
  atomically; one already there is skipped, so an interrupted pass resumes. The settings are
  recorded per style in ``DIR/teach.json`` and a rerun with other settings is refused.
* The Live3D-LT reconstructor (``streamfx.editor.live3d_lt``) lifts a 2-D edit to the target
  triplane: ``load_reconstructor(folder)``; its official weights are converted with
  ``streamfx weights import-live3d``.

Needs the ``train`` extra (diffusers, transformers) for the 2-D editor.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamfx.errors import ConfigError, InputError

if TYPE_CHECKING:
    from PIL import Image

    from streamfx.editor.live3d_lt import Live3DReconstructor

RECORD = "teach.json"
#: pipelines that take lists of images, prompts and generators as one batch of independent
#: edits; others (e.g. Qwen-Image-Edit, whose image list is several inputs of one edit) are
#: called one image at a time
BATCHED_PIPELINES = (
    "StableDiffusionInstructPix2PixPipeline",
    "StableDiffusionXLInstructPix2PixPipeline",
)
#: settings that decide an edit, compared with the record on a rerun
_DECISIVE = (
    "text", "pipeline", "teacher", "seed", "steps", "guidance_scale", "image_guidance_scale",
    "size",
)  # fmt: skip


# ------------------------------------------------------------------------------ Live3D-LT
def load_reconstructor(folder: str | Path, device: str = "cpu") -> Live3DReconstructor:
    """The Live3D-LT teacher from a weights folder (``streamfx weights import-live3d``), frozen,
    eval mode, on ``device``. A missing folder or file is a ``ModelFileError`` naming it and
    what to download."""
    from streamfx.editor.live3d_lt import Live3DReconstructor

    model = Live3DReconstructor.from_pretrained(folder)
    return model.requires_grad_(False).to(device)


def is_live3d_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds Live3D-LT weights (``config.json`` format tag), not a 3DPE one."""
    from streamfx.editor.live3d_lt import FORMAT_NAME

    path = Path(folder).expanduser() / "config.json"
    try:
        return json.loads(path.read_text()).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


# ------------------------------------------------------------------------------ 2-D editor
@dataclass
class TeachOptions:
    """Settings of a teacher pass (also the ``streamfx dataset teach`` flags)."""

    style: str = ""
    """Style name: edits go to <chunk>_<style>/ beside each chunk (letters, digits, - or _)."""
    text: str = ""
    """Edit instruction, e.g. "turn him into a bronze statue"."""
    teacher: str | None = None
    """The 2-D editor: a local diffusers edit pipeline folder (default: the user's
    teachers/instruct-pix2pix folder)."""
    batch: int = 4
    """Crops per teacher call."""
    seed: int = 0
    """Crop i of dataset.json is edited with seed + i."""
    steps: int = 20
    """Denoising steps of the teacher."""
    guidance: float = 7.5
    """Text guidance scale."""
    image_guidance: float = 1.5
    """Image guidance scale (InstructPix2Pix-style pipelines)."""
    size: int = 512
    """Side of the square crop given to the teacher (the edit is resized back to the crop's)."""
    device: str = "cpu"
    """Where the teacher runs (cpu, cuda, cuda:N)."""

    def check(self) -> None:
        """ConfigError on bad settings."""
        from streamfx.styles_store import check_name

        if not self.style:
            raise ConfigError("dataset teach: name the style with --style NAME")
        check_name(self.style)
        if not self.text.strip():
            raise ConfigError("--text: expected an edit instruction, got an empty string")
        for name in ("batch", "steps", "size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--{name}: expected >= 1, got {getattr(self, name)}")


@dataclass
class TeachReport:
    """What a teacher pass did."""

    style: str
    edited: int = 0
    cached: int = 0
    total: int = 0
    seconds: float = 0.0
    pipeline: str = ""
    folders: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary."""
        out = [
            f"style {self.style}: {self.edited} crop(s) edited, {self.cached} already there "
            f"(skipped), {self.total} in all",
            f"folders: {', '.join(self.folders)}",
        ]
        if self.edited:
            per = self.seconds / self.edited
            out.append(f"teacher {self.pipeline}: {self.seconds:.1f} s ({per:.2f} s per crop)")
        return out


def edit_batch(
    pipe: Any,
    images: list[Image.Image],
    text: str,
    seeds: list[int],
    *,
    steps: int = 20,
    guidance: float = 7.5,
    image_guidance: float = 1.5,
) -> list[Image.Image]:
    """Edit ``images`` with ``text``, image ``j`` with its own generator seeded ``seeds[j]``:
    one call for the batched pipelines, else one ``styles_text.edit_image`` per image."""
    from streamfx.styles_text import edit_image

    if len(images) != len(seeds):
        raise ValueError(f"{len(images)} images but {len(seeds)} seeds")
    if type(pipe).__name__ not in BATCHED_PIPELINES:
        return [
            edit_image(pipe, im, text, seed=s, steps=steps, guidance=guidance,
                       image_guidance=image_guidance)
            for im, s in zip(images, seeds, strict=True)
        ]  # fmt: skip
    import torch

    out = pipe(
        prompt=[text] * len(images),
        image=list(images),
        num_inference_steps=steps,
        guidance_scale=guidance,
        image_guidance_scale=image_guidance,
        generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
    )
    return [im.convert("RGB") for im in out.images]


def _read_record(root: Path) -> dict[str, Any]:
    path = root / RECORD
    if not path.is_file():
        return {"styles": {}}
    try:
        data = json.loads(path.read_text())
        if not isinstance(data.get("styles"), dict):
            raise ValueError("no 'styles' object")
    except (OSError, ValueError, AttributeError) as exc:
        raise InputError(f"{path} is damaged ({exc}); it records how each style was made") from exc
    return data


def _check_record(root: Path, style: str, want: dict[str, Any], outputs: list[Path]) -> dict:
    """The record with ``style`` entered; ``ConfigError`` when images of the style were made
    with other settings, or its folders hold images that no recorded pass made."""
    record = _read_record(root)
    have = record["styles"].get(style)
    made = sorted({p.parent.name for p in outputs if p.is_file()})
    if have is None or not made:  # nothing made yet: the new settings are the style's
        if made:
            raise ConfigError(
                f"{', '.join(made)} in {root} already hold images that `dataset teach` did not "
                f"record in {RECORD}; choose another --style name"
            )
    else:
        diff = [k for k in _DECISIVE if have.get(k) != want[k]]
        if diff:
            shown = "; ".join(f"{k} was {have.get(k)!r}, now {want[k]!r}" for k in diff)
            raise ConfigError(
                f"style {style} in {root} was made with other settings ({shown}); give the same "
                "settings to continue it, or choose another --style name"
            )
    record["styles"][style] = want
    return record


def teach_dataset(
    root: str | Path, opts: TeachOptions, progress: bool = True, pipe: Any = None
) -> TeachReport:
    """Fill ``root``'s ``<chunk>_<style>/`` folders with the 2-D teacher's edits of every crop
    of ``dataset.json`` (see the module docstring); ``pipe``: a loaded pipeline (tests)."""
    from PIL import Image
    from tqdm import tqdm

    from streamfx.fileio import atomic_write
    from streamfx.styles_text import default_teacher_dir, load_teacher, teacher_class
    from streamfx.training.dataset import read_dataset

    opts.check()
    root = Path(root)
    labels = read_dataset(root)
    if not labels:
        raise InputError(
            f"{root}: no dataset.json with crops (make one with `streamfx dataset build INPUTS "
            f"-o {root}`)"
        )
    sources, outputs = [], []
    for rel, _ in labels:
        chunk, _, name = str(rel).partition("/")
        if not chunk or not name or "/" in name:
            raise InputError(f"{root}/dataset.json: expected names like 00000/img.png, got {rel!r}")
        sources.append(root / rel)
        outputs.append(root / f"{chunk}_{opts.style}" / name)
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise InputError(
            f"{root}/dataset.json lists {len(missing)} crop(s) that are not there: "
            + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        )  # fmt: skip
    folder = Path(opts.teacher).expanduser() if opts.teacher else default_teacher_dir()
    pipeline = teacher_class(folder)  # a missing teacher: one message naming the download
    want = {
        "text": opts.text, "pipeline": pipeline, "teacher": str(folder.resolve()),
        "seed": opts.seed, "steps": opts.steps, "guidance_scale": opts.guidance,
        "image_guidance_scale": opts.image_guidance, "size": opts.size,
        "seeds": "seed + index in dataset.json",
    }  # fmt: skip
    record = _check_record(root, opts.style, want, outputs)
    atomic_write(root / RECORD, (json.dumps(record, indent=1) + "\n").encode())

    report = TeachReport(opts.style, total=len(labels), pipeline=pipeline)
    report.folders = sorted({str(p.parent.relative_to(root)) + "/" for p in outputs})
    done = [p.is_file() for p in outputs]
    report.cached = sum(done)
    groups = [
        list(range(g, min(g + opts.batch, len(labels))))
        for g in range(0, len(labels), opts.batch)
        if not all(done[g : g + opts.batch])
    ]
    if not groups:
        return report
    if pipe is None:
        pipe = load_teacher(folder, opts.device)
    bar = tqdm(total=len(labels), initial=report.cached, desc=f"teach {opts.style}",
               unit="crop", disable=not progress)  # fmt: skip
    t0 = time.perf_counter()
    try:
        for group in groups:  # the whole group runs (fixed members), only missing files written
            crops = []
            for i in group:
                with Image.open(sources[i]) as im:
                    crops.append(im.convert("RGB"))
            inputs = [_resize(c, (opts.size, opts.size)) for c in crops]
            seeds = [opts.seed + i for i in group]
            edits = edit_batch(
                pipe, inputs, opts.text, seeds, steps=opts.steps, guidance=opts.guidance,
                image_guidance=opts.image_guidance,
            )  # fmt: skip
            for i, crop, edit in zip(group, crops, edits, strict=True):
                if done[i]:
                    continue
                atomic_write(outputs[i], _png(_resize(edit, crop.size)))
                done[i] = True
                report.edited += 1
                bar.update(1)
    finally:
        bar.close()
        report.seconds = time.perf_counter() - t0
    return report


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    from PIL import Image as PILImage

    return image if image.size == size else image.resize(size, PILImage.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
