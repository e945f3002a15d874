"""``PortraitEditor``: the 3DPE network (encoder + triplane renderer) behind one small API.

    editor = PortraitEditor.from_official_checkpoint("3dpe.pt")      # or .from_pretrained(dir)
    tokens = editor.encode_prompt(reference)      # [B,3,224,224] ImageNet-normalised -> [B,197,768]
    triplane = editor.encode(image, tokens)       # [B,3,512,512] in [-1,1] -> [B,96,256,256]
    out = editor.render(triplane, camera)         # camera [B,25] -> image, image_raw, alpha, ...

Every ``from_*`` constructor returns an eval-mode model (ASPP dropout off) with the SR styles
folded. Loading is strict: any missing, unexpected or mis-shaped tensor is a ``CheckpointError``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from streamfx.editor.convert import (
    FORMAT_NAME,
    GET_HINT,
    load_official_dicts,
    split_official_encoder,
)
from streamfx.editor.encoder.live3d import Live3DEditingEncoder
from streamfx.editor.folder import CONFIG_NAME, WEIGHTS_NAME, check_state_dict
from streamfx.editor.presets import EditorConfig, get_preset
from streamfx.errors import CheckpointError, ConfigError, InputError


class PortraitEditor(nn.Module):
    """3DPE: ``encoder`` (Live3DEditingEncoder) + ``renderer`` (TriplaneRenderer).

    ``PortraitEditor(config)`` (a preset name or an ``EditorConfig``; default ``3dpe``) builds a
    randomly initialised model in ``nn.Module``'s default train mode, for training; use the
    ``from_*`` constructors for inference.
    """

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
        self.encoder = Live3DEditingEncoder(config.encoder)
        self.renderer = TriplaneRenderer(render_cfg)
        self._prompt_cache: OrderedDict[Hashable, torch.Tensor] = OrderedDict()

    # ---------------------------------------------------------------- loading / saving
    @classmethod
    def from_official(
        cls,
        encoder_state_dict: Mapping[str, torch.Tensor],
        renderer_state_dict: Mapping[str, torch.Tensor],
        config: EditorConfig | str | None = None,
    ) -> PortraitEditor:
        """Strictly load the official ``3dpe.pt`` dictionaries (layer3/4 keys are dropped)."""
        model = cls(config)
        enc = split_official_encoder(encoder_state_dict, model.encoder)
        check_state_dict(model.renderer, renderer_state_dict, "renderer_state_dict")
        model.encoder.load_state_dict(enc, strict=True)
        model.renderer.load_state_dict(dict(renderer_state_dict), strict=True)
        return model._ready()

    @classmethod
    def from_official_checkpoint(
        cls, path: str | Path, config: EditorConfig | str | None = None
    ) -> PortraitEditor:
        """Load an official ``3dpe.pt`` with ``torch.load(weights_only=True)`` (no pickled code)."""
        enc, ren = load_official_dicts(Path(path))
        try:
            return cls.from_official(enc, ren, config)
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}\n{GET_HINT}") from None

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` (no pickle) into ``directory``."""
        from streamfx.editor.folder import save_folder

        return save_folder(self, self.config, directory, FORMAT_NAME)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> PortraitEditor:
        """Load a folder written by ``save_pretrained`` (strict; eval mode; styles folded)."""
        from streamfx.editor.folder import load_folder

        def missing(p: Path, d: Path) -> str:
            return (
                f"{p} not found: a streamfx editor folder holds {CONFIG_NAME} and "
                f"{WEIGHTS_NAME} (make one with `streamfx weights import 3dpe.pt -o {d}`)"
            )

        def foreign(cfg_path: Path, _found: str | None) -> str:
            return f"{cfg_path} is not a {FORMAT_NAME} config"

        return load_folder(cls, directory, FORMAT_NAME, missing, foreign)._ready()

    def _ready(self) -> PortraitEditor:
        """Inference state: SR styles folded into plain conv weights, eval mode (no dropout)."""
        self.renderer.fold_styles()
        return self.eval()

    # ---------------------------------------------------------------- inference
    def encode_prompt(self, reference: torch.Tensor) -> torch.Tensor:
        """[B,3,224,224] ImageNet-normalised reference -> prompt tokens [B,197,768]."""
        size = self.config.encoder.mae["image_size"]
        if reference.ndim != 4 or tuple(reference.shape[1:]) != (3, size, size):
            raise InputError(
                f"reference must be [B,3,{size},{size}] (ImageNet-normalised), "
                f"got {tuple(reference.shape)}"
            )
        return self.encoder.encode_prompt(reference)

    def prompt_tokens_for(self, key: Hashable, reference: torch.Tensor) -> torch.Tensor:
        """Cached ``encode_prompt``: tokens for prompt ``key`` (LRU, ``prompt_cache_size``)."""
        hit = self._prompt_cache.get(key)
        if hit is not None and hit.device == reference.device:
            self._prompt_cache.move_to_end(key)
            return hit
        with torch.no_grad():
            tokens = self.encode_prompt(reference).detach()
        self._prompt_cache[key] = tokens
        while len(self._prompt_cache) > max(self.config.prompt_cache_size, 1):
            self._prompt_cache.popitem(last=False)
        return tokens

    def clear_prompt_cache(self) -> None:
        """Forget every cached prompt."""
        self._prompt_cache.clear()

    def encode(self, image: torch.Tensor, prompt_tokens: torch.Tensor) -> torch.Tensor:
        """image [B,3,S,S] in [-1,1] + tokens [B or 1,197,768] -> triplane [B,96,S/2,S/2]."""
        s = self.config.encoder.image_size
        if image.ndim != 4 or tuple(image.shape[1:]) != (3, s, s):
            raise InputError(f"image must be [B,3,{s},{s}] in [-1,1], got {tuple(image.shape)}")
        d = self.config.encoder.mae["dim"]
        if prompt_tokens.ndim != 3 or prompt_tokens.shape[-1] != d:
            raise InputError(f"prompt tokens must be [B,N,{d}], got {tuple(prompt_tokens.shape)}")
        if prompt_tokens.shape[0] != image.shape[0]:
            if prompt_tokens.shape[0] != 1:
                raise InputError(
                    f"prompt tokens batch {prompt_tokens.shape[0]} does not match image batch "
                    f"{image.shape[0]} (use 1 to share one prompt)"
                )
            prompt_tokens = prompt_tokens.expand(image.shape[0], -1, -1)
        return self.encoder(image, prompt_tokens.to(image.dtype))

    def render(
        self, triplane: torch.Tensor, camera: torch.Tensor | np.ndarray, deterministic: bool = True
    ) -> dict[str, torch.Tensor]:
        """triplane [B,96,256,256], camera [B,25] (or [25]) -> the renderer's output dict:
        ``image`` [B,3,512,512], ``image_raw`` [B,3,128,128], ``image_depth`` [B,1,128,128],
        ``feature_image`` [B,32,128,128], ``alpha`` [B,1,128,128]."""
        if not torch.is_tensor(camera):
            camera = torch.from_numpy(np.asarray(camera, dtype=np.float32))
        cam = camera.to(device=triplane.device, dtype=torch.float32)
        if cam.ndim == 1:
            cam = cam[None]
        if cam.ndim != 2 or cam.shape[1] != 25:
            raise InputError(f"camera must be [B,25] EG3D labels, got {tuple(cam.shape)}")
        if cam.shape[0] == 1 and triplane.shape[0] > 1:
            cam = cam.expand(triplane.shape[0], -1)
        return self.renderer(triplane, cam, deterministic=deterministic)

    def edit(
        self,
        image: torch.Tensor,
        reference_or_tokens: torch.Tensor,
        camera: torch.Tensor | np.ndarray,
        deterministic: bool = True,
    ) -> dict[str, torch.Tensor]:
        """One call: reference [B,3,224,224] (or tokens [B,197,768]) -> render dict + triplane."""
        tokens = reference_or_tokens
        if reference_or_tokens.ndim == 4:
            tokens = self.encode_prompt(reference_or_tokens)
        triplane = self.encode(image, tokens)
        out = dict(self.render(triplane, camera, deterministic))
        out["triplane"] = triplane
        return out
