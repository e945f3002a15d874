"""``streamfx bench engines``: every engine x preset x batch on the same inputs and weights.

Per row: ms for the prompt (once per style), encode, volume render, super-resolution and their
total (one frame of ``batch`` faces with cached tokens), fps, GFLOP per frame and the GFLOP/s
achieved, the peak memory of the process that ran it, the start-up time and the largest rel L2
error of any output (tokens, triplane, image, alpha, depth) against torch fp32 eager.

Weights are the preset's random initialisation (seed 0), saved once under the engine cache:
speed does not depend on the values. Each row runs in a fresh process (``isolate``), so peak
memory is that engine's own; ONNX exports happen before, in their own process, and are cached.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.errors import ConfigError

OUTPUTS = ("tokens", "triplane", "image", "alpha", "depth")


@dataclass
class EnginesBench(BenchOptions):
    """``streamfx bench engines``: ms, fps, GFLOP/s, peak memory and parity per engine x preset
    x batch (random weights of each preset; speed does not depend on them)."""

    engines: tuple[str, ...] = ("torch", "onnxruntime")
    """Engines to run: torch, onnxruntime, tensorrt, auto, each optionally with variants after
    a colon, comma-separated: fp32, bf16, fp16, channels_last, compile, graphs (CUDA graphs),
    arena (onnxruntime CPU arena on), cuda / trt (onnxruntime execution provider); e.g.
    ``torch:bf16,graphs`` (the same strings ``--engine`` takes)."""
    presets: tuple[str, ...] = ("tiny", "student")
    """Editor presets: tiny, student, 3dpe (the full network: minutes per row on a CPU)."""
    batches: tuple[int, ...] = (1,)
    """Faces per call."""
    repeat: int = 5
    """Timed frames per row, after one warm-up frame (medians are reported)."""
    threads: int = 0
    """CPU threads for torch and onnxruntime (0: the cores this process may use)."""
    device: str = "cpu"
    """cpu or cuda[:N]."""
    parity: bool = True
    """Compare every row's outputs with torch fp32 eager on the same inputs (rel L2)."""
    isolate: bool = True
    """Run each row in a fresh process (clean peak memory; slower start)."""
    soak: int = 0
    """After timing, run this many more frames and report the resident memory growth between
    the first tenth and the end (the hot path must not allocate per frame; 0: skip)."""
    cache_dir: str | None = None
    """Engine cache (exports, TensorRT engines, bench weights); default: the user cache."""

    def __post_init__(self) -> None:
        if self.repeat < 1:
            raise ConfigError(f"repeat: expected >= 1, got {self.repeat}")
        if not self.batches or min(self.batches) < 1:
            raise ConfigError(f"batches: expected sizes >= 1, got {self.batches}")
        for spec in self.engines:
            parse_engine(spec)


def parse_engine(spec: str) -> tuple[str, dict[str, Any]]:
    """``'torch:bf16,graphs'`` -> ('torch', {'dtype': 'bfloat16', 'cuda_graphs': True})."""
    from streamfx.engines.spec import parse_engine_spec

    return parse_engine_spec(spec)


def _cache_root(config: EnginesBench) -> Path:
    from streamfx.engines.export import engine_cache_dir

    return Path(config.cache_dir) if config.cache_dir else engine_cache_dir()


def bench_weights(preset: str, cache: Path) -> Path:
    """The preset's seed-0 random weights as a folder under ``cache`` (written once)."""
    import torch

    from streamfx.editor.editor import PortraitEditor

    folder = cache / "bench-weights" / f"{preset}-seed0"
    if not (folder / "model.safetensors").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(0)
        tmp = Path(tempfile.mkdtemp(prefix=f".{preset}-", dir=folder.parent))
        PortraitEditor(preset).save_pretrained(tmp)
        os.replace(tmp, folder)
    return folder


def _inputs(batch: int, ref_side: int):
    import torch

    from streamfx.geometry.camera import camera_from_angles

    g = torch.Generator().manual_seed(0)
    refs = torch.randn(1, 3, ref_side, ref_side, generator=g)
    images = torch.rand(batch, 3, 512, 512, generator=g) * 2 - 1
    cams = [camera_from_angles(0.2 * (i % 3 - 1), 0.05 * (i % 2)) for i in range(batch)]
    return refs, images, torch.stack([torch.from_numpy(c).float() for c in cams])


