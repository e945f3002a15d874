"""The torch engine: the reference (fp32 eager) and the fast CUDA settings, each behind a flag.

    TorchEngine(spec, editor, device, max_batch)                         # fp32 eager, reference
    TorchEngine(..., dtype=torch.bfloat16, channels_last=True,           # CUDA: autocast,
                compile=True, cuda_graphs=True)                          # inductor, graphs

- ``dtype``: float32 (no autocast), bfloat16 or float16 (autocast; float16 on CUDA only). Rays,
  depths and sample points stay float32 inside the renderer whatever the autocast dtype; every
  output is returned as float32.
- ``channels_last``: NHWC weights and inputs (faster convolutions on tensor cores).
- ``compile``: ``torch.compile`` of each graph (``compile_mode``; one compilation per batch size,
  done during warm-up).
- ``cuda_graphs``: one captured CUDA graph per graph and batch size 1..max_batch (static input
  buffers; outputs are cloned, so a later frame never overwrites an earlier result). Captured in
  warm-up, never on the first live frame.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable

import torch

from streamfx.engines.base import EditorSpec, Engine
from streamfx.engines.graphs import build_graphs
from streamfx.errors import ConfigError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def parse_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """'float32' / 'bf16' / torch.float16 ... -> a torch dtype (None: float32)."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
    name = aliases.get(str(dtype), str(dtype))
    if name not in DTYPES:
        raise ConfigError(
            f"dtype {dtype!r}; expected one of {', '.join(DTYPES)} (or fp32/bf16/fp16)"
        )
    return DTYPES[name]


class _CapturedGraph:
    """A CUDA graph of ``fn`` at fixed input shapes; call with same-shaped tensors."""

    def __init__(self, fn: Callable[..., tuple[torch.Tensor, ...]], args: tuple) -> None:
        self.inputs = tuple(a.clone() for a in args)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):  # cuBLAS / cuDNN workspace and algorithm choice before capture
                fn(*self.inputs)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.outputs = fn(*self.inputs)

    def __call__(self, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        for dst, src in zip(self.inputs, args, strict=True):
            dst.copy_(src)
        self.graph.replay()
        return tuple(o.clone() for o in self.outputs)


class TorchEngine(Engine):
    """The graphs in torch (see the module docstring for the options)."""

    name = "torch"

    def __init__(
        self,
        spec: EditorSpec,
        editor,
        device: torch.device,
        max_batch: int,
        *,
        dtype: str | torch.dtype | None = None,
        channels_last: bool = False,
        compile: bool = False,
        compile_mode: str = "default",
        cuda_graphs: bool = False,
        threads: int = 0,
        ray_chunk: int | None = None,
    ) -> None:
        """editor: a ``PortraitEditor`` in inference state. threads: torch CPU threads for the
        whole process (0: leave as is). ray_chunk: rays per volume-rendering chunk (None: all;
        the same result with less memory). Other options: see the module docstring."""
        super().__init__(spec, device, max_batch)
        self.dtype = parse_dtype(dtype)
        on_cuda = device.type == "cuda"
        if self.dtype == torch.float16 and not on_cuda:
            raise ConfigError("dtype float16 needs a CUDA device (use bfloat16 or float32 on CPU)")
        if cuda_graphs and not on_cuda:
            raise ConfigError("cuda_graphs needs a CUDA device")
        if threads > 0:
            torch.set_num_threads(threads)
        self.editor = editor.to(device).eval()
        self.channels_last = channels_last
        if channels_last:
            self.editor.to(memory_format=torch.channels_last)
        self.compile, self.compile_mode, self.ray_chunk = compile, compile_mode, ray_chunk
        self._eager: frozenset[str] = frozenset()  # graphs run without compile / CUDA graphs
        self._fns = self._graph_fns(self.editor)
        self.cuda_graphs = cuda_graphs
        self._captured: dict[tuple, _CapturedGraph] = {}
        flags = [str(self.dtype).removeprefix("torch.")]
        flags += [f for f, on in (("channels_last", channels_last), ("compile", compile)) if on]
        flags += ["CUDA graphs"] if cuda_graphs else []
        where = torch.cuda.get_device_name(device) if on_cuda else f"CPU {torch.get_num_threads()}t"
        self.label = f"torch {torch.__version__} {where} {' + '.join(flags)}"

    def _graph_fns(self, editor) -> dict[str, Callable[..., tuple[torch.Tensor, ...]]]:
        """The four graphs of ``editor``, compiled when asked, wrapped for autocast."""
        fns = {}
        for name, module in build_graphs(editor, self.ray_chunk).items():
            compiled = self.compile and name not in self._eager
            fn = (
                torch.compile(module, mode=self.compile_mode, dynamic=False) if compiled else module
            )
            fns[name] = self._wrap(fn)
        return fns

    takes_delta = True

    def with_delta(self, tensors: dict[str, torch.Tensor], label: str = "") -> TorchEngine:
        """This engine's network with ``tensors`` swapped in (``streamfx.engines.delta``): a new
        engine with the same settings whose network shares every other parameter with this
        one (only the delta's tensors take new memory). Its compiled graphs and CUDA graphs are
        its own, made on its first calls, except the prompt graph's: it runs eagerly (once per
        style, on the backend's prompt thread, where no compile or capture should happen).
        InputError when a tensor does not fit the network."""
        from streamfx.engines.delta import swap_parameters

        variant = copy.copy(self)
        variant.editor = swap_parameters(self.editor, tensors, label or "delta")
        variant._local = threading.local()
        variant._captured = {}
        variant._eager = frozenset({"prompt"})
        variant._fns = variant._graph_fns(variant.editor)
        variant.label = f"{self.label} + {label or 'delta'}"
        return variant

    def _wrap(self, fn: Callable) -> Callable[..., tuple[torch.Tensor, ...]]:
        autocast = self.dtype != torch.float32

        def run(*args: torch.Tensor) -> tuple[torch.Tensor, ...]:
            with torch.no_grad(), torch.autocast(self.device.type, self.dtype, enabled=autocast):
                out = fn(*args)
            out = out if isinstance(out, tuple) else (out,)
            return tuple(o.float() for o in out)

        return run

    def _call(self, name: str, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if self.channels_last:
            args = tuple(
                a.contiguous(memory_format=torch.channels_last) if a.ndim == 4 else a for a in args
            )
        if not self.cuda_graphs or name in self._eager:
            return self._fns[name](*args)
        key = (name, *(tuple(a.shape) for a in args))
        graph = self._captured.get(key)
        if graph is None:
            graph = self._captured[key] = _CapturedGraph(self._fns[name], args)
        return graph(*args)

    def _run_prompt(self, refs: torch.Tensor) -> torch.Tensor:
        return self._call("prompt", refs)[0]

    def _run_encoder(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self._call("encoder", images, tokens)[0]

    def _run_volume(self, triplanes: torch.Tensor, cameras: torch.Tensor):
        features, alpha, depth = self._call("volume", triplanes, cameras)
        return features, alpha, depth

    def _run_superres(self, features: torch.Tensor) -> torch.Tensor:
        return self._call("superres", features)[0]

    def close(self) -> None:
        """Drop captured graphs (their memory pools)."""
        self._captured.clear()
