"""``streamfx export onnx --weights DIR -o DIR [--check]``: the exported graphs and their parity.

The export lands in the engine cache (keyed by weights + config + exporter, so it happens once)
and is copied to ``--output`` when given. ``--check`` runs every graph with onnxruntime on fixed
inputs and prints, per output, max abs and rel L2 against torch fp32; it fails (exit 1) above
``1e-4`` rel L2.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tyro

from streamfx.errors import ConfigError, ModelFileError


@dataclass
class ExportCommand:
    """``streamfx export``: write the 3DPE network as ONNX graphs (prompt, encoder, volume,
    superres) with a dynamic batch axis, cached, with an optional parity report."""

    format: Annotated[str, tyro.conf.Positional, tyro.conf.arg(metavar="FORMAT")] = "onnx"
    """Export format (onnx is the only one; TensorRT engines are built from it at start)."""
    weights: str | None = None
    """Converted weights folder (config.json + model.safetensors; default: searched like the
    3dpe editor does)."""
    output: Annotated[str | None, tyro.conf.arg(aliases=("-o",), metavar="DIR")] = None
    """Folder to copy the .onnx files and manifest.json into (default: the engine cache only)."""
    preset: str | None = None
    """Without --weights: export the random weights (seed 0) of this preset (benchmarks);
    with --weights: the preset the folder must be."""
    check: bool = False
    """Print the parity report (per output: max abs, rel L2 vs torch fp32) and fail above
    1e-4 rel L2."""
    batch: int = 3
    """Batch of the --check inputs (the graphs are exported at 2, so 3 also checks the dynamic
    batch axis)."""
    force: bool = False
    """Export again even when the cache already has these graphs."""
    cache_dir: str | None = None
    """Engine cache folder (default: $STREAMFX_ENGINE_CACHE or ~/.cache/streamfx/engines)."""

    def __post_init__(self) -> None:
        if self.format != "onnx":
            raise ConfigError(f"format: expected onnx, got {self.format!r}")
        if self.batch < 1:
            raise ConfigError(f"batch: expected >= 1, got {self.batch}")


def _weights(config: ExportCommand):
    """The weights to export: a folder, or the preset's random editor; clear error if none."""
    from streamfx.backends.threedpe import WEIGHTS_HINT, find_weights

    if config.weights is None and config.preset:
        from streamfx.engines.base import load_editor

        return load_editor(None, config.preset)
    found = find_weights(config.weights)
    if found is None:
        where = config.weights or "the default folders"
        raise ModelFileError(
            f"no 3DPE weights in {where}; {WEIGHTS_HINT} (or --preset NAME for random weights)"
        )
    return found


def run(config: ExportCommand) -> int:
    """Export (or find in the cache), copy to ``output``, and check parity when asked."""
    from streamfx.engines.export import export_onnx, format_parity, parity_report

    weights = _weights(config)
    result = export_onnx(
        weights,
        preset=config.preset,
        cache_dir=config.cache_dir,
        force=config.force,
    )
    files = result.manifest.get("files", {})
    nodes = ", ".join(f"{g} {f.get('nodes', '?')} nodes" for g, f in files.items())
    if result.cached:
        print(f"cached export {result.key}: {result.folder} ({nodes})")
    else:
        print(f"exported {result.key} in {result.seconds:.1f} s: {result.folder} ({nodes})")
    if config.output:
        out = Path(config.output)
        out.mkdir(parents=True, exist_ok=True)
        for path in (*result.paths.values(), result.folder / "manifest.json"):
            shutil.copy2(path, out / path.name)
        print(f"copied to {out}")
    if not config.check:
        return 0
    rows = parity_report(result, weights, batch=config.batch)
    print(f"parity vs torch fp32, onnxruntime CPU, batch {config.batch}:")
    print(format_parity(rows))
    bad = [f"{r.graph}/{r.output}" for r in rows if not r.ok]
    if bad:
        print(f"FAILED: rel L2 above 1e-4 for {', '.join(bad)}")
        return 1
    return 0
