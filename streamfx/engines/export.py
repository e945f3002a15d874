"""ONNX export of the four graphs, cached by a hash of weights + config + exporter, and the
parity report against torch fp32.

    result = export_onnx("models/3dpe")          # once; later calls are cache hits
    result.paths["encoder"]                      # .../onnx/<key>/encoder.onnx
    rows = parity_report(result, editor)         # per graph output: max abs, rel L2

Export settings (the traps are in issue 9): the TorchScript exporter at opset 17 from a batch-2
example with a dynamic ``batch`` axis on every input and output (a batch-1 example can freeze the
batch); deterministic rendering only; plain (non inference-mode) tensors as example inputs;
distinct input and output names inside each graph. The cache folder is written under a
temporary name and renamed into place, so a crash never leaves a half export behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from streamfx.engines.base import GRAPH_VERSION, EditorSpec, describe_weights, load_editor
from streamfx.engines.graphs import GRAPH_IO, GRAPH_NAMES, build_graphs, example_inputs
from streamfx.errors import ConfigError, require

OPSET = 17
#: Failing threshold of the parity report (relative L2 error per output).
PARITY_REL_L2 = 1e-4
MANIFEST = "manifest.json"


def engine_cache_dir() -> Path:
    """Root of exported graphs and built engines: ``$STREAMFX_ENGINE_CACHE`` or
    ``~/.cache/streamfx/engines`` (beside the model-file cache)."""
    value = os.environ.get("STREAMFX_ENGINE_CACHE", "").strip()
    if value:
        return Path(value).expanduser()
    from streamfx.modelfiles import cache_dir

    return cache_dir().parent / "engines"


def exporter_version() -> str:
    """Everything about the exporter that changes the graphs (part of the cache key)."""
    return f"torch-{torch.__version__}/torchscript/opset{OPSET}/graphs-v{GRAPH_VERSION}"


def export_key(spec: EditorSpec, ray_chunk: int | None = None) -> str:
    """Cache key of an export: SHA-256 of (weights + config digest, exporter version, graph
    settings), 20 hex."""
    blob = f"{spec.digest}|{exporter_version()}|ray_chunk={ray_chunk}"
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def effective_chunk(spec: EditorSpec, ray_chunk: int | None) -> int | None:
    """``ray_chunk``, or None when it covers every ray of a frame (the same graph)."""
    from streamfx.editor.presets import EditorConfig

    if ray_chunk is None:
        return None
    if ray_chunk < 1:
        raise ConfigError(f"ray_chunk must be >= 1, got {ray_chunk}")
    rays = EditorConfig.from_dict(spec.config).render_config().neural_resolution ** 2
    return None if ray_chunk >= rays else ray_chunk


@dataclass
class ExportResult:
    """Where an export lives. paths: graph name -> .onnx file. cached: True when it was
    already there. seconds: time spent exporting (0 for a cache hit). manifest: its JSON."""

    folder: Path
    key: str
    paths: dict[str, Path]
    cached: bool
    seconds: float
    manifest: dict = field(default_factory=dict)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def _load_cached(folder: Path, key: str) -> ExportResult | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    paths = {g: folder / f"{g}.onnx" for g in GRAPH_NAMES}
    if manifest.get("key") != key or not all(p.is_file() for p in paths.values()):
        return None
    return ExportResult(folder, key, paths, True, 0.0, manifest)


def _export_graph(module: torch.nn.Module, args: tuple, name: str, path: Path) -> None:
    inputs, outputs = GRAPH_IO[name]
    axes = {n: {0: "batch"} for n in (*inputs, *outputs)}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def export_onnx(
    weights: Any,
    *,
    preset: str | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
    ray_chunk: int | None = None,
) -> ExportResult:
    """Export (or find in the cache) the four graphs of ``weights`` (a folder or an editor).

    Returns an :class:`ExportResult`; ``force`` re-exports even on a cache hit. The key hashes
    the weights and config (:func:`describe_weights`), :func:`exporter_version` and the graph
    settings. ``ray_chunk``: rays per volume-rendering chunk (same result, a fraction of the
    peak memory on the CPU; None renders all rays at once, best on a GPU).
    """
    require("onnx", extra="onnx")
    spec = describe_weights(weights, preset) if weights is not None else None
    if spec is None:
        editor = load_editor(None, preset)
        spec = describe_weights(editor)
        weights = editor
    ray_chunk = effective_chunk(spec, ray_chunk)
    key = export_key(spec, ray_chunk)
    root = Path(cache_dir) if cache_dir else engine_cache_dir()
    folder = root / "onnx" / key
    if not force and (hit := _load_cached(folder, key)) is not None:
        return hit
    t0 = time.perf_counter()
    editor = load_editor(weights, preset)
    graphs = build_graphs(editor, ray_chunk)
    examples = example_inputs(editor, batch=2)
    root.joinpath("onnx").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root / "onnx"))
    try:
        files = {}
        for name in GRAPH_NAMES:
            path = tmp / f"{name}.onnx"
            _export_graph(graphs[name], examples[name], name, path)
            files[name] = {"sha256": _sha256(path), "nodes": _count_nodes(path)}
        manifest = {
            "key": key,
            "exporter": exporter_version(),
            "ray_chunk": ray_chunk,
            "weights_digest": spec.digest,
            "weights": str(spec.folder) if spec.folder else "(in memory)",
            "preset": spec.preset,
            "config": spec.config,
            "io": {g: {"inputs": list(i), "outputs": list(o)} for g, (i, o) in GRAPH_IO.items()},
            "files": files,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        tmp.chmod(0o755)
        _move_into_place(tmp, folder, key, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    paths = {g: folder / f"{g}.onnx" for g in GRAPH_NAMES}
    return ExportResult(folder, key, paths, False, time.perf_counter() - t0, manifest)


def _move_into_place(tmp: Path, folder: Path, key: str, force: bool) -> None:
    """Rename the finished export into place. If another process finished the same export
    first, keep theirs (an engine may already be reading it); a broken leftover, or any old
    folder under ``force``, is replaced."""
    if force or (folder.exists() and _load_cached(folder, key) is None):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        os.replace(tmp, folder)
    except OSError:
        if _load_cached(folder, key) is None:
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def _count_nodes(path: Path) -> int:
    onnx = require("onnx", extra="onnx")
    return len(onnx.load(str(path), load_external_data=False).graph.node)


@dataclass(frozen=True)
class ParityRow:
    """One output of the parity report: graph, output name, max |a - b|, ||a - b|| / ||b||."""

    graph: str
    output: str
    max_abs: float
    rel_l2: float

    @property
    def ok(self) -> bool:
        """Whether rel L2 is within :data:`PARITY_REL_L2`."""
        return self.rel_l2 <= PARITY_REL_L2


def compare(got: torch.Tensor, want: torch.Tensor) -> tuple[float, float]:
    """(max abs error, relative L2 error) of ``got`` against the reference ``want``."""
    got, want = got.detach().double().cpu(), want.detach().double().cpu()
    if got.shape != want.shape:
        raise ConfigError(f"shape {tuple(got.shape)} != reference {tuple(want.shape)}")
    diff = got - want
    denom = float(want.norm()) or 1.0
    return float(diff.abs().max()), float(diff.norm()) / denom


def parity_report(result: ExportResult, editor: Any, batch: int = 2) -> list[ParityRow]:
    """Run every exported graph with onnxruntime (CPU) on fixed inputs of ``batch`` and compare
    each output with the torch fp32 graph on the same inputs."""
    ort = require("onnxruntime", extra="onnx")
    editor = load_editor(editor)
    graphs = build_graphs(editor)
    examples = example_inputs(editor, batch=batch)
    rows: list[ParityRow] = []
    for name in GRAPH_NAMES:
        inputs, outputs = GRAPH_IO[name]
        sess = ort.InferenceSession(str(result.paths[name]), providers=["CPUExecutionProvider"])
        feed = {n: t.numpy() for n, t in zip(inputs, examples[name], strict=True)}
        got = sess.run(list(outputs), feed)
        with torch.no_grad():
            want = graphs[name](*examples[name])
        want = want if isinstance(want, tuple) else (want,)
        for out_name, g, w in zip(outputs, got, want, strict=True):
            rows.append(ParityRow(name, out_name, *compare(torch.from_numpy(g), w)))
    return rows


def format_parity(rows: list[ParityRow]) -> str:
    """The parity report as a fixed-width table."""
    lines = [f"{'graph':<10}{'output':<10}{'max abs':>12}{'rel L2':>12}  ok", "-" * 48]
    for r in rows:
        ok = "yes" if r.ok else "NO"
        lines.append(f"{r.graph:<10}{r.output:<10}{r.max_abs:>12.2e}{r.rel_l2:>12.2e}  {ok}")
    return "\n".join(lines)
