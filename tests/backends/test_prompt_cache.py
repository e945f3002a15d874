"""Prompt tokens cached on disk: a 3DPE style starts without the prompt encoder the second time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.backends.prompt_cache import PromptTokenCache, weights_hash
from streamfx.backends.threedpe import ThreeDPEBackend
from streamfx.editor import PortraitEditor


@pytest.fixture(autouse=True)
def caches(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path / "engines"))
    return tmp_path / "engines" / "prompts"


def test_second_start_reads_tokens_from_disk(tiny_weights: Path, tmp_path: Path, caches) -> None:
    ref = tmp_path / "ref.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (256, 256, 3), np.uint8)).save(ref)
    first = ThreeDPEBackend(ref, weights=tiny_weights, engine="torch", smoothing=None)
    assert (first.prompt_cache.hits, first.prompt_cache.misses) == (0, 1)
    tokens = first._tokens.clone()
    first.close()
    assert len(list(caches.glob("*.safetensors"))) == 1
    copy = tmp_path / "elsewhere.png"  # the same image under another name: the same key
    copy.write_bytes(ref.read_bytes())
    second = ThreeDPEBackend(copy, weights=tiny_weights, engine="torch", smoothing=None)
    assert (second.prompt_cache.hits, second.prompt_cache.misses) == (1, 0)
    torch.testing.assert_close(second._tokens, tokens, rtol=0, atol=0)
    second.close()


def test_key_depends_on_reference_and_weights(tiny_weights: Path, tmp_path: Path, caches) -> None:
    cache = PromptTokenCache(tiny_weights, "torch")
    a, b = torch.zeros(1, 3, 224, 224), torch.ones(1, 3, 224, 224)
    assert cache.key(a) != cache.key(b)
    assert cache.key(a) != PromptTokenCache(tiny_weights, "onnxruntime").key(a)
    other = tmp_path / "other"
    torch.manual_seed(1)
    PortraitEditor("tiny").save_pretrained(other)
    assert weights_hash(other) != weights_hash(tiny_weights)
    assert PromptTokenCache(other, "torch").key(a) != cache.key(a)
    cache.put(a, torch.ones(1, 197, 32))
    cache.path(a).write_bytes(b"damaged")  # an unreadable entry is recomputed, not an error
    assert cache.get(a) is None and cache.misses == 1
