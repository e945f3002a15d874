"""Text prompts: a 2-D image editor (a diffusers pipeline in a local folder) edits a portrait once
and the edit becomes the style's reference image (PAPER.md section 4.6).

The teacher is any diffusers image-editing pipeline its folder's ``model_index.json`` declares:
InstructPix2Pix (``StableDiffusionInstructPix2PixPipeline``, the paper's teacher and the
default), Qwen-Image-Edit (``QwenImageEditPipeline``), FLUX.1 Kontext (``FluxKontextPipeline``)
and the like. Nothing is downloaded here: with no local teacher the error names what to download
and where to put it. Needs the ``train`` extra (diffusers, transformers).
"""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamfx.errors import ConfigError, ModelFileError

if TYPE_CHECKING:
    from PIL import Image

    from streamfx.backends.styles_catalog import StyleSpec

DEFAULT_TEACHER_REPO = "timbrooks/instruct-pix2pix"
#: pipelines known to edit an image from an instruction (others are accepted when their class
#: name says they edit: Edit, InstructPix2Pix, Kontext, Img2Img)
EDIT_PIPELINES = (
    "StableDiffusionInstructPix2PixPipeline",
    "StableDiffusionXLInstructPix2PixPipeline",
    "QwenImageEditPipeline",
    "QwenImageEditPlusPipeline",
    "FluxKontextPipeline",
)
_EDIT_WORDS = ("Edit", "InstructPix2Pix", "Kontext", "Img2Img")


def default_teacher_dir() -> Path:
    """Where a teacher is looked for when ``--teacher`` is not given."""
    from streamfx.backends.styles_catalog import user_styles_dir

    return user_styles_dir().parent / "teachers" / "instruct-pix2pix"


def missing_teacher_message(looked: Path) -> str:
    """The one message for a missing teacher: what to download and where to put it."""
    d = default_teacher_dir()
    return (
        f"no local 2-D editor (teacher) at {looked}: a diffusers pipeline folder with "
        f"model_index.json is needed. Download InstructPix2Pix ({DEFAULT_TEACHER_REPO}, about "
        f"5 GB) with `hf download {DEFAULT_TEACHER_REPO} --local-dir {d}` (or any diffusers "
        "edit pipeline, e.g. Qwen/Qwen-Image-Edit), then pass --teacher FOLDER "
        f"(or leave it out to use {d})"
    )


