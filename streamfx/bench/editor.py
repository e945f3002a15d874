"""``streamfx bench editor``: per-module time and FLOPs of the 3DPE network for one frame.

Weights are random (the preset's initialisation): cost does not depend on the values, and real
weights are not needed. FLOPs come from ``torch.utils.flop_counter.FlopCounterMode`` (matmuls,
convolutions, attention; grid_sample, sorting and elementwise ops are not counted).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streamfx.bench.table import BenchOptions, Column, Table
from streamfx.errors import ConfigError, check_field

Stage = tuple[str, Callable[[dict], dict]]


@dataclass
class Command(BenchOptions):
    """``streamfx bench editor``: per-module ms and GFLOP of the 3DPE network, one frame."""

    preset: str = "3dpe"
    """Editor preset: 3dpe (the paper's network) or tiny (a quick check)."""
    device: str = "cpu"
    """Torch device: cpu, cuda, cuda:N."""
    repeat: int = 3
    """Timed runs per module (the median is reported)."""
    threads: int = 0
    """Torch CPU threads (0: keep torch's default)."""

    def __post_init__(self) -> None:
        check_field(self.repeat >= 1, "repeat", ">= 1", self.repeat)
        check_field(self.threads >= 0, "threads", ">= 0 (0: keep)", self.threads)


def _stages(editor: Any) -> list[Stage]:
    import torch

    enc, ren = editor.encoder, editor.renderer
    c = ren.config.plane_channels

    def planes(s: dict) -> torch.Tensor:
        t = s["triplane"]
        return t.reshape(t.shape[0], 3, c, *t.shape[-2:])

    def sr(s: dict) -> dict:
        w = None if ren.folded else ren.const[:, 0]
        return {"sr": ren.superresolution(s["raw"]["image_raw"], s["raw"]["feature_image"], w)}

    def e_t(s: dict) -> dict:
        return {"triplane": enc.Final_encoder(torch.cat([s["f_high2"], s["f_low"]], 1))}

    return [
        ("E_low", lambda s: {"f_low": enc.e_low(enc.with_coords(s["image"]))}),
        ("E_high", lambda s: {"f_high": enc.EHigh_encoder(enc.with_coords(s["image"]))}),
        ("MAE prompt", lambda s: {"tokens": enc.encode_prompt(s["reference"])}),
        ("cross-attention", lambda s: {"f_high2": enc.Ref_encoder(s["f_high"], s["tokens"])}),
        ("E_t", e_t),
        ("rendering", lambda s: {"raw": ren.render_volume(planes(s), s["camera"], True)}),
        ("SR", sr),
    ]  # fmt: skip


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _inputs(editor: Any, device: Any) -> dict:
    import torch

    from streamfx.geometry.camera import camera_from_angles

    s, ref = editor.config.encoder.image_size, editor.config.encoder.mae["image_size"]
    g = torch.Generator().manual_seed(0)
    return {
        "image": (torch.rand(1, 3, s, s, generator=g) * 2 - 1).to(device),
        "reference": torch.randn(1, 3, ref, ref, generator=g).to(device),
        "camera": torch.from_numpy(camera_from_angles(0.0, 0.0))[None].to(device),
    }


def measure(editor: Any, device: Any, repeat: int) -> list[tuple[str, float, float]]:
    """[(module, median ms, GFLOP)] for one frame at batch 1 (first pass counts FLOPs)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    stages = _stages(editor)
    state = _inputs(editor, device)
    flops: dict[str, float] = {}
    times: dict[str, list[float]] = {name: [] for name, _ in stages}
    with torch.inference_mode():
        for name, fn in stages:  # FLOP pass, doubles as warm-up
            with FlopCounterMode(display=False) as counter:
                state.update(fn(state))
            flops[name] = counter.get_total_flops() / 1e9
        for _ in range(repeat):
            for name, fn in stages:
                _sync(device)
                t0 = time.perf_counter()
                state.update(fn(state))
                _sync(device)
                times[name].append((time.perf_counter() - t0) * 1e3)
    return [(name, statistics.median(times[name]), flops[name]) for name, _ in stages]


def make_table(rows: list[tuple[str, float, float]]) -> Table:
    """The modules, then totals (all modules, and with the prompt tokens cached)."""
    table = Table([Column("module"), Column("ms", ".1f"), Column("gflop", ".2f", "GFLOP")])
    for name, ms, gf in rows:
        table.add(module=name, ms=ms, gflop=gf)
    table.rule()
    cached = [r for r in rows if r[0] != "MAE prompt"]
    for name, part in (("total", rows), ("total, cached prompt", cached)):
        table.add(module=name, ms=sum(r[1] for r in part), gflop=sum(r[2] for r in part))
    return table


def run(cmd: Command) -> int:
    """Build the preset with random weights, time each module, print the table."""
    import torch

    from streamfx.editor.editor import PortraitEditor

    device = torch.device(cmd.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda requested but torch sees no CUDA device")
    if cmd.threads > 0:
        torch.set_num_threads(cmd.threads)
    torch.manual_seed(0)
    editor = PortraitEditor(cmd.preset)._ready().to(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    threads = torch.get_num_threads()
    print(
        f"streamfx bench editor: preset {cmd.preset}, device {name}, threads {threads}, "
        f"batch 1, float32, median of {cmd.repeat} run(s)\n"
        "random weights of the preset (cost only; outputs are meaningless); "
        "FLOPs: torch FlopCounterMode (grid_sample and elementwise ops not counted)",
        flush=True,
    )
    table = make_table(measure(editor, device, cmd.repeat))
    print(table.render())
    cmd.save_json(bench="editor", device=name, threads=threads, modules=table)
    return 0
