"""The onnxruntime engine: the exported graphs on the CPU, CUDA or TensorRT execution provider.

CPU: ``threads`` intra-op threads (default: the cores this process may use), sequential
execution, all graph optimisations. The CPU memory arena is OFF by default: measured on the full
preset (docs/benchmarks.md) it costs over a gigabyte more peak memory for about 15 % of speed;
``cpu_arena=True`` (``onnxruntime:arena``) turns it on, as ONE arena shared by the four graphs
(they run one after another), which peaks at 2.9 GB instead of 3.6 GB with an arena each.
CUDA: inputs and outputs stay on the GPU through IO binding
(torch tensors are bound by pointer, so a frame crosses the bus once each way). TensorRT EP: its
own engine and timing caches under the engine cache folder, fp16, with a batch profile
1..max_batch. A requested provider that onnxruntime cannot use is an error, never a silent
fall-back to the CPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from streamfx.cpu import usable_cores
from streamfx.engines.base import EditorSpec, Engine
from streamfx.engines.graphs import GRAPH_IO, GRAPH_NAMES, output_shapes
from streamfx.errors import ConfigError, DependencyError

INSTALL = "pip install 'streamfx[onnx]' (CPU) or onnxruntime-gpu (CUDA)"
PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}


def import_ort():
    """onnxruntime, or ``DependencyError`` with the install line."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise DependencyError(f"onnxruntime is not installed ({exc}); {INSTALL}") from exc
    return onnxruntime


def provider_chain(
    provider: str, device: torch.device, cache: Path, max_batch: int, profile_shapes: dict
) -> list:
    """The ``providers=`` list for ``InferenceSession`` (most preferred first, CPU last)."""
    dev_id = device.index or 0
    cuda = ("CUDAExecutionProvider", {"device_id": dev_id, "cudnn_conv_algo_search": "EXHAUSTIVE"})
    if provider == "cpu":
        return ["CPUExecutionProvider"]
    if provider == "cuda":
        return [cuda, "CPUExecutionProvider"]
    trt_dir = cache / "ort-trt"
    trt_dir.mkdir(parents=True, exist_ok=True)
    opts = {
        "device_id": dev_id,
        "trt_fp16_enable": True,
        "trt_engine_cache_enable": True,
        "trt_engine_cache_path": str(trt_dir),
        "trt_timing_cache_enable": True,
        "trt_timing_cache_path": str(trt_dir),
        **profile_shapes,
    }
    return [("TensorrtExecutionProvider", opts), cuda, "CPUExecutionProvider"]


