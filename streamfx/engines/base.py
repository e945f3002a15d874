"""The engine interface, weight sources and the helpers every engine shares.

An engine executes the four graphs of :mod:`streamfx.engines.graphs` on one device::

    tokens = engine.encode_prompt(refs)          # [1,3,224,224] -> [1,197,d] (once per style)
    tri = engine.encode(images, tokens)          # [N,3,512,512] in [-1,1] -> [N,planes,T,T]
    out = engine.render(tri, cameras)            # [N,25] -> image [N,3,S,S], alpha, depth

Inputs and outputs are torch tensors on ``engine.device`` (CPU tensors are accepted everywhere
and moved). ``engine.last_timings`` holds the seconds of the last call's stages (``prompt``,
``encode``, ``render``, ``superres``), synchronised on the device.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from streamfx.errors import ConfigError, InputError, ModelFileError

#: Bumped whenever the graphs or the export settings change (part of the export cache key).
GRAPH_VERSION = 1


@dataclass(frozen=True)
class EditorSpec:
    """What an engine needs to know about the network without holding it.

    preset: the preset name recorded in the config (may be empty). config: the editor config
    as a dict. digest: SHA-256 of config + weights (the export cache key's first half).
    folder: the weights folder, or None for an in-memory editor.
    """

    preset: str
    config: dict
    digest: str
    folder: Path | None

    @property
    def out_side(self) -> int:
        """Side of the super-resolved image."""
        from streamfx.editor.presets import EditorConfig

        return EditorConfig.from_dict(self.config).render_config().image_resolution


_DIGESTS: dict[tuple, str] = {}


def _file_sha256(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 24):
                h.update(chunk)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def editor_digest(editor) -> str:
    """SHA-256 of an in-memory editor: its config and every state-dict tensor (order, bytes)."""
    h = hashlib.sha256(json.dumps(editor.config.to_dict(), sort_keys=True).encode())
    for name, t in editor.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()


def describe_weights(weights: Any, preset: str | None = None) -> EditorSpec:
    """An :class:`EditorSpec` for a weights folder or a ``PortraitEditor``, without loading
    tensors from a folder (its safetensors file is hashed, memoised by size and mtime).

    ``preset``: when given, the weights must be of that preset (``ConfigError`` otherwise).
    """
    from streamfx.editor.editor import PortraitEditor
    from streamfx.editor.folder import CONFIG_NAME, WEIGHTS_NAME, read_json

    if isinstance(weights, PortraitEditor):
        cfg = weights.config
        spec = EditorSpec(cfg.preset, cfg.to_dict(), editor_digest(weights), None)
    elif isinstance(weights, str | Path):
        d = Path(weights)
        cfg_path, w_path = d / CONFIG_NAME, d / WEIGHTS_NAME
        if not cfg_path.is_file() or not w_path.is_file():
            raise ModelFileError(
                f"{d} is not a streamfx editor folder ({CONFIG_NAME} + {WEIGHTS_NAME}); make one "
                f"with `streamfx weights import 3dpe.pt -o {d}`"
            )
        meta = read_json(cfg_path)
        config = {k: v for k, v in meta.items() if k not in ("format", "version")}
        h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
        h.update(_file_sha256(w_path).encode())
        spec = EditorSpec(str(config.get("preset", "")), config, h.hexdigest(), d)
    else:
        raise ConfigError(
            f"weights must be a weights folder or a PortraitEditor, got {type(weights).__name__}"
        )
    _check_preset(spec.preset, preset)
    return spec


def load_editor(weights: Any, preset: str | None = None):
    """A ``PortraitEditor`` in inference state (eval, styles folded) from ``weights``.

    ``weights`` is a converted folder, a ``PortraitEditor`` (used as is), or None with a
    ``preset``: then the preset's random initialisation with seed 0, for benches and tests only
    (outputs are meaningless; the engine's ``random_weights`` says so).
    """
    from streamfx.editor.editor import PortraitEditor

    if weights is None:
        if not preset:
            raise ModelFileError(
                "no weights given: pass a converted weights folder (`streamfx weights import`), "
                "or a preset name for random weights (benchmarks only)"
            )
        torch.manual_seed(0)
        return PortraitEditor(preset)._ready()
    if isinstance(weights, PortraitEditor):
        _check_preset(weights.config.preset, preset)
        return weights._ready()
    editor = PortraitEditor.from_pretrained(weights)
    _check_preset(editor.config.preset, preset)
    return editor


def _check_preset(found: str, asked: str | None) -> None:
    if asked and found and found != asked:
        raise ConfigError(f"weights are of preset {found!r}, but preset {asked!r} was asked")


def check_batch(name: str, t: torch.Tensor, tail: tuple[int, ...], max_batch: int) -> None:
    """``InputError`` unless ``t`` is [N,*tail] with 1 <= N <= max_batch."""
    if t.ndim != len(tail) + 1 or tuple(t.shape[1:]) != tail:
        raise InputError(f"{name} must be [N,{','.join(map(str, tail))}], got {tuple(t.shape)}")
    if not 1 <= t.shape[0] <= max_batch:
        raise InputError(f"{name}: batch {t.shape[0]} outside 1..{max_batch} (max_batch)")


class Engine(ABC):
    """Runs the 3DPE graphs. Subclasses implement the four ``_run_*`` methods.

    name: registry name ("torch", "onnxruntime", "tensorrt"). label: a human description
    ("onnxruntime CPU, 2 threads"). device: where inputs and outputs live. max_batch: the most
    faces one call takes. random_weights: True when built from a preset's random init.
    """

    name: str = ""

    def __init__(self, spec: EditorSpec, device: torch.device, max_batch: int) -> None:
        if max_batch < 1:
            raise ConfigError(f"max_batch must be >= 1, got {max_batch}")
        self.spec = spec
        self.device = device
        self.max_batch = max_batch
        self.random_weights = False
        self.label = self.name
        self._local = threading.local()
        cfg = spec.config
        enc = cfg.get("encoder", {})
        self.token_dim = int(enc.get("mae", {}).get("dim", 768))
        self.ref_side = int(enc.get("mae", {}).get("image_size", 224))
        self.planes = int(enc.get("planes", 96))

    @property
    def last_timings(self) -> dict[str, float]:
        """Seconds of the stages of this thread's last call (per thread, so a prompt encoded
        on another thread never overwrites the frame path's timings)."""
        return getattr(self._local, "timings", {})

    @last_timings.setter
    def last_timings(self, value: dict[str, float]) -> None:
        self._local.timings = value

    # ------------------------------------------------------------------ public API
    def encode_prompt(self, refs: torch.Tensor) -> torch.Tensor:
        """refs [B,3,224,224] ImageNet-normalised -> tokens [B,197,d] (float32)."""
        s = self.ref_side
        check_batch("refs", refs, (3, s, s), self.max_batch)
        t0 = time.perf_counter()
        out = self._run_prompt(refs.to(self.device, torch.float32))
        self.last_timings = {"prompt": self._sync_elapsed(t0)}
        return out

    def encode(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """images [N,3,512,512] in [-1,1], tokens [N or 1,197,d] -> triplanes [N,planes,T,T]."""
        from streamfx.engines.graphs import CROP_SIDE

        check_batch("images", images, (3, CROP_SIDE, CROP_SIDE), self.max_batch)
        n = images.shape[0]
        if tokens.ndim != 3 or tokens.shape[-1] != self.token_dim or tokens.shape[0] not in (1, n):
            raise InputError(
                f"tokens must be [1 or {n},N,{self.token_dim}], got {tuple(tokens.shape)}"
            )
        tokens = tokens.to(self.device, torch.float32).expand(n, -1, -1)
        t0 = time.perf_counter()
        out = self._run_encoder(images.to(self.device, torch.float32), tokens)
        self.last_timings = {"encode": self._sync_elapsed(t0)}
        return out

    def render(self, triplanes: torch.Tensor, cameras: torch.Tensor) -> dict[str, torch.Tensor]:
        """triplanes [N,planes,T,T], cameras [N,25] -> ``image`` [N,3,S,S] (about [-1,1]),
        ``alpha`` [N,1,R,R] in [0,1], ``depth`` [N,1,R,R]; ``last_timings`` gets ``render``
        (volume rendering) and ``superres``."""
        n = triplanes.shape[0]
        if triplanes.ndim != 4 or triplanes.shape[1] != self.planes:
            raise InputError(
                f"triplanes must be [N,{self.planes},T,T], got {tuple(triplanes.shape)}"
            )
        check_batch("triplanes", triplanes, tuple(triplanes.shape[1:]), self.max_batch)
        cameras = torch.as_tensor(cameras).to(self.device, torch.float32)
        if cameras.shape != (n, 25):
            raise InputError(f"cameras must be [{n},25] EG3D labels, got {tuple(cameras.shape)}")
        t0 = time.perf_counter()
        features, alpha, depth = self._run_volume(triplanes.to(self.device), cameras)
        render_s = self._sync_elapsed(t0)
        t1 = time.perf_counter()
        image = self._run_superres(features)
        self.last_timings = {"render": render_s, "superres": self._sync_elapsed(t1)}
        return {"image": image, "alpha": alpha, "depth": depth}

    def warmup(self, batches: tuple[int, ...] = (1,)) -> None:
        """Run every graph once per batch size (allocations, kernel choice, graph capture)."""
        from streamfx.engines.graphs import CROP_SIDE

        g = torch.Generator().manual_seed(0)
        refs = torch.randn(1, 3, self.ref_side, self.ref_side, generator=g)
        tokens = self.encode_prompt(refs)
        for b in batches:
            img = torch.rand(b, 3, CROP_SIDE, CROP_SIDE, generator=g) * 2 - 1
            tri = self.encode(img, tokens)
            from streamfx.geometry.camera import camera_from_angles

            cam = torch.from_numpy(camera_from_angles()).float()[None].expand(b, -1)
            self.render(tri, cam)

    #: Whether ``with_delta`` works: the torch engine swaps tensors into its network; engines
    #: that run exported graphs with the weights baked in (onnxruntime, TensorRT) cannot.
    takes_delta: bool = False

    def with_delta(self, tensors: dict[str, torch.Tensor], label: str = "") -> Engine:
        """An engine running this one's network with ``tensors`` (adapted weights by parameter
        name: a style's ``delta.safetensors``) in place of its own, sharing everything else.
        ``label`` names it (e.g. the style). ConfigError on an engine whose weights are baked
        into its graphs."""
        raise ConfigError(
            f"the {self.name} engine runs exported graphs with the weights baked in, so it "
            f"cannot apply adapted weights{f' ({label})' if label else ''}; use --engine torch"
        )

    def close(self) -> None:
        """Release sessions and device memory (safe to call twice)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ subclass hooks
    @abstractmethod
    def _run_prompt(self, refs: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def _run_encoder(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def _run_volume(
        self, triplanes: torch.Tensor, cameras: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...

    @abstractmethod
    def _run_superres(self, features: torch.Tensor) -> torch.Tensor: ...

    # ------------------------------------------------------------------ helpers
    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _sync_elapsed(self, t0: float) -> float:
        self._sync()
        return time.perf_counter() - t0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} max_batch={self.max_batch}>"
