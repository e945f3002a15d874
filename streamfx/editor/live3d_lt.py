"""The Live3D-LT reconstructor (the 3DPE training teacher) and its official-weights importer.

Live3D-LT (``EG3DInvEncoder`` in "LT" mode of the Live3DPortrait re-implementation, PAPER.md
sections 4.2 and 5) is our 3DPE network without the prompt branch: E_low and E_high feed E_t
directly (``Final_encoder(cat[F_high, F])``), and the same frozen EG3D renderer draws the
triplane. During distillation it lifts a 2-D edit to the target triplane (``rec_net``).

    teacher = Live3DReconstructor.from_pretrained("models/live3d-lt")
    triplane = teacher.reconstruct(image)          # [B,3,512,512] in [-1,1] -> [B,96,256,256]
    out = teacher.render(triplane, camera)         # the renderer's dict (image, image_raw, ...)

The official weights are ``encoder_render_LT_90000.pt``: a torch pickle with
``encoder_state_dict`` and ``renderer_state_dict`` (training checkpoints add ``step``, ``opts``
and the like, which are ignored). ``import_live3d`` maps its keys through ``KEY_MAP`` into our
folder format (``config.json`` with format ``streamfx-live3d-lt`` + ``model.safetensors``);
any key outside the map, a missing key or a wrong shape is a ``CheckpointError`` listing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from streamfx.editor.convert import (
    load_official_dicts,
    split_official_encoder,
)
from streamfx.editor.encoder.live3d import EncoderConfig, Live3DEditingEncoder, add_trunk
from streamfx.editor.folder import CONFIG_NAME, WEIGHTS_NAME, check_state_dict
from streamfx.editor.presets import EditorConfig, get_preset
from streamfx.errors import CheckpointError, ConfigError, InputError

FORMAT_NAME = "streamfx-live3d-lt"
OFFICIAL_FILE = "encoder_render_LT_90000.pt"
#: Google Drive folder of the Live3DPortrait weights (Dong142857/Live3DPortrait README; the LT
#: release, PAPER.md 1.2: "presumably" there or in the 3DPE ``pretrained_models/`` archive).
LIVE3D_DRIVE_FOLDER = "1Z6uri8pH048Qzyhu0PE3llxO5EC7ic_v"
GET_HINT = (
    f"download the Live3D-LT weights {OFFICIAL_FILE} (Live3DPortrait LT release, Google Drive "
    f"folder {LIVE3D_DRIVE_FOLDER}, or the 3DPE pretrained_models archive) and convert them "
    f"with `streamfx weights import-live3d PATH/TO/{OFFICIAL_FILE} -o models/live3d-lt`"
)

#: official (dictionary, key prefix) -> our key prefix. Every key of the official file must fall
#: under one row (besides the never-executed ResNet ``encoder.layer3/4.*``, dropped after a shape
#: check); within a row the rest of the name is kept (smp 0.3.x names, ``pathembed`` sic).
KEY_MAP: tuple[tuple[str, str, str], ...] = (
    ("encoder_state_dict", "encoder.", "encoder.encoder."),  # ResNet-34 stem..layer2 (E_low)
    ("encoder_state_dict", "decoder.", "encoder.decoder."),  # DeepLabV3 ASPP (E_low)
    ("encoder_state_dict", "F_encoder.", "encoder.F_encoder."),  # SegFormer head (E_low)
    ("encoder_state_dict", "EHigh_encoder.", "encoder.EHigh_encoder."),  # E_high
    ("encoder_state_dict", "Final_encoder.", "encoder.Final_encoder."),  # E_t
    ("renderer_state_dict", "const", "renderer.const"),  # SR style constant
    ("renderer_state_dict", "decoder.", "renderer.decoder."),  # OSGDecoder
    ("renderer_state_dict", "superresolution.", "renderer.superresolution."),  # SR
)


def map_official(dicts: Mapping[str, Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """{official dictionary: {key: tensor}} -> our flat state dict through ``KEY_MAP``;
    ``CheckpointError`` listing every key no row maps."""
    out: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    for name, sd in dicts.items():
        for k, v in sd.items():
            row = next((r for r in KEY_MAP if r[0] == name and k.startswith(r[1])), None)
            if row is None:
                unknown.append(f"{name}/{k}")
                continue
            out[row[2] + k[len(row[1]) :]] = v
    if unknown:
        raise CheckpointError(
            f"{len(unknown)} key(s) outside the Live3D-LT key map: {', '.join(unknown)}"
        )
    return out


def unmap_official(sd: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
    """Inverse of ``map_official``: our state dict -> the two official dictionaries."""
    out: dict[str, dict[str, torch.Tensor]] = {"encoder_state_dict": {}, "renderer_state_dict": {}}
    for k, v in sd.items():
        row = next(r for r in KEY_MAP if k.startswith(r[2]))
        out[row[0]][row[1] + k[len(row[2]) :]] = v
    return out


class Live3DLTEncoder(nn.Module):
    """Official ``EG3DInvEncoder`` (LT): image [B,3,S,S] in [-1,1] -> triplane [B,planes,S/2,S/2].

    The submodules and their keys are those of ``Live3DEditingEncoder`` without ``Ref_encoder``;
    F_high goes straight into E_t (no cross-attention)."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        c = config or EncoderConfig()
        self.config = c
        add_trunk(self, c)
        self._coords: dict[tuple, torch.Tensor] = {}

    # the coordinate channels and E_low are the 3DPE encoder's own code (same attributes)
    with_coords = Live3DEditingEncoder.with_coords
    e_low = Live3DEditingEncoder.e_low

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """image [B,3,S,S] in [-1,1] -> triplane [B,planes,S/2,S/2]."""
        x5 = self.with_coords(image)
        f_low = self.e_low(x5)
        return self.Final_encoder(torch.cat([self.EHigh_encoder(x5), f_low], dim=1))


