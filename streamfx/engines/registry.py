"""``open_engine``: the engine registry, the ``auto`` choice and the doctor's report.

``auto`` tries, in order: TensorRT (CUDA), torch on CUDA, onnxruntime on CUDA, onnxruntime on
the CPU, torch on the CPU, and keeps every reason a better candidate was skipped
(``engine.choice``), so a CPU fall-back is never silent. ``device="cpu"`` skips the GPU
candidates (said so); ``device="cuda"`` skips the CPU ones.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

import torch

from streamfx.engines.base import Engine, describe_weights, load_editor
from streamfx.engines.spec import (  # noqa: F401 - re-exported for callers
    AUTO_ORDER,
    CHOICES,
    ENGINE_NAMES,
    VARIANTS,
    parse_engine_spec,
)
from streamfx.errors import (
    CheckpointError,
    ConfigError,
    InputError,
    ModelFileError,
    StreamfxError,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 4
#: Rays per volume-rendering chunk in CPU exports: the same render at a fraction of the peak
#: memory, and faster (cache-friendlier); measured in docs/benchmarks.md. GPUs take all rays.
CPU_RAY_CHUNK = 4096


def _device(name: str, device: str | torch.device | None) -> torch.device:
    if device is None:
        cuda = torch.cuda.is_available() and name in ("torch", "tensorrt")
        return torch.device("cuda" if cuda or name == "tensorrt" else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"device {device!r} is not a torch device (try cpu or cuda)") from exc
    if dev.type not in ("cpu", "cuda"):
        raise ConfigError(f"device {device}: only cpu and cuda are supported")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device} requested but torch sees no CUDA device")
    return dev


def _engine_class(name: str) -> type[Engine]:
    if name == "torch":
        from streamfx.engines.torch_engine import TorchEngine

        return TorchEngine
    if name == "onnxruntime":
        from streamfx.engines.ort_engine import OnnxRuntimeEngine

        return OnnxRuntimeEngine
    if name == "tensorrt":
        from streamfx.engines.trt_engine import TensorRTEngine

        return TensorRTEngine
    raise ConfigError(f"unknown engine {name!r}; available: {', '.join(CHOICES)}")


def engine_options(name: str) -> list[str]:
    """The keyword options engine ``name`` accepts beyond the common ones."""
    params = inspect.signature(_engine_class(name).__init__).parameters
    return [p.name for p in params.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]


def _check_options(name: str, options: dict[str, Any]) -> None:
    known = set(engine_options(name)) - {"cache"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"engine {name} has no option(s) {unknown}; it takes {sorted(known)}")


def _open_one(
    name: str,
    weights: Any,
    preset: str | None,
    device: torch.device,
    dtype: Any,
    max_batch: int,
    cache_dir: Path | None,
    options: dict[str, Any],
) -> Engine:
    _check_options(name, options)
    if name == "torch":
        from streamfx.engines.torch_engine import TorchEngine

        editor = load_editor(weights, preset)
        spec = describe_weights(editor) if weights is None else _spec(weights, editor)
        engine: Engine = TorchEngine(spec, editor, device, max_batch, dtype=dtype, **options)
    else:
        from streamfx.engines.export import engine_cache_dir, export_onnx

        if name == "onnxruntime" and dtype not in (None, "float32", "fp32", torch.float32):
            raise ConfigError(f"the onnxruntime engine runs float32 graphs, not {dtype}")
        _engine_class(name)  # import errors (missing package) before a long export
        if name == "tensorrt":
            from streamfx.engines.trt_engine import import_tensorrt

            import_tensorrt()
        cache = Path(cache_dir) if cache_dir else engine_cache_dir()
        chunk = CPU_RAY_CHUNK if name == "onnxruntime" and device.type == "cpu" else None
        result = export_onnx(weights, preset=preset, cache_dir=cache, ray_chunk=chunk)
        spec = _spec_from_manifest(result.manifest)
        cls = _engine_class(name)
        if name == "tensorrt":
            fp16 = dtype in (None, "float16", "fp16", "half", torch.float16)
            options = {"fp16": fp16, **options}
        engine = cls(spec, result.paths, device, max_batch, cache=cache, **options)
        engine.export = result  # type: ignore[attr-defined]
    engine.random_weights = weights is None
    return engine


def _spec(weights: Any, editor) -> Any:
    from streamfx.editor.editor import PortraitEditor

    if isinstance(weights, PortraitEditor):
        return describe_weights(editor)
    return describe_weights(weights)


def _spec_from_manifest(manifest: dict):
    from streamfx.engines.base import EditorSpec

    folder = manifest.get("weights", "")
    return EditorSpec(
        str(manifest.get("preset", "")),
        manifest["config"],
        manifest["weights_digest"],
        None if folder.startswith("(") else Path(folder),
    )


def open_engine(
    name: str = "auto",
    weights: Any = None,
    *,
    preset: str | None = None,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    max_batch: int = DEFAULT_MAX_BATCH,
    warmup: bool = True,
    cache_dir: str | Path | None = None,
    **options: Any,
) -> Engine:
    """Open engine ``name`` (``auto``, ``torch``, ``onnxruntime``, ``tensorrt``, optionally with
    variants: ``torch:bf16,graphs``, see :func:`parse_engine_spec`) on ``weights``.

    weights: a converted weights folder or a ``PortraitEditor``; None with ``preset`` builds the
    preset's random initialisation (benchmarks and tests only; ``engine.random_weights``).
    device: cpu / cuda[:N] (None: the engine's natural device). dtype: torch autocast dtype, or
    float16/float32 for TensorRT. max_batch: most faces per call. warmup: run every graph once
    at batch 1 (and capture/compile every batch size when CUDA graphs or compile are on).
    options: engine-specific (see :func:`engine_options`). ``auto`` records why each better
    candidate was skipped in ``engine.choice`` [(candidate, reason)].
    """
    if max_batch < 1:
        raise ConfigError(f"max_batch must be >= 1, got {max_batch}")
    name, variant = parse_engine_spec(name)
    if "dtype" in variant:
        dtype = variant.pop("dtype") if dtype is None else dtype
    options = {**variant, **options}
    if name == "auto":
        engine = _open_auto(weights, preset, device, dtype, max_batch, cache_dir, options)
    else:
        _engine_class(name)
        dev = _device(name, device)
        engine = _open_one(name, weights, preset, dev, dtype, max_batch, cache_dir, options)
        engine.choice = []  # type: ignore[attr-defined]
    if warmup:
        many = options.get("compile") or options.get("cuda_graphs")
        engine.warmup(tuple(range(1, max_batch + 1)) if many else (1,))
    return engine


def _open_auto(weights, preset, device, dtype, max_batch, cache_dir, options) -> Engine:
    wanted = None if device is None else _device("torch", device)
    skipped: list[tuple[str, str]] = []
    for name, dev_type in AUTO_ORDER:
        label = f"{name} {dev_type.upper() if dev_type == 'cpu' else 'CUDA'}"
        if wanted is not None and wanted.type != dev_type:
            skipped.append((label, f"device {wanted} requested"))
            continue
        reason = _precheck(name, dev_type)
        if reason:
            skipped.append((label, reason))
            continue
        dev = wanted if wanted is not None else torch.device(dev_type)
        accepted = set(engine_options(name))
        opts = {k: v for k, v in options.items() if k in accepted}
        try:
            engine = _open_one(name, weights, preset, dev, dtype, max_batch, cache_dir, opts)
        except (CheckpointError, ModelFileError, InputError):
            raise  # the weights themselves are bad: no other engine would do better
        except (StreamfxError, ImportError, RuntimeError) as exc:
            skipped.append((label, str(exc).splitlines()[0]))
            continue
        engine.choice = skipped  # type: ignore[attr-defined]
        why = "; ".join(f"{c}: {r}" for c, r in skipped) or "the best candidate"
        log.info("engine auto -> %s (skipped %s)", engine.label, why)
        return engine
    raise ConfigError("no engine could start: " + "; ".join(f"{c}: {r}" for c, r in skipped))


def _precheck(name: str, dev_type: str) -> str | None:
    """Why candidate (name, device type) cannot run here, from cheap checks (None: try it).
    A missing package is named before a missing GPU, so its install line is always shown."""
    if name == "tensorrt":
        from streamfx.engines.trt_engine import import_tensorrt

        try:
            import_tensorrt()
        except ImportError as exc:
            return str(exc)
    if name == "onnxruntime":
        from streamfx.engines.ort_engine import PROVIDERS, ort_status

        ok, why = ort_status()
        if not ok:
            return why
        import onnxruntime

        if PROVIDERS[dev_type] not in onnxruntime.get_available_providers():
            return f"this onnxruntime has no {PROVIDERS[dev_type]} (pip install onnxruntime-gpu)"
    if dev_type == "cuda" and not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA device"
    return None


def describe_choice(engine: Engine) -> str:
    """One line: the engine and why each better candidate was skipped."""
    skipped = getattr(engine, "choice", [])
    if not skipped:
        return engine.label
    return f"{engine.label} (skipped: " + "; ".join(f"{c}: {r}" for c, r in skipped) + ")"


def engine_report() -> list[tuple[str, bool, str]]:
    """[(engine, usable, reason)] for ``streamfx doctor``: every engine, without building one,
    and what ``auto`` would try first on this machine."""
    from streamfx.cpu import usable_cores
    from streamfx.engines.ort_engine import ort_status
    from streamfx.engines.trt_engine import trt_status

    rows: list[tuple[str, bool, str]] = []
    cuda = torch.cuda.is_available()
    gpu = f"; CUDA: {torch.cuda.get_device_name(0)}" if cuda else "; no CUDA device"
    rows.append(("torch", True, f"torch {torch.__version__}: CPU ({usable_cores()} cores){gpu}"))
    ok, why = ort_status()
    rows.append(("onnxruntime", ok, why))
    rows.append(("tensorrt", *trt_status()))
    first = next(
        (
            f"{n} {'CUDA' if d == 'cuda' else 'CPU'}"
            for n, d in AUTO_ORDER
            if (d == "cpu" or cuda) and dict((r[0], r[1]) for r in rows)[n]
        ),
        "torch CPU",
    )
    rows.append(("auto", True, f"would pick {first} (first usable of {_order_text()})"))
    return rows


def _order_text() -> str:
    return " > ".join(f"{n} {'CUDA' if d == 'cuda' else 'CPU'}" for n, d in AUTO_ORDER)