def teacher_class(folder: Path) -> str:
    """The pipeline class ``folder/model_index.json`` declares, checked to be an edit one."""
    index = folder / "model_index.json"
    if not index.is_file():
        raise ModelFileError(missing_teacher_message(folder))
    try:
        name = json.loads(index.read_text())["_class_name"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{index}: not a diffusers model_index.json ({exc})") from exc
    if name not in EDIT_PIPELINES and not any(w in name for w in _EDIT_WORDS):
        raise ConfigError(
            f"teacher {folder} is a {name}, not an image-editing pipeline; expected one of "
            f"{', '.join(EDIT_PIPELINES)} (or another diffusers edit pipeline)"
        )
    return name


def quiet_hf() -> None:
    """Keep diffusers/transformers' info lines and loading bars off the terminal (set before
    they are imported; a user's own settings win)."""
    import os

    for var in ("TRANSFORMERS_VERBOSITY", "DIFFUSERS_VERBOSITY"):
        os.environ.setdefault(var, "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_teacher(folder: str | Path, device: str = "cpu") -> Any:
    """``DiffusionPipeline.from_pretrained(folder)`` (local files only) on ``device``."""
    from streamfx.errors import require

    path = Path(folder).expanduser()
    teacher_class(path)
    quiet_hf()
    diffusers = require("diffusers", extra="train")
    transformers = require("transformers", extra="train")
    for lib in (diffusers, transformers):
        lib.utils.logging.set_verbosity_error()
        lib.utils.logging.disable_progress_bar()
    try:
        pipe = diffusers.DiffusionPipeline.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"teacher {path} could not be loaded: {exc}") from exc
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def edit_image(
    pipe: Any,
    image: Image.Image,
    text: str,
    *,
    seed: int = 0,
    steps: int = 20,
    guidance: float = 7.5,
    image_guidance: float = 1.5,
) -> Image.Image:
    """One seeded edit of ``image`` by the teacher; the settings it does not take are left out."""
    import torch

    params = inspect.signature(pipe.__call__).parameters
    kwargs: dict[str, Any] = {
        "prompt": text,
        "image": image,
        "num_inference_steps": steps,
        "generator": torch.Generator("cpu").manual_seed(seed),
    }
    if "guidance_scale" in params:
        kwargs["guidance_scale"] = guidance
    if "true_cfg_scale" in params and "guidance_scale" not in params:
        kwargs["true_cfg_scale"] = guidance
    if "image_guidance_scale" in params:
        kwargs["image_guidance_scale"] = image_guidance
    out = pipe(**kwargs)
    return out.images[0].convert("RGB")


def portrait_image(path: str | None, size: int) -> tuple[Image.Image, str]:
    """(square RGB portrait of ``size``, its description): the user's or the bundled astronaut
    (scikit-image's astronaut photo, NASA, public domain)."""
    from PIL import Image

    from streamfx.styles_store import read_image, thumbnail

    if path:
        img, what = read_image(path, "portrait"), str(path)
    else:
        from streamfx.backends.mesh.assets import astronaut

        img, what = Image.fromarray(astronaut()[0]), "astronaut (bundled, public domain)"
    return thumbnail(img, size), what


def contact_sheet(images: list[Image.Image], size: int = 256) -> Image.Image:
    """The candidates side by side, each numbered (1-based, as ``--pick`` counts)."""
    from PIL import Image, ImageDraw

    sheet = Image.new("RGB", (size * len(images), size + 24), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for i, im in enumerate(images):
        sheet.paste(im.resize((size, size)), (i * size, 24))
        draw.text((i * size + 6, 5), f"{i + 1}", fill=(255, 255, 255))
    return sheet


def add_text_style(cmd: Any) -> StyleSpec:
    """``styles add NAME --text ...`` (``cmd``: the CLI's AddCommand)."""
    from streamfx.styles_store import add_reference_style, check_name

    check_name(cmd.name)
    if cmd.candidates < 1 or not 1 <= cmd.pick <= cmd.candidates:
        raise ConfigError(
            f"--candidates must be >= 1 and --pick in 1..{max(cmd.candidates, 1)}, got "
            f"{cmd.candidates} and {cmd.pick}"
        )
    if not cmd.text.strip():
        raise ConfigError("--text: expected an edit instruction, got an empty string")
    folder = Path(cmd.teacher).expanduser() if cmd.teacher else default_teacher_dir()
    name = teacher_class(folder)
    portrait, portrait_what = portrait_image(cmd.portrait, cmd.size)
    pipe = load_teacher(folder, cmd.device)
    t0 = time.perf_counter()
    edits = [
        edit_image(
            pipe,
            portrait,
            cmd.text,
            seed=cmd.seed + i,
            steps=cmd.steps,
            guidance=cmd.guidance,
            image_guidance=cmd.image_guidance,
        )
        for i in range(cmd.candidates)
    ]
    seconds = time.perf_counter() - t0
    source = {
        "kind": "text",
        "text": cmd.text,
        "teacher": str(folder.resolve()),
        "pipeline": name,
        "seed": cmd.seed + cmd.pick - 1,
        "steps": cmd.steps,
        "guidance_scale": cmd.guidance,
        "image_guidance_scale": cmd.image_guidance,
        "portrait": portrait_what,
        "size": cmd.size,
        "candidates": cmd.candidates,
        "pick": cmd.pick,
    }
    import tempfile

    with tempfile.TemporaryDirectory(prefix="streamfx-text-style-") as tmp:
        ref = Path(tmp) / "reference.png"
        edits[cmd.pick - 1].save(ref)
        extra = None
        if cmd.candidates > 1:
            extra = Path(tmp) / "candidates"
            extra.mkdir()
            for i, im in enumerate(edits):
                im.save(extra / f"{i + 1}.png")
            contact_sheet(edits).save(extra / "contact_sheet.png")
        spec = add_reference_style(
            cmd.name,
            ref,
            description=cmd.description or f"text prompt: {cmd.text}",
            defaults=cmd.defaults(),
            source=source,
            extra_dir=extra,
            root=cmd.dir,
            force=cmd.force,
        )
    print(f"teacher {name}: {cmd.candidates} edit(s) in {seconds:.1f} s")
    if cmd.candidates > 1:
        sheet = spec.folder / "candidates" / "contact_sheet.png"
        print(
            f"candidates: {sheet} (candidate {cmd.pick} is the reference; another one: "
            f"streamfx styles add {cmd.name} --reference {spec.folder}/candidates/N.png --force)"
        )
    return spec