def measure_row(job: dict[str, Any]) -> dict[str, Any]:
    """Open one engine and time it (runs in a fresh process when isolated). ``job`` keys:
    engine, options, weights, batch, repeat, threads, device, cache, ref (a .pt path),
    role ('reference' saves outputs there, 'measure' compares with them)."""
    import torch

    from streamfx.engines import describe_choice, open_engine

    if job["threads"]:
        torch.set_num_threads(job["threads"])
    opts = dict(job["options"])
    if job["engine"] in ("onnxruntime", "auto") and job["threads"]:
        opts.setdefault("threads", job["threads"])
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    engine = open_engine(
        job["engine"], job["weights"], device=job["device"], max_batch=job["batch"],
        warmup=False, cache_dir=job["cache"], **opts,
    )  # fmt: skip
    start_s = time.perf_counter() - t0
    refs, images, cams = _inputs(job["batch"], engine.ref_side)
    stages: dict[str, list[float]] = {k: [] for k in ("prompt", "encode", "render", "superres")}
    with torch.inference_mode():
        for i in range(job["repeat"] + 1):
            tokens = engine.encode_prompt(refs)
            timings = dict(engine.last_timings)
            tri = engine.encode(images, tokens)
            timings.update(engine.last_timings)
            out = engine.render(tri, cams)
            timings.update(engine.last_timings)
            if i:  # the first frame is the warm-up
                for k, v in timings.items():
                    stages[k].append(v * 1e3)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if engine.device.type == "cuda":
        peak_mb = torch.cuda.max_memory_allocated(engine.device) / 2**20
    outputs = {"tokens": tokens, "triplane": tri, **out}
    outputs = {k: v.detach().float().cpu() for k, v in outputs.items()}
    row = {k: statistics.median(v) for k, v in stages.items()}
    row.update(label=describe_choice(engine), start_s=start_s, peak_mb=peak_mb, rel_l2=None)
    if job["role"] == "reference":
        torch.save(outputs, job["ref"])
        row["rel_l2"] = 0.0
    elif job["ref"] and Path(job["ref"]).is_file():
        want = torch.load(job["ref"])
        row["rel_l2"] = max(_rel_l2(outputs[k], want[k]) for k in OUTPUTS)
    if job.get("soak"):
        row["rss_growth_mb"] = _soak(engine, job["soak"], tokens, images, cams)
    engine.close()
    return row


