"""FLOP counts of the four graphs, without running the network (meta tensors, no memory).

``torch.utils.flop_counter.FlopCounterMode`` counts matmuls, convolutions and attention;
grid_sample, sorting and elementwise ops are not counted (a few percent of the renderer).
"""

from __future__ import annotations

import functools

import torch

from streamfx.engines.graphs import CROP_SIDE, build_graphs


@functools.lru_cache(maxsize=8)
def graph_gflops(preset: str, batch: int = 1) -> dict[str, float]:
    """GFLOP per call of each graph for ``preset`` at ``batch``: prompt, encoder, volume,
    superres, and ``frame`` (encoder + volume + superres: one edit with cached tokens)."""
    from torch.utils.flop_counter import FlopCounterMode

    from streamfx.editor.editor import PortraitEditor

    meta = torch.device("meta")
    with meta:
        editor = PortraitEditor(preset)
    editor = editor.to(meta)._ready()
    graphs = build_graphs(editor)
    ref = editor.config.encoder.mae["image_size"]
    counts: dict[str, float] = {}

    def count(name: str, *args: torch.Tensor):
        with FlopCounterMode(display=False) as counter:
            out = graphs[name](*args)
        counts[name] = counter.get_total_flops() / 1e9
        return out

    with torch.no_grad():
        tokens = count("prompt", torch.empty(batch, 3, ref, ref, device=meta))
        tri = count("encoder", torch.empty(batch, 3, CROP_SIDE, CROP_SIDE, device=meta), tokens)
        features = count("volume", tri, torch.zeros(batch, 25, device=meta))[0]
        count("superres", features)
    counts["frame"] = counts["encoder"] + counts["volume"] + counts["superres"]
    return counts
