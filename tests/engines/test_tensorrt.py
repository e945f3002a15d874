"""TensorRT around the build: a missing package, cache keys, profiles and the exact ONNX files
the builder would parse (run here through onnxruntime at the profile's min and max shapes)."""

from __future__ import annotations

import dataclasses
import importlib.util

import numpy as np
import pytest

from streamfx.engines import open_engine
from streamfx.engines.export import export_onnx
from streamfx.engines.graphs import GRAPH_IO, GRAPH_NAMES
from streamfx.engines.trt_cache import (
    GpuInfo,
    Profile,
    engine_key,
    engine_path,
    file_sha256,
    profile_for,
    timing_cache_path,
)
from streamfx.errors import ConfigError, DependencyError

ort = pytest.importorskip("onnxruntime")
HAS_TRT = importlib.util.find_spec("tensorrt") is not None
H200 = GpuInfo("NVIDIA H200", (9, 0))


@pytest.fixture(scope="module")
def exported(tiny_weights, engine_cache):
    return export_onnx(tiny_weights, cache_dir=engine_cache)


@pytest.mark.skipif(HAS_TRT, reason="tensorrt is installed here")
def test_missing_tensorrt_is_one_line_with_the_install_command(tiny_weights, engine_cache):
    with pytest.raises(DependencyError) as info:
        open_engine("tensorrt", tiny_weights, cache_dir=engine_cache)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("tensorrt is not installed: pip install 'tensorrt-cu12>=10,<11'")


def test_profiles_cover_batch_one_to_max(exported):
    for name in GRAPH_NAMES:
        prof = profile_for(exported.paths[name], max_batch=4)
        assert list(prof.shapes) == list(GRAPH_IO[name][0])
        for lo, opt, hi in prof.shapes.values():
            assert (lo[0], opt[0], hi[0]) == (1, 1, 4)
            assert lo[1:] == opt[1:] == hi[1:] and all(d > 0 for d in lo[1:])
    enc = profile_for(exported.paths["encoder"], max_batch=4, opt_batch=2).shapes
    assert enc["image"] == ((1, 3, 512, 512), (2, 3, 512, 512), (4, 3, 512, 512))
    assert enc["tokens"][2] == (4, 197, 32)
    with pytest.raises(ConfigError, match="opt_batch"):
        profile_for(exported.paths["encoder"], max_batch=2, opt_batch=3)


def test_the_onnx_files_tensorrt_parses_run_at_the_profile_extremes(exported):
    for name in GRAPH_NAMES:
        prof = profile_for(exported.paths[name], max_batch=4)
        sess = ort.InferenceSession(str(exported.paths[name]), providers=["CPUExecutionProvider"])
        for which in (0, 2):  # min and max shapes
            rng = np.random.default_rng(which)
            feed = {
                n: rng.standard_normal(s[which]).astype(np.float32) for n, s in prof.shapes.items()
            }
            if "camera" in feed:
                from streamfx.geometry.camera import camera_from_angles

                feed["camera"][:] = camera_from_angles(0.1, 0.0)
            outs = sess.run(None, feed)
            assert all(o.shape[0] == prof.shapes[next(iter(prof.shapes))][which][0] for o in outs)
            assert all(np.isfinite(o).all() for o in outs), name


def test_cache_key_changes_with_every_component(exported):
    prof = profile_for(exported.paths["encoder"], max_batch=4)
    sha = file_sha256(exported.paths["encoder"])
    base = engine_key(H200, "10.8.0", sha, prof, {"fp16": True})
    assert base == engine_key(H200, "10.8.0", sha, prof, {"fp16": True})  # stable
    variants = [
        engine_key(GpuInfo("NVIDIA H100 80GB HBM3", (9, 0)), "10.8.0", sha, prof, {"fp16": True}),
        engine_key(
            dataclasses.replace(H200, capability=(8, 9)), "10.8.0", sha, prof, {"fp16": True}
        ),
        engine_key(H200, "10.9.0", sha, prof, {"fp16": True}),
        engine_key(H200, "10.8.0", "0" * 64, prof, {"fp16": True}),
        engine_key(H200, "10.8.0", sha, profile_for(exported.paths["encoder"], 2), {"fp16": True}),
        engine_key(H200, "10.8.0", sha, prof, {"fp16": False}),
    ]
    assert len({base, *variants}) == 1 + len(variants)
    path = engine_path(exported.folder, "encoder", H200, base)
    assert path.name == f"encoder-NVIDIA-H200-sm90-{base}.engine"
    assert timing_cache_path(exported.folder, H200, "10.8.0").name == (
        "timing-NVIDIA-H200-sm90-trt10.8.0.cache"
    )
    assert Profile(prof.shapes).to_json() == prof.to_json()


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_TRT, reason="needs tensorrt and a CUDA GPU")
def test_tensorrt_engine_matches_torch_and_loads_from_cache(tiny_weights, tmp_path):
    import time

    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    first = open_engine("tensorrt", tiny_weights, cache_dir=tmp_path, warmup=False)
    assert first.built == list(GRAPH_NAMES)
    t0 = time.perf_counter()
    second = open_engine("tensorrt", tiny_weights, cache_dir=tmp_path, warmup=False)
    assert second.built == [] and time.perf_counter() - t0 < 30
