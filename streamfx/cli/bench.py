"""Benchmarks that print tables (and write them as JSON with ``--json FILE``).

Each one lives in ``streamfx.bench``; ``streamfx bench NAME --help`` lists its options.
"""

from __future__ import annotations

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "editor": ("streamfx.bench.editor", "3DPE network: per-module ms and GFLOP for one frame"),
    "face": ("streamfx.bench.face", "face tracking, alignment and compositing speed/stability"),
    "mesh": ("streamfx.bench.mesh", "mesh editor: lift + style + render + composite fps"),
    "pipeline": ("streamfx.bench.pipeline", "the whole pipeline on the demo clip (--live)"),
    "temporal": ("streamfx.bench.temporal", "flicker (still) and lag (moving), smoothing off/on"),
    "engines": (
        "streamfx.bench.engines:EnginesBench:run",
        "3DPE engines: ms, fps, GFLOP/s, memory, parity per engine x preset x batch",
    ),
    "quality": (
        "streamfx.bench.quality:QualityBench:run",
        "edit quality per style (identity, flicker, seams, pose)",
    ),
}
