"""Report what works on this machine, and why not: torch and CUDA, the 3DPE engines, editor
backends, sources and sinks (with those other packages registered), media libraries, virtual
camera backends, cameras and model files. Each check is independent and never raises: a failure
is a line with its reason."""

from __future__ import annotations

import importlib
import importlib.util
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Command:
    """``streamfx doctor``."""

    cameras: bool = True
    """Probe the first camera indices (slow on some machines)."""


def _version(module: str) -> str:
    try:
        mod = importlib.import_module(module)
    except Exception as exc:
        return f"not importable ({type(exc).__name__}: {exc})"
    return str(getattr(mod, "__version__", "installed"))


def check_python() -> list[str]:
    """Python version and platform."""
    return [f"{sys.version.split()[0]} ({platform.system()} {platform.machine()})"]


def check_torch() -> list[str]:
    """torch version, thread count and CUDA devices (or why there are none)."""
    try:
        import torch
    except Exception as exc:
        return [f"not importable: {exc} (make setup installs torch==2.13.0)"]
    lines = [f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            lines.append(f"CUDA device {i}: {torch.cuda.get_device_name(i)}")
    else:
        why = "CPU-only torch build" if torch.version.cuda is None else "no CUDA device/driver"
        lines.append(f"CUDA: unavailable ({why}); the 3dpe editor will be slow, mesh works")
    return lines


def check_engines() -> list[str]:
    """Every 3DPE engine: usable or not, and why (what ``--engine auto`` would pick)."""
    from streamfx.engines import engine_report

    return [f"{name}: {'ok' if ok else 'unavailable'} - {why}" for name, ok, why in engine_report()]


def check_registries() -> list[str]:
    """Editor backends, sources and sinks, built-in and from other packages (entry points)."""
    from streamfx.backends.base import BACKENDS
    from streamfx.capture.registry import SOURCES
    from streamfx.outputs.registry import SINKS

    lines = []
    for registry in (BACKENDS, SOURCES, SINKS):
        lines.append(f"{registry.kind}s: {', '.join(registry.names())}")
        for name, why in registry.plugin_errors.items():
            lines.append(f"  {name}: ignored ({why})")
    return lines


def check_onnxruntime() -> list[str]:
    """onnxruntime and its execution providers."""
    try:
        import onnxruntime as ort
    except Exception as exc:
        return [f"not importable: {exc} (pip install 'streamfx[onnx]')"]
    return [f"onnxruntime {ort.__version__}, providers: {', '.join(ort.get_available_providers())}"]


def check_tensorrt() -> list[str]:
    """Whether the TensorRT Python package imports."""
    if importlib.util.find_spec("tensorrt") is None:
        return ["not installed (pip install 'streamfx[tensorrt]' on an NVIDIA machine)"]
    return [f"tensorrt {_version('tensorrt')}"]


def check_media() -> list[str]:
    """OpenCV, MediaPipe and PyAV versions."""
    import av

    from streamfx.outputs.preview import display_problem

    codec_version = ".".join(map(str, av.library_versions.get("libavcodec", ())))
    lines = [f"PyAV {av.__version__} (libavcodec {codec_version or '?'})"]
    for enc in ("libx264", "h264_nvenc", "libvpx-vp9"):
        try:
            av.codec.Codec(enc, "w")
            lines.append(f"encoder {enc}: in this FFmpeg build")
        except Exception:
            lines.append(f"encoder {enc}: not in this FFmpeg build")
    lines.append(f"OpenCV {_version('cv2')}, MediaPipe {_version('mediapipe')}")
    lines.append(f"preview window: {display_problem() or 'display available'}")
    return lines


def check_vcam() -> list[str]:
    """Each pyvirtualcam backend and why it is or is not usable."""
    from streamfx.outputs.vcam import FIX_HINTS, probe_backends

    try:
        report = probe_backends()
    except Exception as exc:
        return [f"pyvirtualcam unusable: {exc}"]
    if not report:
        return ["pyvirtualcam has no backend for this operating system"]
    lines = []
    for name, result in report.items():
        lines.append(f"{name}: {result}")
        if not result.startswith("ok"):
            lines.append(f"  fix: {FIX_HINTS.get(name, 'see the pyvirtualcam documentation')}")
    return lines


def check_cameras() -> list[str]:
    """Cameras found by quietly probing the first indices."""
    from streamfx.capture.camera import probe_cameras

    found = probe_cameras()
    return found or ["none found (use --source FILE, --source demo, or plug a camera in)"]


def check_models() -> list[str]:
    """Model files present locally, with their paths."""
    from streamfx import modelfiles

    lines = [f"cache: {modelfiles.cache_dir()}; STREAMFX_MODELS: {modelfiles.models_dir()}"]
    for name in modelfiles.names():
        path = modelfiles.locate(name)
        lines.append(
            f"{name}: {path}" if path else f"{name}: missing (streamfx weights fetch {name})"
        )
    return lines


CHECKS: list[tuple[str, Callable[[], list[str]]]] = [
    ("python", check_python),
    ("torch", check_torch),
    ("onnxruntime", check_onnxruntime),
    ("tensorrt", check_tensorrt),
    ("engines (3dpe)", check_engines),
    ("registries", check_registries),
    ("media", check_media),
    ("virtual camera", check_vcam),
    ("cameras", check_cameras),
    ("model files", check_models),
]


def run(cmd: Command) -> int:
    for title, check in CHECKS:
        if title == "cameras" and not cmd.cameras:
            continue
        try:
            lines = check()
        except Exception as exc:  # a doctor never crashes on what it diagnoses
            lines = [f"check failed: {type(exc).__name__}: {exc}"]
        print(f"{title}:")
        for line in lines:
            print(f"  {line}")
    return 0
