"""``streamfx bench editor``: per-module time and FLOPs of the 3DPE network for one frame.

Weights are random (the preset's initialisation): cost does not depend on the values, and real
weights are not needed. FLOPs come from ``torch.utils.flop_counter.FlopCounterMode`` (matmuls,
convolutions, attention; grid_sample, sorting and elementwise ops are not counted).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from streamfx.errors import ConfigError

Stage = tuple[str, Callable[[dict], dict]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``streamfx bench editor``."""
    from streamfx.editor.presets import available_presets

    parser.add_argument("--preset", default="3dpe", help=f"one of {available_presets()}")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: keep)")


def _stages(editor) -> list[Stage]:
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


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _inputs(editor, device: torch.device) -> dict:
    from streamfx.editor.camera import camera_from_angles

    s, ref = editor.config.encoder.image_size, editor.config.encoder.mae["image_size"]
    g = torch.Generator().manual_seed(0)
    return {
        "image": (torch.rand(1, 3, s, s, generator=g) * 2 - 1).to(device),
        "reference": torch.randn(1, 3, ref, ref, generator=g).to(device),
        "camera": torch.from_numpy(camera_from_angles(0.0, 0.0))[None].to(device),
    }


def measure(editor, device: torch.device, repeat: int) -> list[tuple[str, float, float]]:
    """[(module, median ms, GFLOP)] for one frame at batch 1 (first pass counts FLOPs)."""
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


def format_table(rows: list[tuple[str, float, float]]) -> str:
    """Fixed-width table with totals (all modules, and with the prompt tokens cached)."""

    def row(name: str, ms: float, gf: float) -> str:
        return f"{name:<22}{ms:>12.1f}{gf:>12.2f}"

    lines = [f"{'module':<22}{'ms':>12}{'GFLOP':>12}", "-" * 46]
    lines += [row(*r) for r in rows]
    lines.append("-" * 46)
    cached = [r for r in rows if r[0] != "MAE prompt"]
    lines.append(row("total", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    lines.append(row("total, cached prompt", sum(r[1] for r in cached), sum(r[2] for r in cached)))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Build the preset with random weights, time each module, print the table."""
    from streamfx.editor.editor import PortraitEditor

    if args.repeat < 1:
        raise ConfigError(f"--repeat must be >= 1, got {args.repeat}")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda requested but torch sees no CUDA device")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    editor = PortraitEditor(args.preset)._ready().to(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(
        f"streamfx bench editor: preset {args.preset}, device {name}, "
        f"threads {torch.get_num_threads()}, batch 1, float32, median of {args.repeat} run(s)\n"
        "random weights of the preset (cost only; outputs are meaningless); "
        "FLOPs: torch FlopCounterMode (grid_sample and elementwise ops not counted)",
        flush=True,
    )
    print(format_table(measure(editor, device, args.repeat)))
    return 0
