"""What the TensorRT engine decides without TensorRT: profiles, cache keys, atomic cache files.

Kept apart from :mod:`streamfx.engines.trt_engine` so that it is tested on machines without
TensorRT or a GPU (they are the parts that made other tools rebuild an engine at every start or
load one built for another GPU).

- :func:`profile_for`: the optimisation profile of one exported ONNX file: every input's
  (min, opt, max) shape, batch 1 / 1 / max_batch, other dimensions from the file.
- :func:`engine_key`: SHA-256 over GPU name, compute capability, TensorRT version, the ONNX
  file's SHA-256, the profile and the build flags. Any change means another engine file.
Engine and timing-cache files are written with ``streamfx.fileio.atomic_write``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from streamfx.errors import ConfigError, require

#: Version of this key/profile scheme (part of every key).
CACHE_SCHEME = 1


@dataclass(frozen=True)
class GpuInfo:
    """The GPU an engine is built for: name, compute capability (major, minor)."""

    name: str
    capability: tuple[int, int]

    @classmethod
    def current(cls, index: int = 0) -> GpuInfo:
        """The CUDA device ``index`` as torch sees it."""
        import torch

        return cls(torch.cuda.get_device_name(index), torch.cuda.get_device_capability(index))

    @property
    def tag(self) -> str:
        """A file-name-safe tag, e.g. ``NVIDIA-H200-sm90``."""
        safe = "".join(c if c.isalnum() else "-" for c in self.name).strip("-")
        return f"{safe}-sm{self.capability[0]}{self.capability[1]}"


@dataclass(frozen=True)
class Profile:
    """One optimisation profile: input name -> (min, opt, max) shapes."""

    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=dict
    )

    def to_json(self) -> dict:
        """JSON-friendly form (lists), stable key order."""
        return {n: [list(s) for s in mm] for n, mm in sorted(self.shapes.items())}


def onnx_inputs(path: str | Path) -> dict[str, list[int | str]]:
    """Input name -> dims (ints, or the symbolic name of a dynamic dim) of an ONNX file."""
    onnx = require("onnx", extra="onnx")
    model = onnx.load(str(path), load_external_data=False)
    init = {i.name for i in model.graph.initializer}
    out: dict[str, list[int | str]] = {}
    for inp in model.graph.input:
        if inp.name in init:
            continue
        dims = inp.type.tensor_type.shape.dim
        out[inp.name] = [d.dim_param if d.dim_param else int(d.dim_value) for d in dims]
    return out


def profile_for(path: str | Path, max_batch: int, opt_batch: int = 1) -> Profile:
    """The profile for ``path``: batch (dim 0, which must be dynamic) from 1 to ``max_batch``,
    optimised for ``opt_batch``; every other dimension must be static."""
    if not 1 <= opt_batch <= max_batch:
        raise ConfigError(f"need 1 <= opt_batch ({opt_batch}) <= max_batch ({max_batch})")
    shapes = {}
    for name, dims in onnx_inputs(path).items():
        if not dims or isinstance(dims[0], int):
            raise ConfigError(f"{path}: input {name} {dims} has no dynamic batch axis")
        rest = dims[1:]
        if not all(isinstance(d, int) and d > 0 for d in rest):
            raise ConfigError(f"{path}: input {name} {dims} has dynamic non-batch dims")
        tail = tuple(int(d) for d in rest)
        shapes[name] = ((1, *tail), (opt_batch, *tail), (max_batch, *tail))
    return Profile(shapes)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def engine_key(
    gpu: GpuInfo, trt_version: str, onnx_sha256: str, profile: Profile, flags: dict
) -> str:
    """The engine cache key (24 hex) of one build."""
    payload = {
        "scheme": CACHE_SCHEME,
        "gpu": gpu.name,
        "capability": list(gpu.capability),
        "tensorrt": trt_version,
        "onnx": onnx_sha256,
        "profile": profile.to_json(),
        "flags": dict(sorted(flags.items())),
    }
    blob = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def engine_path(cache: Path, graph: str, gpu: GpuInfo, key: str) -> Path:
    """``<cache>/tensorrt/<graph>-<gpu tag>-<key>.engine``."""
    return cache / "tensorrt" / f"{graph}-{gpu.tag}-{key}.engine"


def timing_cache_path(cache: Path, gpu: GpuInfo, trt_version: str) -> Path:
    """One timing cache per GPU model and TensorRT version (shared by all graphs)."""
    return cache / "tensorrt" / f"timing-{gpu.tag}-trt{trt_version}.cache"
