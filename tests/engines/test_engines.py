"""Each engine available here against torch fp32 on the tiny preset; batching; auto; report."""

from __future__ import annotations

import pytest
import torch
from conftest import rel_l2

from streamfx.engines import describe_choice, engine_report, open_engine
from streamfx.errors import ConfigError, DependencyError, InputError, ModelFileError

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def reference(tiny_weights, frame_inputs):
    """torch fp32 eager outputs for the shared inputs."""
    engine = open_engine("torch", tiny_weights, device="cpu", warmup=False)
    tokens = engine.encode_prompt(frame_inputs["refs"])
    tri = engine.encode(frame_inputs["images"], tokens)
    out = engine.render(tri, frame_inputs["cameras"])
    return {"tokens": tokens, "triplane": tri, **out}


@pytest.fixture(scope="module")
def ort_engine(tiny_weights, engine_cache):
    return open_engine("onnxruntime", tiny_weights, cache_dir=engine_cache, warmup=False)


def _run(engine, inputs) -> dict[str, torch.Tensor]:
    tokens = engine.encode_prompt(inputs["refs"])
    tri = engine.encode(inputs["images"], tokens)
    return {"tokens": tokens, "triplane": tri, **engine.render(tri, inputs["cameras"])}


def test_onnxruntime_matches_torch_fp32(ort_engine, reference, frame_inputs):
    got = _run(ort_engine, frame_inputs)
    assert set(got) == {"tokens", "triplane", "image", "alpha", "depth"}
    for key, want in reference.items():
        assert got[key].dtype == torch.float32 and got[key].shape == want.shape, key
        assert rel_l2(got[key], want) <= 1e-4, key
    assert set(ort_engine.last_timings) == {"render", "superres"}
    assert "CPU" in ort_engine.label and "arena off" in ort_engine.label


@pytest.mark.parametrize("name", ["torch", "onnxruntime"])
def test_batch_of_three_equals_three_singles(
    name, tiny_weights, engine_cache, frame_inputs, reference
):
    engine = open_engine(name, tiny_weights, device="cpu", cache_dir=engine_cache, warmup=False)
    tokens = engine.encode_prompt(frame_inputs["refs"])
    images, cams = frame_inputs["images"], frame_inputs["cameras"]
    batch = reference if name == "torch" else engine.render(engine.encode(images, tokens), cams)
    for i in range(3):
        single = engine.render(engine.encode(images[i : i + 1], tokens), cams[i : i + 1])
        for key in ("image", "alpha", "depth"):
            assert rel_l2(batch[key][i : i + 1], single[key]) <= 1e-5, (name, key, i)


def test_shapes_and_limits_are_checked(ort_engine, frame_inputs):
    tokens = ort_engine.encode_prompt(frame_inputs["refs"])
    with pytest.raises(InputError, match=r"images must be \[N,3,512,512\]"):
        ort_engine.encode(torch.zeros(1, 3, 256, 256), tokens)
    with pytest.raises(InputError, match="max_batch"):
        ort_engine.encode(torch.zeros(5, 3, 512, 512), tokens)
    tri = ort_engine.encode(frame_inputs["images"][:2], tokens)
    with pytest.raises(InputError, match=r"cameras must be \[2,25\]"):
        ort_engine.render(tri, frame_inputs["cameras"])


def test_names_options_and_weights_are_checked(tiny_weights, tmp_path):
    with pytest.raises(ConfigError, match="available: auto, torch, onnxruntime, tensorrt"):
        open_engine("nosuch", tiny_weights)
    with pytest.raises(ConfigError, match="no option"):
        open_engine("torch", tiny_weights, device="cpu", cpu_arena=True)
    with pytest.raises(ModelFileError, match="weights import"):
        open_engine("torch", tmp_path)
    with pytest.raises(ConfigError, match="preset 'tiny'"):
        open_engine("torch", tiny_weights, preset="3dpe", device="cpu")
    with pytest.raises(ConfigError, match="float32"):
        open_engine("onnxruntime", tiny_weights, dtype="float16")
    if not torch.cuda.is_available():
        with pytest.raises(DependencyError, match="CUDAExecutionProvider"):
            open_engine("onnxruntime", tiny_weights, provider="cuda", device="cpu")


def test_auto_picks_the_best_usable_engine_and_says_why(tiny_weights, engine_cache):
    engine = open_engine("auto", tiny_weights, cache_dir=engine_cache, warmup=False)
    skipped = dict(engine.choice)
    line = describe_choice(engine)
    if not torch.cuda.is_available():
        assert engine.name == "onnxruntime" and engine.device.type == "cpu"
        assert list(skipped) == ["tensorrt CUDA", "torch CUDA", "onnxruntime CUDA"]
        assert "no CUDA device" in skipped["torch CUDA"]
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        assert "pip install 'tensorrt-cu12" in skipped["tensorrt CUDA"]
        assert "tensorrt is not installed" in line
    forced = open_engine("auto", tiny_weights, device="cpu", cache_dir=engine_cache, warmup=False)
    assert forced.device.type == "cpu" and "device cpu requested" in describe_choice(forced)


def test_engine_report_lists_every_engine_with_a_reason():
    rows = engine_report()
    assert [r[0] for r in rows] == ["torch", "onnxruntime", "tensorrt", "auto"]
    assert all(isinstance(ok, bool) and reason for _, ok, reason in rows)
    report = {name: (ok, reason) for name, ok, reason in rows}
    assert report["onnxruntime"][0] and "CPU" in report["onnxruntime"][1]
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        assert report["tensorrt"] == (False, report["tensorrt"][1])
        assert report["tensorrt"][1].count("\n") == 0 and "pip install" in report["tensorrt"][1]


def test_engine_strings_carry_variants(tiny_editor, tiny_weights):
    engine = open_engine("torch:channels_last", tiny_weights, device="cpu", warmup=False)
    assert engine.name == "torch" and engine.channels_last
    with pytest.raises(ConfigError, match="unknown variant 'turbo'"):
        open_engine("torch:turbo", tiny_editor, device="cpu")
    with pytest.raises(ConfigError, match="float32"):
        open_engine("onnxruntime:bf16", tiny_editor, device="cpu")


def test_random_weights_need_a_preset_and_say_so():
    with pytest.raises(ModelFileError, match="no weights given"):
        open_engine("torch", None, device="cpu")
    engine = open_engine("torch", None, preset="tiny", device="cpu", warmup=False)
    assert engine.random_weights and engine.spec.preset == "tiny"