class OnnxRuntimeEngine(Engine):
    """The four exported graphs in onnxruntime sessions (see the module docstring)."""

    name = "onnxruntime"

    def __init__(
        self,
        spec: EditorSpec,
        paths: dict[str, Path],
        device: torch.device,
        max_batch: int,
        *,
        provider: str | None = None,
        threads: int = 0,
        cpu_arena: bool = False,
        cache: Path | None = None,
    ) -> None:
        """paths: graph name -> .onnx (``export_onnx``). provider: cpu, cuda or tensorrt
        (default: cpu on a CPU device, cuda on a CUDA one). threads: intra-op threads (0: the
        usable cores). cpu_arena: onnxruntime's CPU memory arena (see the module docstring)."""
        super().__init__(spec, device, max_batch)
        ort = import_ort()
        provider = provider or ("cuda" if device.type == "cuda" else "cpu")
        if provider not in PROVIDERS:
            raise ConfigError(
                f"onnxruntime provider {provider!r}; expected one of {list(PROVIDERS)}"
            )
        wanted = PROVIDERS[provider]
        available = ort.get_available_providers()
        if wanted not in available:
            raise DependencyError(
                f"onnxruntime {ort.__version__} has no {wanted} (it has {', '.join(available)}); "
                "install onnxruntime-gpu with CUDA/cuDNN matching your driver"
            )
        if (provider == "cpu") != (device.type == "cpu"):
            raise ConfigError(f"onnxruntime provider {provider} does not run on device {device}")
        self.threads = threads or usable_cores()
        so = ort.SessionOptions()
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.enable_cpu_mem_arena = cpu_arena
        so.log_severity_level = 3
        if cpu_arena and provider == "cpu":  # one arena for the four graphs, not one each
            _shared_cpu_arena(ort)
            so.add_session_config_entry("session.use_env_allocators", "1")
        self.cpu_arena = cpu_arena
        self.provider = provider
        cache = cache or Path(paths["encoder"]).parent
        self.sessions: dict[str, Any] = {}
        for name in GRAPH_NAMES:
            shapes = _trt_profile_options(paths[name], max_batch) if provider == "tensorrt" else {}
            chain = provider_chain(provider, device, cache, max_batch, shapes)
            sess = ort.InferenceSession(str(paths[name]), so, providers=chain)
            if wanted not in sess.get_providers():
                raise DependencyError(
                    f"onnxruntime could not start {wanted} for {name}.onnx "
                    f"(running on {sess.get_providers()}); check the CUDA/cuDNN/TensorRT libraries"
                )
            self.sessions[name] = sess
        arena = "arena on" if cpu_arena else "arena off"
        where = f"CPU, {self.threads} threads, {arena}" if provider == "cpu" else wanted
        self.label = f"onnxruntime {ort.__version__} {where}"

    # ------------------------------------------------------------------ running
    def _run(self, name: str, *args: torch.Tensor) -> list[torch.Tensor]:
        inputs, outputs = GRAPH_IO[name]
        sess = self.sessions[name]
        if self.device.type == "cpu":
            feed = {n: _np(t) for n, t in zip(inputs, args, strict=True)}
            return [torch.from_numpy(a) for a in sess.run(list(outputs), feed)]
        return self._run_bound(sess, inputs, outputs, args)

    def _run_bound(self, sess, inputs, outputs, args) -> list[torch.Tensor]:
        """IO binding on CUDA: torch tensors in and out by device pointer (no host copies).

        Outputs are allocated by torch with the shapes the config gives (``output_shapes``;
        batch from the first input), so onnxruntime writes straight into them.
        """
        binding = sess.io_binding()
        dev_id = self.device.index or 0
        args = [t.contiguous().float() for t in args]
        for n, t in zip(inputs, args, strict=True):
            binding.bind_input(n, "cuda", dev_id, np.float32, list(t.shape), t.data_ptr())
        shapes = output_shapes(self.spec.config, args[0].shape[0])
        results = []
        for n in outputs:
            out = torch.empty(shapes[n], dtype=torch.float32, device=self.device)
            binding.bind_output(n, "cuda", dev_id, np.float32, list(out.shape), out.data_ptr())
            results.append(out)
        torch.cuda.current_stream(self.device).synchronize()  # inputs written before ORT reads
        sess.run_with_iobinding(binding)
        return results

    def _run_prompt(self, refs: torch.Tensor) -> torch.Tensor:
        return self._run("prompt", refs)[0]

    def _run_encoder(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self._run("encoder", images, tokens)[0]

    def _run_volume(self, triplanes: torch.Tensor, cameras: torch.Tensor):
        features, alpha, depth = self._run("volume", triplanes.float(), cameras)
        return features, alpha, depth

    def _run_superres(self, features: torch.Tensor) -> torch.Tensor:
        return self._run("superres", features)[0]

    def close(self) -> None:
        """Drop the sessions."""
        self.sessions.clear()


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).contiguous().numpy()


def _trt_profile_options(path: Path, max_batch: int) -> dict[str, str]:
    """TensorRT EP profile options (``name:1x3x512x512,...``) for batch 1 / 1 / max_batch."""
    from streamfx.engines.trt_cache import profile_for

    prof = profile_for(path, max_batch)

    def fmt(which: int) -> str:
        return ",".join(f"{n}:{'x'.join(map(str, s[which]))}" for n, s in prof.shapes.items())

    return {
        "trt_profile_min_shapes": fmt(0),
        "trt_profile_opt_shapes": fmt(1),
        "trt_profile_max_shapes": fmt(2),
    }


def ort_status() -> tuple[bool, str]:
    """(importable, 'onnxruntime 1.x: providers ...' or why not) without loading a model."""
    try:
        ort = import_ort()
    except DependencyError as exc:
        return False, str(exc)
    providers = [p.removesuffix("ExecutionProvider") for p in ort.get_available_providers()]
    return True, f"onnxruntime {ort.__version__} ({', '.join(providers)})"


__all__ = ["OnnxRuntimeEngine", "import_ort", "ort_status", "provider_chain", "usable_cores"]


_SHARED_ARENA: list[bool] = []


def _shared_cpu_arena(ort: Any) -> None:
    """Register one process-wide CPU arena (once) that sessions opt into with
    ``session.use_env_allocators``: the graphs run one after another, so one arena sized for
    the largest graph serves them all."""
    if _SHARED_ARENA:
        return
    info = ort.OrtMemoryInfo(
        "Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT
    )
    ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, -1, -1, -1))
    _SHARED_ARENA.append(True)