def _rss_mb() -> float:
    """Current resident set size of this process (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _soak(engine, frames: int, tokens, images, cams) -> float:
    """Resident MB gained between frame frames/10 and the last of ``frames`` edits."""
    import torch

    first = 0.0
    with torch.inference_mode():
        for i in range(frames):
            engine.render(engine.encode(images, tokens), cams)
            if i == frames // 10:
                first = _rss_mb()
    return _rss_mb() - first


def _rel_l2(got, want) -> float:
    got, want = got.double(), want.double()
    return float((got - want).norm() / want.norm().clamp_min(1e-30))


def _export_job(weights: str, cache: str, ray_chunk: int | None) -> float:
    """Export (or find) the ONNX graphs of ``weights``; seconds spent (0 when cached)."""
    from streamfx.engines.export import export_onnx

    return export_onnx(weights, cache_dir=cache, ray_chunk=ray_chunk).seconds


def _call(config: EnginesBench, fn, *args):
    if not config.isolate:
        return fn(*args)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _table() -> Table:
    return Table(
        [
            Column("engine"),
            Column("preset"),
            Column("batch", "d"),
            Column("prompt", ".1f", "prompt ms"),
            Column("encode", ".1f", "encode ms"),
            Column("render", ".1f", "render ms"),
            Column("superres", ".1f", "SR ms"),
            Column("total", ".1f", "total ms"),
            Column("fps", ".2f"),
            Column("gflop", ".2f", "GFLOP"),
            Column("gflops", ".1f", "GFLOP/s"),
            Column("peak_mb", ".0f", "peak MB"),
            Column("rel_l2", ".1e", "rel L2"),
            Column("start_s", ".1f", "start s"),
            Column("rss_growth_mb", ".1f", "soak MB"),
        ]
    )


def _header(config: EnginesBench) -> str:
    import torch

    from streamfx.cpu import usable_cores

    cores = usable_cores()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    threads = config.threads or cores
    return (
        f"streamfx bench engines: {time.strftime('%Y-%m-%d')}, {platform.machine()} "
        f"{cores}-core CPU, {gpu}; device {config.device}, {threads} threads, "
        f"median of {config.repeat} frame(s) after 1 warm-up\n"
        "random weights (seed 0) of each preset: cost only. total = encode + render + SR for "
        "one frame of `batch` faces with cached prompt tokens; fps = 1000 / total; GFLOP per "
        "frame from FlopCounterMode (grid_sample and elementwise ops not counted); peak MB: "
        + (
            "RSS of the row's own process"
            if config.isolate
            else "process RSS so far (not isolated)"
        )
        + "; rel L2: largest over tokens, triplane, image, alpha, depth vs torch fp32 eager"
        + (
            f"; soak MB: RSS growth from frame {config.soak // 10} to {config.soak}"
            if config.soak
            else ""
        )
    )


def _flops_table(presets: tuple[str, ...]) -> Table:
    from streamfx.engines.flops import graph_gflops

    table = Table(
        [
            Column("preset"),
            Column("prompt", ".2f", "prompt GFLOP"),
            Column("encoder", ".2f", "encoder GFLOP"),
            Column("volume", ".2f", "render GFLOP"),
            Column("superres", ".2f", "SR GFLOP"),
            Column("frame", ".2f", "frame GFLOP"),
            Column("ratio", ".4f", "x full"),
        ]
    )
    full = graph_gflops("3dpe")["frame"]
    for preset in dict.fromkeys((*presets, "3dpe")):
        g = graph_gflops(preset)
        table.add(preset=preset, ratio=g["frame"] / full, **g)
    return table


def run(config: EnginesBench) -> int:
    """Run every engine x preset x batch and print the table (and ``--json``)."""
    from streamfx.cpu import usable_cores
    from streamfx.engines.flops import graph_gflops

    cache = _cache_root(config)
    threads = config.threads or usable_cores()
    print(_header(config), flush=True)
    table = _table()
    labels: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="streamfx-bench-") as tmp:
        for preset in config.presets:
            weights = str(bench_weights(preset, cache))
            specs = [parse_engine(s) for s in config.engines]
            if any(name != "torch" for name, _ in specs):  # exports never count in a row
                from streamfx.engines.registry import CPU_RAY_CHUNK

                chunk = CPU_RAY_CHUNK if config.device == "cpu" else None
                _call(config, _export_job, weights, str(cache), chunk)
            for batch in config.batches:
                ref = str(Path(tmp) / f"ref-{preset}-{batch}.pt")
                base = {
                    "weights": weights, "batch": batch, "repeat": config.repeat,
                    "threads": threads, "device": config.device, "cache": str(cache), "ref": ref,
                    "soak": config.soak,
                }  # fmt: skip
                if config.parity and ("torch", {}) not in specs:
                    job = {**base, "engine": "torch", "options": {}, "role": "reference"}
                    _call(config, measure_row, job)
                for spec, (name, opts) in zip(config.engines, specs, strict=True):
                    role = "reference" if (name, opts) == ("torch", {}) else "measure"
                    job = {**base, "engine": name, "options": opts, "role": role}
                    try:
                        row = _call(config, measure_row, job)
                    except Exception as exc:  # one engine failing must not end the bench
                        print(f"{spec} / {preset} / batch {batch}: {type(exc).__name__}: {exc}")
                        continue
                    total = row["encode"] + row["render"] + row["superres"]
                    gflop = graph_gflops(preset, batch)["frame"]
                    labels[spec] = row.pop("label")
                    table.add(
                        engine=spec, preset=preset, batch=batch, total=total,
                        fps=1000 / total, gflop=gflop, gflops=gflop / (total / 1000), **row,
                    )  # fmt: skip
                    print(f"  {spec} {preset} batch {batch}: {total:.1f} ms", flush=True)
            table.rule()
    print(table.render())
    print("engines: " + "; ".join(f"{k} = {v}" for k, v in labels.items()))
    flops = _flops_table(config.presets)
    print(flops.render())
    config.save_json(header=_header(config), rows=table, flops=flops, engines=labels)
    return 0
