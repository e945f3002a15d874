"""The TensorRT engine (TensorRT 10 Python API), written by the book.

For each exported ONNX graph: parse it, build a serialized engine with one optimisation profile
(batch 1..max_batch, optimised for 1), fp16 (the volume graph stays fp32 unless
``fp16_volume``: its transmittance products are the one place where half precision visibly
bands), a timing cache shared by all graphs of one GPU model and TensorRT version, and an engine
cache keyed by GPU name, compute capability, TensorRT version, ONNX hash, profile and flags
(:mod:`streamfx.engines.trt_cache`). Cache files are written atomically; a second start
deserialises the engines in seconds. An engine that fails to deserialise (another TensorRT
build, a corrupt file) is rebuilt, never used.

Inference: ``set_input_shape`` + ``set_tensor_address`` for every I/O tensor (torch tensors by
pointer; outputs allocated by torch) and ``execute_async_v3`` on torch's current CUDA stream.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from streamfx.engines.base import EditorSpec, Engine
from streamfx.engines.graphs import GRAPH_IO, GRAPH_NAMES
from streamfx.engines.trt_cache import (
    GpuInfo,
    engine_key,
    engine_path,
    file_sha256,
    profile_for,
    timing_cache_path,
)
from streamfx.errors import ConfigError, DependencyError, PipelineError
from streamfx.fileio import atomic_write

log = logging.getLogger(__name__)

#: The one line a missing TensorRT prints.
INSTALL = (
    "tensorrt is not installed: pip install 'tensorrt-cu12>=10,<11' "
    "(NVIDIA's wheels; needs an NVIDIA GPU and driver)"
)


def import_tensorrt():
    """The ``tensorrt`` module (>= 10), or ``DependencyError`` with :data:`INSTALL`."""
    try:
        import tensorrt as trt
    except ImportError:
        raise DependencyError(INSTALL) from None
    major = int(str(trt.__version__).split(".")[0])
    if major < 10:
        raise DependencyError(f"tensorrt {trt.__version__} is too old (need 10.x); {INSTALL}")
    return trt


def trt_status() -> tuple[bool, str]:
    """(usable, reason) without building anything: TensorRT importable and a CUDA GPU seen."""
    try:
        trt = import_tensorrt()
    except DependencyError as exc:
        return False, str(exc)
    if not torch.cuda.is_available():
        return False, f"tensorrt {trt.__version__} is installed but torch sees no CUDA GPU"
    return True, f"tensorrt {trt.__version__} on {torch.cuda.get_device_name(0)}"


class TensorRTEngine(Engine):
    """The four graphs as TensorRT engines on one CUDA device (see the module docstring)."""

    name = "tensorrt"

    def __init__(
        self,
        spec: EditorSpec,
        paths: dict[str, Path],
        device: torch.device,
        max_batch: int,
        *,
        cache: Path,
        fp16: bool = True,
        fp16_volume: bool = False,
        workspace_gb: float = 4.0,
    ) -> None:
        """paths: graph name -> .onnx (``export_onnx``). cache: the engine cache root."""
        super().__init__(spec, device, max_batch)
        trt = import_tensorrt()
        if device.type != "cuda" or not torch.cuda.is_available():
            raise ConfigError(f"the tensorrt engine needs a CUDA device, got {device}")
        self.trt = trt
        self.gpu = GpuInfo.current(device.index or 0)
        self.trt_logger = trt.Logger(trt.Logger.WARNING)
        self.runtime = trt.Runtime(self.trt_logger)
        self.engines: dict[str, Any] = {}
        self.contexts: dict[str, Any] = {}
        self.built: list[str] = []
        for name in GRAPH_NAMES:
            flags = {
                "fp16": fp16 and (name != "volume" or fp16_volume),
                "workspace_gb": workspace_gb,
            }
            with torch.cuda.device(device):
                engine = self._load_or_build(name, Path(paths[name]), cache, max_batch, flags)
                self.engines[name] = engine
                self.contexts[name] = engine.create_execution_context()
        self.label = f"tensorrt {trt.__version__} {self.gpu.name} {'fp16' if fp16 else 'fp32'}"

    # ------------------------------------------------------------------ build / load
    def _load_or_build(self, name: str, onnx_path: Path, cache: Path, max_batch: int, flags: dict):
        profile = profile_for(onnx_path, max_batch)
        key = engine_key(self.gpu, self.trt.__version__, file_sha256(onnx_path), profile, flags)
        path = engine_path(cache, name, self.gpu, key)
        if path.is_file():
            engine = self.runtime.deserialize_cuda_engine(path.read_bytes())
            if engine is not None:
                return engine
            log.warning("tensorrt: %s does not deserialise; rebuilding", path)
        blob = self._build(onnx_path, profile, cache, flags)
        atomic_write(path, blob)
        self.built.append(name)
        engine = self.runtime.deserialize_cuda_engine(blob)
        if engine is None:
            raise PipelineError(f"tensorrt built {name} but cannot deserialise it")
        return engine

    def _build(self, onnx_path: Path, profile, cache: Path, flags: dict) -> bytes:
        trt = self.trt
        builder = trt.Builder(self.trt_logger)
        network = builder.create_network(0)  # explicit batch is the only mode in TensorRT 10
        parser = trt.OnnxParser(network, self.trt_logger)
        if not parser.parse_from_file(str(onnx_path)):
            errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
            raise PipelineError(f"tensorrt cannot parse {onnx_path}: {errors}")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(
            trt.MemoryPoolType.WORKSPACE, int(flags["workspace_gb"] * (1 << 30))
        )
        if flags["fp16"]:
            config.set_flag(trt.BuilderFlag.FP16)
        opt = builder.create_optimization_profile()
        for input_name, (lo, mid, hi) in profile.shapes.items():
            opt.set_shape(input_name, lo, mid, hi)
        config.add_optimization_profile(opt)
        tc_path = timing_cache_path(cache, self.gpu, trt.__version__)
        timing = config.create_timing_cache(tc_path.read_bytes() if tc_path.is_file() else b"")
        config.set_timing_cache(timing, ignore_mismatch=False)
        blob = builder.build_serialized_network(network, config)
        if blob is None:
            raise PipelineError(f"tensorrt failed to build {onnx_path} (see the log above)")
        atomic_write(tc_path, bytes(config.get_timing_cache().serialize()))
        return bytes(blob)

    # ------------------------------------------------------------------ running
    def _run(self, name: str, *args: torch.Tensor) -> list[torch.Tensor]:
        inputs, outputs = GRAPH_IO[name]
        ctx = self.contexts[name]
        args = tuple(a.to(self.device, torch.float32).contiguous() for a in args)
        for n, t in zip(inputs, args, strict=True):
            ctx.set_input_shape(n, tuple(t.shape))
            ctx.set_tensor_address(n, t.data_ptr())
        results = []
        for n in outputs:
            out = torch.empty(tuple(ctx.get_tensor_shape(n)), device=self.device)
            ctx.set_tensor_address(n, out.data_ptr())
            results.append(out)
        if not ctx.execute_async_v3(torch.cuda.current_stream(self.device).cuda_stream):
            raise PipelineError(f"tensorrt: {name} failed to execute")
        return results

    def _run_prompt(self, refs: torch.Tensor) -> torch.Tensor:
        return self._run("prompt", refs)[0]

    def _run_encoder(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self._run("encoder", images, tokens)[0]

    def _run_volume(self, triplanes: torch.Tensor, cameras: torch.Tensor):
        features, alpha, depth = self._run("volume", triplanes, cameras)
        return features, alpha, depth

    def _run_superres(self, features: torch.Tensor) -> torch.Tensor:
        return self._run("superres", features)[0]

    def close(self) -> None:
        """Drop contexts before engines (TensorRT's required order)."""
        self.contexts.clear()
        self.engines.clear()
