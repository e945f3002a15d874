"""The torch engine's options: dtype parsing, CPU limits, channels_last and bf16 on the CPU."""

from __future__ import annotations

import os

import pytest
import torch
from conftest import rel_l2

from streamfx.engines import open_engine
from streamfx.engines.torch_engine import parse_dtype
from streamfx.errors import ConfigError


def test_dtype_names():
    assert parse_dtype(None) is torch.float32
    assert parse_dtype("bf16") is torch.bfloat16 and parse_dtype("float16") is torch.float16
    with pytest.raises(ConfigError, match="expected one of"):
        parse_dtype("int8")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only errors")
def test_cuda_only_options_fail_clearly_on_the_cpu(tiny_editor):
    with pytest.raises(ConfigError, match="float16 needs a CUDA device"):
        open_engine("torch", tiny_editor, device="cpu", dtype="float16", warmup=False)
    with pytest.raises(ConfigError, match="cuda_graphs needs a CUDA device"):
        open_engine("torch", tiny_editor, device="cpu", cuda_graphs=True, warmup=False)


def test_channels_last_and_bf16_autocast(tiny_weights, frame_inputs):
    images, cams = frame_inputs["images"][:1], frame_inputs["cameras"][:1]

    def run(**options):
        engine = open_engine("torch", tiny_weights, device="cpu", warmup=False, **options)
        tokens = engine.encode_prompt(frame_inputs["refs"])
        return engine.render(engine.encode(images, tokens), cams), engine

    ref, _ = run()
    fast, engine = run(channels_last=True)
    assert "channels_last" in engine.label
    assert all(rel_l2(fast[k], ref[k]) <= 1e-4 for k in ref)
    half, engine = run(dtype="bfloat16")
    assert "bfloat16" in engine.label and half["image"].dtype == torch.float32
    assert rel_l2(half["image"], ref["image"]) < 0.1  # bf16: close, not equal


@pytest.mark.skipif(not os.environ.get("STREAMFX_SLOW"), reason="torch.compile: STREAMFX_SLOW=1")
def test_compiled_matches_eager(tiny_weights, frame_inputs):
    eager = open_engine("torch", tiny_weights, device="cpu", warmup=False)
    compiled = open_engine("torch", tiny_weights, device="cpu", compile=True, max_batch=1)
    tokens = eager.encode_prompt(frame_inputs["refs"])
    a = eager.encode(frame_inputs["images"][:1], tokens)
    b = compiled.encode(frame_inputs["images"][:1], tokens)
    assert rel_l2(b, a) <= 1e-4


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graphs_match_eager_on_the_gpu(tiny_weights, frame_inputs):
    eager = open_engine("torch", tiny_weights, device="cuda", warmup=False)
    graphs = open_engine("torch", tiny_weights, device="cuda", cuda_graphs=True, max_batch=3)
    tokens = eager.encode_prompt(frame_inputs["refs"])
    for n in (1, 3):
        a = eager.render(
            eager.encode(frame_inputs["images"][:n], tokens), frame_inputs["cameras"][:n]
        )
        b = graphs.render(
            graphs.encode(frame_inputs["images"][:n], tokens), frame_inputs["cameras"][:n]
        )
        assert all(rel_l2(b[k], a[k]) <= 1e-4 for k in a)


def test_ray_chunks_render_the_same(tiny_editor, frame_inputs):
    whole = open_engine("torch", tiny_editor, device="cpu", warmup=False)
    chunked = open_engine("torch", tiny_editor, device="cpu", warmup=False, ray_chunk=300)
    tri = torch.randn(2, 96, 256, 256, generator=torch.Generator().manual_seed(3)) * 0.3
    a = whole.render(tri, frame_inputs["cameras"][:2])
    b = chunked.render(tri, frame_inputs["cameras"][:2])
    assert all(rel_l2(b[k], a[k]) <= 1e-6 for k in a)