class Live3DReconstructor(nn.Module):
    """Live3D-LT: ``encoder`` (Live3DLTEncoder) + ``renderer`` (the 3DPE TriplaneRenderer).

    ``Live3DReconstructor(config)`` (a preset name or ``EditorConfig``; default ``3dpe``, whose
    encoder widths are Live3D-LT's) is randomly initialised; the ``from_*`` constructors return
    an eval-mode model with the SR styles folded, loaded strictly."""

    def __init__(self, config: EditorConfig | str | None = None) -> None:
        super().__init__()
        from streamfx.editor.render import TriplaneRenderer

        if config is None or isinstance(config, str):
            config = get_preset(config or "3dpe")
        self.config = config
        render_cfg = config.render_config()
        if config.encoder.planes != 3 * render_cfg.plane_channels:
            raise ConfigError(
                f"encoder emits {config.encoder.planes} triplane channels but the renderer "
                f"expects 3 x {render_cfg.plane_channels}"
            )
        self.encoder = Live3DLTEncoder(config.encoder)
        self.renderer = TriplaneRenderer(render_cfg)

    # ---------------------------------------------------------------- loading / saving
    @classmethod
    def from_official(
        cls,
        encoder_state_dict: Mapping[str, torch.Tensor],
        renderer_state_dict: Mapping[str, torch.Tensor],
        config: EditorConfig | str | None = None,
    ) -> Live3DReconstructor:
        """Strictly load the official dictionaries (``encoder.layer3/4.*`` are dropped)."""
        model = cls(config)
        enc = dict(encoder_state_dict)
        prompt_keys = [k for k in enc if k.startswith("Ref_encoder.")]
        try:
            enc = split_official_encoder(enc, model.encoder)
            check_state_dict(model.renderer, renderer_state_dict, "renderer_state_dict")
        except CheckpointError as exc:
            note = ""
            if prompt_keys:
                note = (
                    f"\n  it has {len(prompt_keys)} Ref_encoder.* keys: a 3DPE checkpoint "
                    "(import that with `streamfx weights import`), not Live3D-LT"
                )
            raise CheckpointError(f"{exc}{note}") from None
        sd = map_official(
            {"encoder_state_dict": enc, "renderer_state_dict": dict(renderer_state_dict)}
        )
        check_state_dict(model, sd, "Live3D-LT weights")
        model.load_state_dict(sd, strict=True)
        return model._ready()

    @classmethod
    def from_official_checkpoint(
        cls, path: str | Path, config: EditorConfig | str | None = None
    ) -> Live3DReconstructor:
        """Load ``encoder_render_LT_90000.pt`` with ``torch.load(weights_only=True)``."""
        enc, ren = load_official_dicts(
            Path(path), what=f"official Live3D-LT checkpoint ({OFFICIAL_FILE})", hint=GET_HINT
        )
        try:
            return cls.from_official(enc, ren, config)
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from None

    def official_state_dicts(self) -> dict[str, dict[str, torch.Tensor]]:
        """This model's weights as the official ``encoder_state_dict``/``renderer_state_dict``
        (without the unused ``layer3/4``)."""
        return unmap_official(self.state_dict())

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` (no pickle) into ``directory``."""
        from streamfx.editor.folder import save_folder

        return save_folder(self, self.config, directory, FORMAT_NAME)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> Live3DReconstructor:
        """Load a folder written by ``save_pretrained``/``import_live3d`` (strict, eval mode)."""
        from streamfx.editor.folder import load_folder

        def missing(p: Path, d: Path) -> str:
            return (
                f"{p} not found: no Live3D-LT teacher at {d} (a folder with {CONFIG_NAME} "
                f"and {WEIGHTS_NAME}); {GET_HINT.replace('models/live3d-lt', str(d))}"
            )

        def foreign(cfg_path: Path, found: str | None) -> str:
            return (
                f"{cfg_path} is a {found!r} folder, not a Live3D-LT teacher ({FORMAT_NAME}); "
                f"{GET_HINT}"
            )

        return load_folder(cls, directory, FORMAT_NAME, missing, foreign)._ready()

    def _ready(self) -> Live3DReconstructor:
        self.renderer.fold_styles()
        return self.eval()

    # ---------------------------------------------------------------- inference
    def reconstruct(self, image: torch.Tensor) -> torch.Tensor:
        """image [B,3,S,S] in [-1,1] -> triplane [B,planes,S/2,S/2]."""
        s = self.config.encoder.image_size
        if image.ndim != 4 or tuple(image.shape[1:]) != (3, s, s):
            raise InputError(f"image must be [B,3,{s},{s}] in [-1,1], got {tuple(image.shape)}")
        return self.encoder(image)

    def render(
        self, triplane: torch.Tensor, camera: torch.Tensor | np.ndarray, deterministic: bool = True
    ) -> dict[str, torch.Tensor]:
        """triplane + camera [B,25] (or [25]) -> the renderer's dict, as ``PortraitEditor.render``
        (the same code: it only uses ``self.renderer``)."""
        from streamfx.editor.editor import PortraitEditor

        return PortraitEditor.render(self, triplane, camera, deterministic)  # type: ignore[arg-type]

    def forward(
        self, image: torch.Tensor, camera: torch.Tensor | np.ndarray, deterministic: bool = True
    ) -> dict[str, torch.Tensor]:
        """Reconstruct and render: the render dict plus ``triplane``."""
        triplane = self.reconstruct(image)
        out = dict(self.render(triplane, camera, deterministic))
        out["triplane"] = triplane
        return out


def import_live3d(src: str | Path, out_dir: str | Path, config=None) -> Path:
    """Strictly convert an official ``encoder_render_LT_90000.pt`` into our folder format;
    returns ``out_dir``. ``config`` (preset name or ``EditorConfig``, default ``3dpe``) is the
    network it must match. An existing weights folder at ``out_dir`` is never overwritten."""
    out = Path(out_dir).expanduser()
    if (out / WEIGHTS_NAME).exists() or (out / CONFIG_NAME).exists():
        raise ConfigError(
            f"{out} already holds a weights folder ({CONFIG_NAME}/{WEIGHTS_NAME}); choose "
            "another -o folder or remove it first"
        )
    model = Live3DReconstructor.from_official_checkpoint(Path(src).expanduser(), config)
    return model.save_pretrained(out)
