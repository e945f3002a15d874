"""streamfx.engines: how the 3DPE network executes (torch, onnxruntime, TensorRT).

    from streamfx.engines import open_engine
    engine = open_engine("auto", "models/3dpe", device="cpu")   # says why better ones were skipped
    tokens = engine.encode_prompt(refs)          # [1,3,224,224] -> [1,197,d], once per style
    tri = engine.encode(images, tokens)          # [N,3,512,512] in [-1,1] -> [N,planes,T,T]
    out = engine.render(tri, cameras)            # [N,25] -> {image [N,3,S,S], alpha, depth}

Engines: ``torch`` (fp32 eager reference; autocast, channels_last, compile and CUDA graphs as
options), ``onnxruntime`` (CPU / CUDA / TensorRT execution providers on the exported graphs),
``tensorrt`` (TensorRT 10 engines built from the same graphs) and ``auto``. Export:
:func:`export_onnx`. Imports are lazy; onnxruntime and tensorrt load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamfx.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "Engine": "streamfx.engines.base",
    "open_engine": "streamfx.engines.registry",
    "engine_report": "streamfx.engines.registry",
    "engine_options": "streamfx.engines.registry",
    "describe_choice": "streamfx.engines.registry",
    "CHOICES": "streamfx.engines.registry",
    "ENGINE_NAMES": "streamfx.engines.registry",
    "export_onnx": "streamfx.engines.export",
    "parity_report": "streamfx.engines.export",
    "engine_cache_dir": "streamfx.engines.export",
}

__all__ = [
    "CHOICES",
    "ENGINE_NAMES",
    "Engine",
    "describe_choice",
    "engine_cache_dir",
    "engine_options",
    "engine_report",
    "export_onnx",
    "open_engine",
    "parity_report",
]

if TYPE_CHECKING:  # pragma: no cover
    from streamfx.engines.base import Engine
    from streamfx.engines.export import engine_cache_dir, export_onnx, parity_report
    from streamfx.engines.registry import (
        CHOICES,
        ENGINE_NAMES,
        describe_choice,
        engine_options,
        engine_report,
        open_engine,
    )

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
